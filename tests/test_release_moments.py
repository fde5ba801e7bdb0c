"""Differencing two moments through a release that hid the whole scope: what a visitor reads after it must not
be the answers of fewer than the minimum of establishments changed since the whole was last shown."""

from __future__ import annotations

from app.extensions import db
from app.models import Report
from app.services import releases
from app.services import reports as report_service
from app.services.disclosure.figures import TOTAL
from app.services.disclosure.protect import hide_views
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user


def _publish(count: int) -> tuple[int, list[Report]]:
    solution = make_solution()
    moderator = make_user("moderator")
    published = [make_report(make_user("contributor", make_establishment()), solution, "published",
                             complete_answers(**({"stage": "stopped", "stop_reasons": ["cost"]} if i == 0 else {})),
                             moderator)
                 for i in range(count)]
    db.session.flush()  # no commit: the releases are made by hand, in the order of the attack
    return solution.id, published


def test_a_whole_scope_hidden_in_between_does_not_let_two_releases_tell_one_establishment(app):
    solution_id, published = _publish(6)
    scope = releases.solution_scope(solution_id)
    target, others = published[0], published[1:]
    releases.build(scope)
    before = releases.read(scope, TOTAL)
    assert not before["suppressed"] and before["establishments"]["value"] == 6

    # The others step out: the whole rests on one establishment and is hidden.
    for report in others:
        report_service.withdraw(report, report.author)
    db.session.flush()
    releases.build(scope)
    assert releases.read(scope, TOTAL)["suppressed"]

    # They come back as they were, and the target leaves: since the whole was last shown, only the target changed.
    for report in others:
        report_service.restore(report, report.author)
    report_service.withdraw(target, target.author)
    db.session.flush()
    releases.build(scope)
    after = releases.read(scope, TOTAL)
    # Shown, the new whole taken from the old would be the target's answers ("stopped", here) alone.
    assert after["suppressed"], after["stages"]

    # Two more establishments change: three since the whole was last shown, a group of the minimum.
    for report in others[:2]:
        report_service.withdraw(report, report.author)
    db.session.flush()
    releases.build(scope)
    assert not releases.read(scope, TOTAL)["suppressed"]


def test_the_whole_is_hidden_when_fewer_than_the_minimum_changed_since_it_was_shown():
    families = {TOTAL: {"n": 5.0}}
    shown = {TOTAL: {str(e): 1 for e in range(5)}}
    for changed_count, hidden in ((0, False), (1, True), (2, True), (3, False)):
        now = {TOTAL: {str(e): (2 if e < changed_count else 1) for e in range(5)}}
        views = hide_views(families, now, at_release={}, at_publication=shown, minimum=3)
        assert (TOTAL in views) is hidden, changed_count
    # Never shown before: nothing to take it from.
    assert TOTAL not in hide_views(families, {TOTAL: shown[TOTAL]}, at_release={}, at_publication={}, minimum=3)
