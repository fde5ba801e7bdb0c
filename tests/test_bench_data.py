"""Bulk fictional data for scale tests: `flask demo bench-data` (app.demo.bench)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import create_app
from app import vocabulary as v
from app.demo import bench, bench_facts, bench_rows
from app.extensions import db
from app.models import AuditLog, Establishment, FactChoice, Report, ReportFact, ReportRevision, Solution, User
from app.models.search import fold
from app.services import stats
from app.services.facts import rebuild_facts
from app.services.finess import finess_error
from tests.conftest import empty_all_tables
from tests.factories import make_establishment

N, M = 500, 20
BENCH_NAME = "%banc d'essai%"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite returns naive UTC datetimes


def _bench(runner, reports: int = N, establishments: int = M, *extra: str):
    result = runner.invoke(args=["demo", "bench-data", "--reports", str(reports), "--establishments",
                                 str(establishments), *extra])
    assert result.exit_code == 0, result.output
    return result


def _facts_snapshot() -> tuple[set, set]:
    """Facts and choices without their ids (rebuilds number them anew)."""
    columns = [c for c in ReportFact.__table__.columns if c.name != "id"]
    facts = {tuple(row[1:]): row[0] for row in db.session.execute(sa.select(ReportFact.id, *columns))}
    by_id = {fact_id: key[0] for key, fact_id in facts.items()}  # fact id → report id
    choices = {(by_id[fact_id], kind, code) for fact_id, kind, code in
               db.session.execute(sa.select(FactChoice.fact_id, FactChoice.kind, FactChoice.code))}
    return set(facts), choices


@pytest.fixture
def loaded(app, runner):
    """N reports over M establishments on an empty database (the command loads the demo catalogue)."""
    result = _bench(runner)
    return result.output


def test_command_creates_published_reports(loaded):
    assert "Catalogue de démonstration chargé" in loaded
    assert f"Ajoutés : {N} retours publiés" in loaded
    assert "Note" not in loaded  # M establishments hold N reports: no extra series
    reports = db.session.scalars(sa.select(Report)).all()
    assert len(reports) == N
    for report in reports:
        revision = report.published_revision
        assert report.status == "published" and report.working_revision_id is None
        assert revision.state == "published" and revision.report_id == report.id
        assert revision.sus_score is not None and revision.nps_rating is not None
        assert _aware(report.created_at) < _aware(revision.submitted_at) < _aware(revision.decided_at)
        assert _aware(report.updated_at) == _aware(revision.decided_at)
        assert report.author.establishment_id == report.establishment_id
        assert report.author.email.startswith("bench-contributor-")
    entries = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "demo.bench_data_loaded")).all()
    assert len(entries) == 1 and entries[0].detail["reports"] == N


def test_new_establishments_are_fictional_with_valid_finess(loaded):
    establishments = db.session.scalars(sa.select(Establishment).where(Establishment.name.like(BENCH_NAME))).all()
    assert len(establishments) == M
    assert {e.region for e in establishments} == set(v.REGIONS)
    assert {e.type for e in establishments} == set(v.ESTABLISHMENT_TYPES)
    for establishment in establishments:
        assert establishment.is_fictional and "fictif" in establishment.name
        assert finess_error(establishment.finess) is None, establishment.finess
        assert establishment.search_text == fold(establishment.name, establishment.city)
    reports = db.session.scalars(sa.select(Report)).all()
    assert all(r.solution.is_fictional and r.establishment.is_fictional for r in reports)
    assert {r.establishment_id for r in reports} <= {e.id for e in establishments}


def test_follow_ups_point_to_an_earlier_report_of_the_same_pair(loaded):
    reports = {r.id: r for r in db.session.scalars(sa.select(Report))}
    follow_ups = [r for r in reports.values() if r.previous_report_id is not None]
    assert 0.08 * N <= len(follow_ups) <= 0.22 * N
    for report in follow_ups:
        previous = reports[report.previous_report_id]
        assert (previous.establishment_id, previous.solution_id) == (report.establishment_id, report.solution_id)
        assert previous.id < report.id
        assert _aware(previous.first_published_at) < _aware(report.created_at)


def test_some_reports_have_two_revisions_the_first_superseded(loaded):
    revisions = defaultdict(list)
    for revision in db.session.scalars(sa.select(ReportRevision).order_by(ReportRevision.number)):
        revisions[revision.report_id].append(revision)
    assert len(revisions) == N
    two = [pair for pair in revisions.values() if len(pair) == 2]
    assert 0.02 * N <= len(two) <= 0.09 * N
    assert all(len(pair) <= 2 for pair in revisions.values())
    for first, second in two:
        assert (first.number, first.state, second.number, second.state) == (1, "superseded", 2, "published")
        assert _aware(first.decided_at) < _aware(second.created_at) < _aware(second.decided_at)
        report = db.session.get(Report, first.report_id)
        assert report.published_revision_id == second.id
        assert _aware(report.first_published_at) == _aware(first.decided_at)


def test_about_one_pair_in_ten_has_a_second_contributor(loaded):
    authors = defaultdict(set)
    for establishment_id, solution_id, author_id in db.session.execute(
            sa.select(Report.establishment_id, Report.solution_id, Report.author_id)):
        authors[(establishment_id, solution_id)].add(author_id)
    shared = sum(1 for members in authors.values() if len(members) > 1)
    assert 0.04 <= shared / len(authors) <= 0.2


def test_facts_are_those_of_rebuild_facts_and_a_scorecard_computes(loaded):
    voices = {tuple(row) for row in db.session.execute(
        sa.select(Report.establishment_id, Report.solution_id, Report.author_id).distinct())}
    assert db.session.scalar(sa.select(sa.func.count(ReportFact.id))) == len(voices)
    bulk = _facts_snapshot()
    assert rebuild_facts() == len(voices)
    assert _facts_snapshot() == bulk

    solution_id, _ = Counter(db.session.scalars(sa.select(ReportFact.solution_id))).most_common(1)[0]
    card = stats.compute_scorecard(solution_id)
    assert card["reports"]["value"] > 0 and card["establishments"]["value"] >= 3
    assert not card["suppressed"]
    assert card["sus"]["value"] is not None


def test_running_again_adds_as_many(app, runner):
    _bench(runner, 200, 10)
    first_ids = set(db.session.scalars(sa.select(Establishment.id)))
    second = _bench(runner, 200, 10, "--seed", "7")
    assert "Catalogue de démonstration chargé" not in second.output
    assert db.session.scalar(sa.select(sa.func.count(Report.id)).where(Report.status == "published")) == 400
    assert db.session.scalar(sa.select(sa.func.count(Establishment.id)).where(Establishment.name.like(BENCH_NAME))) == 20
    new_reports = db.session.scalars(sa.select(Report).where(Report.establishment_id.not_in(first_ids))).all()
    assert len(new_reports) == 200
    voices = db.session.scalar(sa.select(sa.func.count()).select_from(
        sa.select(Report.establishment_id, Report.solution_id, Report.author_id).distinct().subquery()))
    assert db.session.scalar(sa.select(sa.func.count(ReportFact.id))) == voices
    assert len(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "demo.bench_data_loaded")).all()) == 2
    # Ids were assigned by the command: the database's own numbering carries on after them.
    establishment = make_establishment()
    assert establishment.id > max(first_ids)


def test_more_reports_than_the_establishments_hold(app, runner):
    result = _bench(runner, 150, 2)
    assert "Note" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 150
    for report in db.session.scalars(sa.select(Report).where(Report.previous_report_id.is_not(None))):
        previous = report.previous_report
        assert (previous.establishment_id, previous.solution_id) == (report.establishment_id, report.solution_id)


def test_refused_in_production(database_url):
    # Without the `app` fixture: its application context would be the one the command runs in.
    production = create_app("production", {"SECRET_KEY": "x" * 32, "PUBLIC_URL": "https://retex.example.org",
                                           "SQLALCHEMY_DATABASE_URI": database_url})
    result = production.test_cli_runner().invoke(args=["demo", "bench-data", "--reports", "10"])
    assert result.exit_code != 0
    assert "interdites en configuration de production" in result.output
    with create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url}).app_context():
        assert db.session.scalar(sa.select(sa.func.count(Solution.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 0
        db.session.remove()
        db.engine.dispose()


def _snapshot() -> dict[str, list]:
    data = {name: [tuple(row) for row in db.session.execute(sa.select(model.__table__).order_by(model.id))]
            for name, model in (("report", Report), ("report_revision", ReportRevision))}
    # The contributors, without what is random by design (password hash, session token).
    data["user_account"] = [tuple(row) for row in db.session.execute(
        sa.select(User.id, User.email, User.establishment_id, User.created_at, User.approved_at)
        .where(User.email.like("bench-%")).order_by(User.id))]
    data["facts"] = sorted(_facts_snapshot()[0], key=repr)
    return data


def _restart_sequences() -> None:
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            if "id" in table.columns and table.columns["id"].autoincrement is not False:
                sequence = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
                if sequence:
                    connection.execute(sa.text("SELECT setval(:s, 1, false)"), {"s": sequence})


def test_worker_processes_write_the_same_data(app, monkeypatch):
    monkeypatch.setattr(bench, "utcnow", lambda: datetime(2026, 6, 1, 12, tzinfo=UTC))
    snapshots = []
    for parallel in (False, True):
        _restart_sequences()  # both runs must get the same ids from the database too
        bench.load_bench_data(300, 8, seed=5, parallel=parallel)
        bench_facts.rebuild_facts_bulk(parallel=parallel)
        db.session.commit()
        snapshots.append(_snapshot())
        db.session.remove()
        empty_all_tables()
    serial, parallel = snapshots
    assert len(serial["report"]) == 300
    for name in serial:
        assert serial[name] == parallel[name], name


def test_quotas_sum_to_the_total_and_respect_caps():
    assert bench_rows._quotas(10, [1, 1, 1], [100, 100, 100]) in ([4, 3, 3], [3, 4, 3], [3, 3, 4])
    quotas = bench_rows._quotas(100, [10, 1, 1], [20, 100, 100])
    assert sum(quotas) == 100 and quotas[0] == 20
    quotas = bench_rows._quotas(1000, [1, 2], [10, 10])  # more than the caps hold: scaled up together
    assert sum(quotas) == 1000 and quotas == [500, 500]
    assert bench_rows._quotas(5, [1, 1], [0, 10]) == [0, 5]
