"""The Content-Security-Policy blocks nothing the pages need: no violation in Chromium on the main pages,
and the questionnaire's autosave (static/js/draft.js) still runs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# Runs before any script of the page (through the browser's debugging protocol, which the policy does not
# restrict) and records every violation the page reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def _complaints(console: list[str]) -> list[str]:
    """What Chromium says in the console about our policies (a blocked resource, an unknown feature)."""
    return [m for m in console if "Content Security Policy" in m or "Permissions-Policy" in m]


def _visit(page: Page, url: str, console: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url
    assert "nonce-" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    assert _violations(page) == [], url
    assert _complaints(console) == [], url


def test_pages_and_the_autosave_run_under_the_policy(page: Page, live_server, login):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    for path in ("/", "/catalogue", "/observatory", "/guides", "/api/v1/docs", "/login"):
        _visit(page, f"{live_server}{path}", console)
    page.goto(f"{live_server}/catalogue")
    page.locator("main a[href^='/catalogue/']").first.click()
    page.wait_for_load_state("load")
    assert _violations(page) == []

    login(page, "contributor@demo.retex-ia.test")
    _visit(page, f"{live_server}/reports/new", console)
    page.get_by_label("Solution").select_option(index=1)
    page.get_by_role("button", name="Commencer").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/step/1$"))
    page.wait_for_load_state("load")  # draft.js (deferred) listens from then on
    page.get_by_label("Services ou unités qui utilisent la solution").fill("Imagerie")
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    # The first scan for patient data of the process loads the language model: allow it the time.
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Brouillon enregistré à \d\d:\d\d\.$"),
                                                           timeout=60_000)
    assert _violations(page) == []
    assert _complaints(console) == []
