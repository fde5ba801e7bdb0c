"""Journey: a visitor reads a scorecard in French, switches to English, and reads every decimal as each language
writes it ("3,9 [3,6 ; 4,2]" and "32 %" in French, "3.9 [3.6; 4.2]" and "32%" in English), in the tables and in
the charts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.services import releases

pytestmark = pytest.mark.e2e

FORMATS = {
    "fr": {"mean": r"\d,\d( \[\d,\d\u00a0; \d,\d\])?", "share": r"\d{1,3}\u00a0%", "benchmark": "80,3",
           "ratings": "Évaluations moyennes par critère, avec intervalle de confiance à 95 %"},
    "en": {"mean": r"\d\.\d( \[\d\.\d; \d\.\d\])?", "share": r"\d{1,3}%", "benchmark": "80.3",
           "ratings": "Mean ratings by criterion, with 95% confidence interval"},
}


def _most_deployed_id(live_app) -> int:
    with live_app.app_context():
        return releases.visitor_observatory()["most_deployed"][0]["solution_id"]


def _assert_formats(page, language: str) -> None:
    expected = FORMATS[language]
    table = page.get_by_role("table", name=expected["ratings"])
    expect(table).to_be_visible()
    values = [text.strip() for text in table.locator("tbody td:first-of-type").all_inner_texts()]
    shown = [v for v in values if v not in ("effectif insuffisant", "too few establishments", "—")]
    assert shown, values
    for value in shown:
        assert re.fullmatch(expected["mean"], value), (language, value)
    assert any("[" in value for value in shown), "the most deployed solution shows its intervals"
    # The chart beside the table: its bar values and the SUS gauge's benchmarks are written the same way.
    ticks = page.locator("svg text.tick").all_text_contents()
    assert expected["benchmark"] in ticks, ticks
    # Shares (governance, prerequisites, difficulties…) in the tables: "32 %" / "32%", never "0.32".
    shares = [text.strip() for text in page.locator("td").all_inner_texts() if "%" in text]
    assert shares
    for share in shares:
        assert re.fullmatch(expected["share"], share), (language, share)
    labels = page.locator("svg text.value").all_text_contents()
    assert labels and all(re.search(expected["share"], label) or re.search(expected["mean"], label)
                          for label in labels if "%" in label or re.search(r"\d[.,]\d", label)), labels


def test_a_scorecard_writes_decimals_in_french_then_in_english(page, live_server, live_app, check_page):
    solution_id = _most_deployed_id(live_app)
    page.goto(f"{live_server}/statistics/solutions/{solution_id}")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    _assert_formats(page, "fr")
    check_page(page, "scorecard-french")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(rf"/statistics/solutions/{solution_id}$"))
    _assert_formats(page, "en")
    check_page(page, "scorecard-english")
