/* Questionnaire drafts: saves the current step every 30 seconds while the contributor types, and when the
   page is hidden or closed. Without JavaScript the step buttons still save everything. */
(function () {
  "use strict";
  var form = document.getElementById("step-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var warnings = document.getElementById("privacy-warnings");
  var dirty = false;
  var saving = false;

  function say(message) { if (status) { status.textContent = message; } }

  function save(keepalive) {
    if (!dirty || saving) { return; }
    saving = true;
    dirty = false;
    fetch(url, {
      method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      saving = false;
      if (result.data && result.data.message) { say(result.data.message); }
      if (result.ok && warnings && typeof result.data.warnings_html === "string") {
        warnings.innerHTML = result.data.warnings_html;
      }
      if (!result.ok && result.data && result.data.status === "expired") { dirty = true; }
    }).catch(function () {
      saving = false;
      dirty = true;
      say(form.getAttribute("data-offline-message") || "Enregistrement impossible pour le moment : nouvel essai dans 30 secondes.");
    });
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.setInterval(function () { save(false); }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(true); }
  });
  window.addEventListener("pagehide", function () { save(true); });
})();
