"""How recent a scorecard's reports are: median age and share older than 18 months, live for analysts, from the
release for everyone else, and the view of the last 12 months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ReportFact
from app.models._types import utcnow
from app.services import freshness, releases, stats
from tests.factories import PASSWORD, complete_answers, make_establishment, make_report, make_solution, make_user


def test_whole_months_count_calendar_months_completed():
    start = datetime(2025, 1, 31, 12, tzinfo=UTC)
    assert freshness.whole_months(start, datetime(2025, 2, 28, tzinfo=UTC)) == 0
    assert freshness.whole_months(start, datetime(2025, 3, 31, 12, tzinfo=UTC)) == 2
    assert freshness.whole_months(start, datetime(2026, 7, 31, 12, tzinfo=UTC)) == 18
    assert freshness.whole_months(start, start - timedelta(days=1)) == 0
    assert freshness.recent_since(datetime(2026, 3, 31, tzinfo=UTC)) == datetime(2025, 3, 31, tzinfo=UTC)


def test_cells_give_the_median_of_whole_months_and_the_share_of_old_ones(app):
    cells = freshness.cells([2, 10, 20, 30])
    assert cells["median_age_months"]["value"] == 10 and cells["median_age_months"]["n"] == 4
    assert cells["older_18m"]["value"] == 0.5
    assert freshness.cells([])["median_age_months"]["value"] is None


def _aged_solution(days: list[int]):
    """One establishment per age, each with one published report published that many days ago."""
    solution = make_solution()
    moderator = make_user("moderator")
    for region, age in zip(("11", "84", "53", "44", "75", "93", "76", "28"), days, strict=False):
        author = make_user("contributor", make_establishment(region=region))
        report = make_report(author, solution, "published", complete_answers(), moderator)
        db.session.execute(sa.update(ReportFact).where(ReportFact.report_id == report.id)
                           .values(published_at=utcnow() - timedelta(days=age)))
    db.session.commit()
    return solution


def test_analysts_read_live_ages_and_the_last_12_months(app):
    solution = _aged_solution([15, 100, 320, 600, 800])
    card = stats.compute_scorecard(solution.id)
    assert card["freshness"]["median_age_months"]["value"] == 10
    assert card["freshness"]["older_18m"]["value"] == 0.4
    recent = stats.compute_scorecard(solution.id, stats.Segment("period", "12m"))
    assert recent["establishments"]["value"] == 3
    assert recent["freshness"]["older_18m"]["value"] == 0.0
    assert stats.compute_scorecard(solution.id, stats.Segment("period", "5y"))["establishments"]["value"] == 0


def test_visitors_read_the_release_and_the_period_view_through_page_and_api(app, client):
    solution = _aged_solution([15, 100, 200, 320, 600, 800, 900])
    releases.build(releases.solution_scope(solution.id))
    db.session.commit()
    api = client.get(f"/api/v1/solutions/{solution.id}/scorecard?segment=period&value=12m").get_json()
    assert api["segment"] == {"dimension": "period", "value": "12m"} and api["release"] is not None
    assert api["establishments"]["value"] == 4
    whole = client.get(f"/api/v1/solutions/{solution.id}/scorecard").get_json()
    assert whole["freshness"]["older_18m"]["value"] == round(3 / 7, 3)
    assert whole["freshness"]["median_age_months"]["value"] == 10
    page = client.get(f"/statistics/solutions/{solution.id}").get_data(as_text=True)
    assert "Ancienneté des retours" in page and "segment=period:12m" in page
    recent = client.get(f"/statistics/solutions/{solution.id}?segment=period:12m").get_data(as_text=True)
    assert "12 mois précédant la publication statistique" in recent


def test_a_visitor_never_reads_live_ages(app, client):
    """Between two releases the figures do not move, even when reports age or change."""
    solution = _aged_solution([15, 100, 200, 320])
    releases.build(releases.solution_scope(solution.id))
    db.session.commit()
    before = client.get(f"/api/v1/solutions/{solution.id}/scorecard").get_json()["freshness"]
    db.session.execute(sa.update(ReportFact).where(ReportFact.solution_id == solution.id)
                       .values(published_at=utcnow() - timedelta(days=1000)))
    db.session.commit()
    assert client.get(f"/api/v1/solutions/{solution.id}/scorecard").get_json()["freshness"] == before
    analyst = make_user("analyst")
    db.session.commit()
    client.post("/login", data={"email": analyst.email, "password": PASSWORD})
    live = stats.compute_scorecard(solution.id)["freshness"]
    assert live["older_18m"]["value"] == 1.0 != before["older_18m"]["value"]


def test_a_release_that_keeps_the_figures_never_shows_a_view_its_predecessor_lacked(app):
    """A release made for the alerts alone keeps the reports' figures: a view added since the last release of the
    figures (the last 12 months, when it first came) stays hidden, never computed from the live voices."""
    from app.models import StatRelease, StatReleaseView
    from app.services.disclosure.figures import RECENT

    solution = _aged_solution([15, 100, 200, 320, 600, 800, 900])
    scope = releases.solution_scope(solution.id)
    first = releases.build(scope)
    db.session.commit()
    assert releases.read(scope, RECENT)["establishments"]["value"] == 4
    db.session.execute(sa.delete(StatReleaseView).where(StatReleaseView.release_id == first.id,
                                                        StatReleaseView.view == RECENT))
    db.session.commit()
    kept = releases.build(scope, keep_figures=True)
    db.session.commit()
    assert kept.id != first.id and db.session.get(StatRelease, kept.id).state == first.state
    card = releases.read(scope, RECENT)
    assert card["suppressed"] is True and card["establishments"]["value"] is None
    releases.build(scope)  # the next release of the figures shows it
    db.session.commit()
    assert releases.read(scope, RECENT)["establishments"]["value"] == 4
