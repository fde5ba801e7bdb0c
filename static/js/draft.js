/* Questionnaire drafts: saves the current step every 30 seconds while the contributor types, and when the
   page is hidden or closed. Without JavaScript the step buttons still save everything. */
(function () {
  "use strict";
  var form = document.getElementById("step-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-autosave-url");
  var tokenUrl = form.getAttribute("data-token-url");
  var status = document.getElementById("autosave-status");
  var warnings = document.getElementById("privacy-warnings");
  var dirty = false;
  var saving = false;

  function say(message) { if (status) { status.textContent = message; } }

  function offline() {
    say(form.getAttribute("data-offline-message") || "Enregistrement impossible pour le moment : nouvel essai dans 30 secondes.");
  }

  /* A login in another tab gave the session a new CSRF token: read it from one of the site's pages (which only
     the site's own scripts can) and put it in every form of this page. */
  function refreshToken() {
    return fetch(tokenUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var field = new DOMParser().parseFromString(html, "text/html").querySelector('input[name="csrf_token"]');
        if (!field || !field.value) { throw new Error("no token"); }
        Array.prototype.forEach.call(document.querySelectorAll('input[name="csrf_token"]'), function (input) {
          input.value = field.value;
        });
      });
  }

  function save(keepalive, retried) {
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
      if (!result.ok && result.data && result.data.status === "csrf") {
        dirty = true;
        if (tokenUrl && !retried) {
          refreshToken().then(function () { save(false, true); }, function () { offline(); });
        } else {
          offline();
        }
        return;
      }
      if (result.data && result.data.message) { say(result.data.message); }
      /* The save count and answers this page now stands for: the next save is merged if another tab saved. */
      if (result.ok && result.data && result.data.edit_base !== undefined) {
        var count = form.querySelector('input[name="edit_count"]');
        var base = form.querySelector('input[name="edit_base"]');
        if (count) { count.value = String(result.data.edit_count); }
        if (base) { base.value = result.data.edit_base; }
      }
      if (result.ok && warnings && typeof result.data.warnings_html === "string") {
        warnings.innerHTML = result.data.warnings_html;
      }
      if (!result.ok && result.data && result.data.status === "expired") { dirty = true; }
    }).catch(function () {
      saving = false;
      dirty = true;
      offline();
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
