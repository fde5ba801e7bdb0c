"""Fictional published reports of the demonstration data (app.demo.reports)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import create_app
from app.demo.loader import DEMO_PASSWORD, load_demo
from app.demo.reports import load_demo_reports
from app.extensions import db
from app.models import AuditLog, Establishment, Report, ReportRevision, Solution, User
from app.questionnaire import applicable_free_texts, check_completeness
from app.services import accounts
from app.services.report_answers import scores
from tests.conftest import empty_all_tables
from tests.factories import make_establishment, make_solution

TARGET = 400


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite returns naive UTC datetimes


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


# Runs first, on its own empty database (the module's data below is loaded afterwards).
def test_demo_load_command_reports_options(app, runner):
    result = runner.invoke(args=["demo", "load", "--no-reports"])
    assert result.exit_code == 0, result.output
    assert "reports" not in result.output
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0

    result = runner.invoke(args=["demo", "load", "--reports", "30"])
    assert result.exit_code == 0, result.output
    assert "reports +30" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Report.id)).where(Report.status == "published")) == 30

    again = runner.invoke(args=["demo", "load", "--reports", "30"])
    assert "reports +0" in again.output


@pytest.fixture(scope="module")
def loaded(database_url):
    """Demo data with TARGET reports, plus a real (non-fictional) solution and establishment to stay away from."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": "retex.test"})
    with app.app_context():
        load_demo(with_reports=False)
        real_solution = make_solution(sector=("health", "medico_social"))
        real_establishment = make_establishment(is_fictional=False)
        created = load_demo_reports(target=TARGET)
        db.session.commit()
        yield {"created": created, "real_solution": real_solution.id, "real_establishment": real_establishment.id}
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def reports(loaded) -> list[Report]:
    return list(db.session.scalars(sa.select(Report).order_by(Report.id)))


def test_about_target_published_reports(loaded, reports):
    assert loaded["created"] == len(reports)
    assert TARGET * 0.95 <= len(reports) <= TARGET * 1.05
    for report in reports:
        revision = report.published_revision
        assert report.status == "published" and report.working_revision_id is None
        assert revision is not None and revision.state == "published" and revision.report_id == report.id
        assert report.first_published_at is not None
        assert (revision.sus_score, revision.nps_rating) == scores(revision.answers)
        assert revision.sus_score is not None and revision.nps_rating is not None
    entries = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "demo.reports_loaded")).all()
    assert len(entries) == 1 and entries[0].detail["created"] == len(reports)


def test_answers_are_complete(reports):
    for report in random.Random(1).sample(reports, 50):
        completeness = check_completeness(report.published_revision.answers)
        assert completeness.complete, (report.id, completeness.errors)


def test_published_revisions_hold_their_export_cells(reports):
    from app.services.exports import revision_export_cells

    for report in reports:
        revision = report.published_revision
        assert revision.export_cells == revision_export_cells(revision), report.id


def test_only_fictional_solutions_and_establishments(loaded, reports):
    assert all(r.solution.is_fictional and r.establishment.is_fictional for r in reports)
    assert not any(r.solution_id == loaded["real_solution"] or r.establishment_id == loaded["real_establishment"]
                   for r in reports)
    non_fictional = (sa.select(Report.id).join(Solution, Solution.id == Report.solution_id)
                     .join(Establishment, Establishment.id == Report.establishment_id)
                     .where(sa.or_(Solution.is_fictional.is_(False), Establishment.is_fictional.is_(False))))
    assert _count(non_fictional) == 0


def test_dates_are_consistent_and_in_the_past(reports):
    now = datetime.now(UTC)
    for report in reports:
        revision = report.published_revision
        created, submitted, decided = (_aware(report.created_at), _aware(revision.submitted_at),
                                       _aware(revision.decided_at))
        assert created < submitted < decided <= now
        assert _aware(report.first_published_at) == decided
        year, month = map(int, revision.answers["start_date"].split("-"))
        assert (2019, 1) <= (year, month) <= (created.year, created.month)


def test_follow_ups_point_to_an_earlier_report_of_the_same_pair(reports):
    by_id = {r.id: r for r in reports}
    follow_ups = [r for r in reports if r.previous_report_id is not None]
    assert len(follow_ups) >= TARGET * 0.05
    changed = 0
    for report in follow_ups:
        previous = by_id[report.previous_report_id]
        assert (previous.establishment_id, previous.solution_id) == (report.establishment_id, report.solution_id)
        assert previous.status == "published"
        assert _aware(previous.first_published_at) < _aware(report.created_at)
        changed += previous.published_revision.answers["stage"] != report.published_revision.answers["stage"]
    assert changed >= len(follow_ups) / 3


def test_several_contributors_of_one_establishment_on_one_solution(reports):
    authors = defaultdict(set)
    for report in reports:
        authors[(report.establishment_id, report.solution_id)].add(report.author_id)
    assert any(len(ids) >= 2 for ids in authors.values())
    contributors = db.session.scalars(sa.select(User).where(User.id.in_({r.author_id for r in reports}))).all()
    for user in contributors:
        assert user.email.startswith("contributor-") and user.email.endswith("@demo.retex-ia.test")
        assert (user.role, user.status) == ("contributor", "active")
        assert user.establishment_id is not None
    assert not any(accounts.verify_password(user, DEMO_PASSWORD) for user in contributors[:3])


def test_popular_and_rare_solutions(reports):
    establishments = defaultdict(set)
    for report in reports:
        establishments[report.solution_id].add(report.establishment_id)
    counts = sorted(len(ids) for ids in establishments.values())
    assert counts[-1] >= 10
    assert counts[0] <= 2


def test_stopped_reports_have_reasons(reports):
    answers = [r.published_revision.answers for r in reports]
    stopped = [a for a in answers if a["stage"] == "stopped"]
    assert stopped and all(a["stop_reasons"] for a in stopped)
    assert all(a["stop_reasons"] == [] for a in answers if a["stage"] != "stopped")
    assert {a["stage"] for a in answers} == {"exploring", "pilot", "production", "stopped"}
    # Solutions differ: their mean recommendation is not one number.
    nps = defaultdict(list)
    for report in reports:
        nps[report.solution_id].append(report.published_revision.nps_rating)
    means = [sum(v) / len(v) for v in nps.values() if len(v) >= 5]
    assert max(means) - min(means) >= 2


def test_second_call_creates_nothing(loaded, reports):
    assert load_demo_reports(target=TARGET) == 0
    assert load_demo(report_target=TARGET)["reports"] == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == len(reports)
    assert db.session.scalar(sa.select(sa.func.count(ReportRevision.id))) == len(reports)


def test_free_texts_hold_no_personal_data(reports):
    from app.services import privacy

    texts = sorted({text for r in reports for text in applicable_free_texts(r.published_revision.answers).values()})
    for text in random.Random(2).sample(texts, 30):
        assert privacy.scan(text) == [], text
