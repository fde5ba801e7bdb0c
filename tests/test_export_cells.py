"""The CSV export from the cells stored with each published revision: the same bytes as the per-row computation,
cells kept up to date by every path that changes them, older rows computed on the fly or backfilled."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Report, ReportRevision
from app.services import export_csv, export_writers, exports
from app.services import reports as service
from app.services.report_privacy import rescan_all
from tests.factories import PASSWORD, complete_answers, make_establishment, make_report, make_solution, make_user
from tests.test_query_counts import count_queries

PHONE_ADVICE = "Appeler le Dr Lemoine au 06 12 34 56 78 pour en parler."


@pytest.fixture
def analyst(client, no_csrf):
    user = make_user("analyst")
    db.session.commit()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def per_row_csv(solution_id: int | None = None) -> str:
    """What the CSV export wrote before the stored cells: every row computed from the revision and its flags."""
    return "".join(export_writers.csv_text(exports.report_columns(), exports.published_report_rows(solution_id)))


def exported(client, url: str = "/exports/reports.csv") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def stored_cells() -> dict[int, str | None]:
    return dict(db.session.execute(sa.select(ReportRevision.id, ReportRevision.export_cells)).all())


def assert_cells_are_current() -> None:
    """Every published revision stores what export_cells computes for it now; no other revision stores any."""
    db.session.flush()
    for revision in db.session.scalars(sa.select(ReportRevision)):
        expected = exports.revision_export_cells(revision) if revision.state == "published" else None
        assert revision.export_cells == expected, (revision.id, revision.state)


def published_at(report: Report, moment: datetime, first: datetime | None = None) -> None:
    report.published_revision.decided_at = moment
    report.first_published_at = first or moment


@pytest.fixture
def varied(app):
    """Published reports that exercise every kind of cell: follow-ups, flags in each state, hidden questions,
    formula-like and CSV-special texts, decimals, dates around midnight in Paris and its clock changes."""
    moderator = make_user("moderator")
    establishment = make_establishment(type="clinic", size_class=None, region="84", sector="health")
    author = make_user("contributor", establishment)
    odd = make_solution(name='=Radio;lys "Pro"', vendor="-Nordalune\nSA")
    plain = make_solution(name="Triagix", vendor="Éditeur, fictif")

    first = make_report(author, odd, "published", moderator=moderator)
    follow_up = make_report(author, odd, "published", moderator=moderator, answers=complete_answers(
        advice='=HYPERLINK("http://evil","x")', success_factors="Ligne 1\r\nLigne 2 ; « cité » \"ici\"",
        difficulties_text="+33 pour cent", services="@équipe", volume="\tmille", time_saved_hours="2,5"))
    assert follow_up.previous_report_id == first.id
    make_report(state="published", solution=plain, moderator=moderator, answers=complete_answers(
        stage="stopped", stop_reasons=["cost", "vendor"], stop_reasons_text="Trop cher pour nous."))
    make_report(state="published", solution=plain, moderator=moderator, answers=complete_answers(
        stage="production", stop_reasons=["cost"], stop_reasons_text="Le Dr Martin a tout arrêté."))
    make_report(state="published", solution=plain, moderator=moderator, answers=complete_answers(
        stage="exploring", months_to_golive="4", sus_3="2"))
    # Flags resolved before publication: one masked, one dismissed.
    flagged = make_report(state="submitted", solution=plain, answers=complete_answers(
        advice="Demandez conseil au Dr Lemoine, joignable au 06 12 34 56 78."))
    revision = flagged.working_revision
    service.mask_flag(next(f for f in revision.flags if f.type == "PHONE"), moderator)
    service.dismiss_flag(next(f for f in revision.flags if f.type == "PERSON"), moderator)
    service.publish(revision, moderator)
    # A flag found after publication by a re-scan, still open: its placeholder is exported.
    rescanned = make_report(state="published", solution=plain, moderator=moderator)
    rescanned.published_revision.answers = {**rescanned.published_revision.answers, "advice": PHONE_ADVICE}
    # An update published over a first version, and a follow-up of a withdrawn report (not named).
    updated = make_report(state="published", solution=plain, moderator=moderator)
    update = service.start_update(updated, updated.author)
    update.answers = {**update.answers, "advice": "Version 2, revue."}
    service.submit(update, "update-key", updated.author)
    service.publish(update, moderator)
    withdrawn = make_report(author, plain, "published", moderator=moderator)
    orphan = make_report(author, plain, "published", moderator=moderator)
    assert orphan.previous_report_id == withdrawn.id
    service.withdraw(withdrawn, author)
    rescan_all()
    # Moments around midnight in Paris, and on the days its clocks change (UTC: stored as such).
    published_at(first, datetime(2024, 7, 14, 22, 30, tzinfo=UTC), datetime(2024, 7, 14, 21, 59, tzinfo=UTC))
    published_at(follow_up, datetime(2024, 3, 31, 0, 30, tzinfo=UTC), datetime(2024, 3, 30, 23, 0, tzinfo=UTC))
    published_at(orphan, datetime(2024, 10, 26, 22, 30, tzinfo=UTC), datetime(2024, 10, 27, 23, 0, tzinfo=UTC))
    db.session.commit()
    return {"rescanned": rescanned, "updated": updated, "odd": odd, "plain": plain}


def test_stored_cells_give_the_bytes_of_the_per_row_export(analyst, varied):
    assert_cells_are_current()
    expected = per_row_csv()
    body = exported(analyst)
    assert body == expected
    rows = list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=";"))
    assert len(rows) == 1 + 9
    by_id = {row[0]: row for row in rows[1:]}
    assert "[TÉLÉPHONE]" in by_id[str(varied["rescanned"].id)][rows[0].index("advice")]
    assert by_id[str(varied["updated"].id)][1] == "2"
    assert {row[2] for row in rows[1:]} >= {"2024-07-15", "2024-03-31", "2024-10-27"}
    for solution in (varied["odd"], varied["plain"]):
        url = f"/exports/reports.csv?solution={solution.id}"
        assert exported(analyst, url) == per_row_csv(solution.id)


def test_json_export_has_the_rows_of_the_csv(analyst, varied):
    items = analyst.get("/exports/reports.json").get_json()
    rows = list(csv.DictReader(io.StringIO(exported(analyst)[1:], newline=""), delimiter=";"))
    assert [item["report_id"] for item in items] == [int(row["report_id"]) for row in rows]
    for item, row in zip(items, rows, strict=True):
        assert list(item) == list(row)
        for name, value in item.items():
            assert row[name] == str(export_writers.csv_cell(value)), name


def test_cells_follow_the_flags_of_a_published_revision(analyst, app):
    moderator = make_user("moderator")
    report = make_report(state="published", moderator=moderator)
    revision_id = report.published_revision_id
    revision = db.session.get(ReportRevision, revision_id)
    revision.answers = {**revision.answers, "advice": PHONE_ADVICE}
    rescan_all()
    db.session.commit()
    assert "[TÉLÉPHONE]" in revision.export_cells and "06 12 34 56 78" not in revision.export_cells
    assert exported(analyst) == per_row_csv()  # (the per-row export leaves the revision out of the session)

    revision = db.session.get(ReportRevision, revision_id)
    service.dismiss_flag(next(f for f in revision.flags if f.type == "PHONE"), moderator)  # not personal data
    db.session.commit()
    assert "06 12 34 56 78" in revision.export_cells
    assert exported(analyst) == per_row_csv()

    revision = db.session.get(ReportRevision, revision_id)
    service.mask_flag(next(f for f in revision.flags if f.type == "PERSON"), moderator)
    db.session.commit()
    assert "[NOM]" in revision.export_cells and "Lemoine" not in revision.export_cells
    assert_cells_are_current()
    assert exported(analyst) == per_row_csv()


def test_a_rescan_repairs_stale_cells(app):
    report = make_report(state="published")
    revision = report.published_revision
    db.session.execute(sa.update(ReportRevision).where(ReportRevision.id == revision.id)
                       .values(export_cells="périmé"))
    db.session.expire_all()
    rescan_all()
    assert_cells_are_current()


def test_reports_without_stored_cells_are_computed_then_backfilled(analyst, varied, runner, monkeypatch):
    expected = per_row_csv()
    monkeypatch.setattr(export_csv, "CELLS_BATCH_SIZE", 4)
    for missing in (ReportRevision.id % 3 == 0, sa.true()):  # some rows of a batch, then every row
        db.session.execute(sa.update(ReportRevision).where(missing).values(export_cells=None))
        db.session.commit()
        assert exported(analyst) == expected

    result = runner.invoke(args=["exports", "backfill", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    # The 9 exported reports, and the withdrawn one: every published revision holds its cells.
    assert "Versions publiées complétées : 10" in result.output
    db.session.expire_all()
    assert_cells_are_current()
    assert exported(analyst) == expected
    again = runner.invoke(args=["exports", "backfill"])
    assert "Versions publiées complétées : 0" in again.output

    revision = db.session.scalars(sa.select(ReportRevision).where(ReportRevision.state == "published")).first()
    db.session.execute(sa.update(ReportRevision).where(ReportRevision.id == revision.id)
                       .values(export_cells="périmé"))
    db.session.commit()
    everything = runner.invoke(args=["exports", "backfill", "--all"])
    assert "Versions publiées complétées : 10" in everything.output
    db.session.expire_all()
    assert_cells_are_current()


def test_csv_reads_stored_cells_in_batches_of_plain_rows(analyst, monkeypatch):
    solution = make_solution()
    moderator = make_user("moderator")
    ids = [make_report(solution=solution, state="published", moderator=moderator).id for _ in range(5)]
    db.session.commit()
    monkeypatch.setattr(export_csv, "CELLS_BATCH_SIZE", 2)
    monkeypatch.setattr(export_writers, "CHUNK_SIZE", 100)
    batches = []
    read = export_csv._row_batches

    def counting_batches(query, size):
        for rows in read(query, size):
            batches.append(len(rows))
            yield rows

    monkeypatch.setattr(export_csv, "_row_batches", counting_batches)
    response = analyst.get("/exports/reports.csv")
    assert batches == []  # nothing is read before the body is
    with count_queries() as statements:
        chunks = list(response.response)
    response.close()
    text = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode("utf-8-sig")
    assert [int(line.split(";")[0]) for line in text.split("\r\n")[1:-1]] == ids
    assert batches == [2, 2, 1]
    assert len(statements) <= 1  # one statement, read through the driver's cursor: no query per batch or row
    assert max(len(c.decode() if isinstance(c, bytes) else c) for c in chunks[1:]) <= 100  # characters


def test_dump_query_gives_the_rows_of_the_export(analyst, varied):
    body = exported(analyst)
    lines = body[1:].split("\r\n")[1:-1]
    dumped = db.session.execute(sa.text(export_csv.dump_query(db.engine.dialect.name))).all()
    cells = [revision.export_cells for revision in db.session.scalars(
        sa.select(ReportRevision).join(Report, Report.published_revision_id == ReportRevision.id)
        .where(Report.status == "published").order_by(Report.id))]
    assert [row[0] for row in dumped] == [int(row[0]) for row in csv.reader(lines, delimiter=";")]
    assert [row[-1] for row in dumped] == cells
    assert len(dumped[0]) == len(exports.REPORT_COLUMNS) + 1
    if db.engine.dialect.name == "postgresql":  # local dates; SQLite has no time zones
        published_on = [row[2] for row in csv.reader(lines, delimiter=";")]
        assert [row[2] for row in dumped] == published_on


def test_bench_data_rows_hold_the_computed_cells(app):
    from app.demo.bench import load_bench_data

    load_bench_data(60, 4, seed=3, parallel=False)
    db.session.commit()
    revisions = db.session.scalars(sa.select(ReportRevision)).all()
    assert sum(r.state == "published" for r in revisions) == 60
    assert_cells_are_current()


def test_local_dates_written_by_the_database_are_those_of_python(app):
    """Every moment around midnight in Paris and around its clock changes, over several years."""
    moments = [datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
               for year in (1999, 2024, 2026) for month, day in ((3, 30), (3, 31), (3, 25), (3, 26), (3, 28),
                                                                  (7, 14), (10, 26), (10, 27), (10, 25), (10, 31))
               for hour in (0, 1, 2, 21, 22, 23) for minute, second, micro in ((0, 0, 0), (59, 59, 999_999))]
    value = sa.bindparam("moment", type_=sa.DateTime(timezone=True))
    cell = export_csv._local_date_cell(value, db.engine.dialect.name, "Europe/Paris")
    for moment in moments:
        assert db.session.scalar(sa.select(cell), {"moment": moment}) == exports._local_date(moment), moment
    assert db.session.scalar(sa.select(cell), {"moment": None}) == ""


def _migration(name: str):
    """A migration script as a module, to run its data step on the test database."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cells_stored_before_the_wider_formula_rule_are_emptied_then_backfilled_safe(analyst, runner):
    moderator = make_user("moderator")
    hidden = make_report(state="published", moderator=moderator, answers=complete_answers(advice="\u00a0=1+1",
                                                                                           services="＝2+2"))
    plain = make_report(state="published", moderator=moderator)
    db.session.commit()
    # What the export stored when only a first = + - @, tab or CR counted: these two cells raw.
    old_cells = hidden.published_revision.export_cells.replace("'\u00a0=1+1", "\u00a0=1+1").replace("'＝2+2", "＝2+2")
    assert old_cells != hidden.published_revision.export_cells
    db.session.execute(sa.update(ReportRevision).where(ReportRevision.id == hidden.published_revision_id)
                       .values(export_cells=old_cells))
    db.session.commit()
    row = next(r for r in csv.DictReader(io.StringIO(exported(analyst)[1:], newline=""), delimiter=";")
               if r["report_id"] == str(hidden.id))
    assert row["advice"] == "\u00a0=1+1"  # as a spreadsheet would run it

    assert _migration("0013_formula_cells").clear_unsafe_cells(db.session.connection()) == 1
    db.session.commit()
    assert stored_cells()[hidden.published_revision_id] is None
    assert stored_cells()[plain.published_revision_id] is not None
    rows = {r["report_id"]: r for r in csv.DictReader(io.StringIO(exported(analyst)[1:], newline=""), delimiter=";")}
    assert rows[str(hidden.id)]["advice"] == "'\u00a0=1+1" and rows[str(hidden.id)]["services"] == "'＝2+2"

    assert "Versions publiées complétées : 1" in runner.invoke(args=["exports", "backfill"]).output
    db.session.expire_all()
    assert_cells_are_current()
    assert exported(analyst) == per_row_csv()
