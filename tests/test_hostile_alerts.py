"""Hostile input in ethics alerts: the alert's texts, the thread and the outcome come out as text in every page of
the author and of the ethics reviewers, stored as typed (NUL removed, bidirectional formatting closed)."""

from __future__ import annotations

from app.extensions import db
from app.models import EthicsAlert
from tests.factories import make_solution, make_user
from tests.hostile_fixtures import fixture_site, print_total, scan_once_per_text  # noqa: F401  (fixtures)
from tests.hostile_helpers import (
    ROUNDS,
    assert_stored,
    location_id,
    logged_in,
    packed,
    post_form,
    print_surface,
)
from tests.hostile_payloads import FLOWING
from tests.hostile_reading import check_page, french_error

TEXTS = ("description", "question", "answer", "note")


def _alert_form(solution, **values) -> dict:
    return {"solution_id": str(solution.id), "category": "other", "summary": "Objet", "description": "Faits.",
            "vendor_may_know": "no", "privacy_confirmed": "y", **values}


def test_alert_texts_come_out_as_text_for_the_author_and_the_reviewers(site, capsys):
    surface = "alerts"
    solution = make_solution()
    author, reviewer = make_user("contributor"), make_user("ethics_reviewer")
    db.session.commit()
    writing, reviewing = logged_in(site, author), logged_in(site, reviewer)
    for index in range(ROUNDS):
        values = packed(index, TEXTS)
        response = post_form(writing, "/alerts/new", _alert_form(solution, description=values["description"]))
        if response.status_code == 200:  # nothing left once stripped: a French error, what was typed kept
            french_error(check_page(surface, response, "alert form (refused)", []), "description")
            continue
        alert_id = location_id(response, r"/alerts/(\d+)$")
        assert post_form(reviewing, f"/alerts/{alert_id}/acknowledge", {}).status_code == 302
        steps = ((reviewing, "question", {"question-body": values["question"], "question-privacy_confirmed": "y"}),
                 (writing, "answer", {"answer-body": values["answer"], "answer-privacy_confirmed": "y"}),
                 (reviewing, "outcome", {"outcome-outcome": "answered", "outcome-note": values["note"]}))
        for client, step, fields in steps:
            response = post_form(client, f"/alerts/{alert_id}/{step}", fields)
            assert response.status_code in (200, 302), (step, response.status_code)
            if response.status_code == 200:
                french_error(check_page(surface, response, f"{step} (refused)", []),
                             f"{'outcome-note' if step == 'outcome' else step + '-body'}")
        db.session.expire_all()
        alert = db.session.get(EthicsAlert, alert_id)
        stored = {"description": assert_stored(values["description"], alert.description, strip=True)}
        bodies = [m.body for m in alert.messages]
        for name, body in zip(("question", "answer"), bodies, strict=False):
            stored[name] = assert_stored(values[name], body, strip=True)
        if alert.outcome_note is not None:
            stored["note"] = assert_stored(values["note"], alert.outcome_note, strip=True)
        items = [(values[name], name, text) for name, text in stored.items()]
        check_page(surface, writing.get(f"/alerts/{alert_id}"), "author's alert page", items)
        check_page(surface, reviewing.get(f"/alerts/{alert_id}"), "reviewer's alert page", items)
    print_surface(capsys, surface)


def test_an_alert_summary_is_one_line_of_text_in_the_lists(site, capsys):
    surface = "alerts"
    solution = make_solution()
    author, reviewer = make_user("contributor"), make_user("ethics_reviewer")
    db.session.commit()
    writing, reviewing = logged_in(site, author), logged_in(site, reviewer)
    for payload in FLOWING:
        value = (payload,)
        response = post_form(writing, "/alerts/new", _alert_form(solution, summary=value))
        if response.status_code == 200:  # a line break, a control character, too long, or nothing once stripped
            page = check_page(surface, response, "alert form (refused)", [])
            french_error(page, "summary")
            continue
        alert = db.session.get(EthicsAlert, location_id(response, r"/alerts/(\d+)$"))
        stored = assert_stored(value, alert.summary, strip=True)
        check_page(surface, writing.get("/alerts/"), "author's alerts", [(value, "summary", stored)])
        check_page(surface, reviewing.get("/alerts/review"), "reviewers' queue", [(value, "summary", stored)])
    print_surface(capsys, surface)
