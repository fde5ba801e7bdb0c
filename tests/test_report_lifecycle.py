"""The lifecycle of a report: one enum of statuses, one table of moves, enforced by the service and drawn in the
README."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models.report import TRANSITIONS, ReportStatus, lifecycle_diagram
from app.services import reports as service
from tests.factories import make_report, make_user

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_diagram_is_the_transition_table():
    assert f"```mermaid\n{lifecycle_diagram()}\n```" in README.read_text()


def test_every_status_has_its_row_and_every_move_leads_to_a_status():
    assert set(TRANSITIONS) == set(ReportStatus)
    assert all(target in ReportStatus for moves in TRANSITIONS.values() for target in moves.values())
    # Only the undo of a withdrawal brings a withdrawn report back, and only to publication.
    assert TRANSITIONS[ReportStatus.WITHDRAWN] == {"restore": ReportStatus.PUBLISHED}


@pytest.mark.parametrize(("state", "expected"), [
    ("draft", ReportStatus.DRAFT), ("submitted", ReportStatus.SUBMITTED), ("published", ReportStatus.PUBLISHED),
    ("changes_requested", ReportStatus.CHANGES_REQUESTED), ("rejected", ReportStatus.REJECTED),
])
def test_the_services_leave_each_report_in_the_status_the_table_gives(app, state, expected):
    report = make_report(state=state)
    assert report.status == expected


def test_a_move_the_table_does_not_allow_is_refused_and_changes_nothing(app):
    report = make_report(state="draft")
    service.withdraw(report, report.author)
    assert report.status == ReportStatus.WITHDRAWN
    for event in ("submit", "publish", "request_changes", "reject", "update", "withdraw"):
        with pytest.raises(service.ReportError):
            service.move(report, event)
        assert report.status == ReportStatus.WITHDRAWN
    # A draft was never published: there is nothing to put back.
    with pytest.raises(service.ReportError):
        service.restore(report, report.author)
    assert report.status == ReportStatus.WITHDRAWN


def test_a_published_report_stays_published_while_an_update_is_moderated(app):
    report = make_report(state="published")
    moderator = make_user("moderator")
    revision = service.start_update(report, report.author)
    service.submit(revision, "update-key", report.author)
    assert report.status == ReportStatus.PUBLISHED
    service.reject(revision, moderator, "Pas assez précis.")
    assert report.status == ReportStatus.PUBLISHED
    assert report.published_revision is not None and report.working_revision is None
