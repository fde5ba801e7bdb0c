"""What analysts download: the published reports, pseudonymised, as flat rows (each solution's scorecard:
app.services.scorecard_export; CSV and JSON text: app.services.export_writers).

Rows are produced lazily. Reports are read by keyset pagination on their id, BATCH_SIZE at a time, and each
batch leaves the session before the next is read, so memory does not grow with the number of reports. The
writers turn rows into CSV or JSON text pieces, a chunk at a time, for a streamed response.

The full CSV export of reports is the big download: it streams stored text instead. Each published revision
keeps its answer and score cells already CSV-encoded (ReportRevision.export_cells, from export_cells(); kept
current by publication, the moderation of its flags, re-scans and the bulk loaders); the export reads them
with the report's few live columns and writes the same bytes as csv_text over published_report_rows, which
the JSON export still uses. A revision stored without cells (older data) is computed on the fly;
`flask exports backfill` fills them, `--all` recomputes them after a change to the questionnaire's columns.

Pseudonymisation: an establishment appears only as its type, size class, region and sector; never its name,
FINESS number or city, and never the report's author. Free texts are the readable answers (spans still
flagged replaced by their placeholder), and only the free texts that were scanned are exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from app import questionnaire as q
from app.extensions import db
from app.models import Category, Establishment, PrivacyFlag, Report, ReportRevision, Solution
from app.models.report import ReportStatus, RevisionState
from app.services import export_writers
from app.services.export_writers import MULTI_SEPARATOR, csv_cell, neutralise
from app.services.readable import placeholder_answers, readable_answers

BATCH_SIZE = 500  # reports (or solutions) read per query
CELLS_BATCH_SIZE = 5_000  # reports read per query by the CSV export from the stored cells

REPORT_COLUMNS = ["report_id", "revision", "published_on", "first_published_on", "follow_up_of",
                  "solution_id", "solution_name", "solution_vendor", "category",
                  "establishment_type", "establishment_size_class", "establishment_region", "establishment_sector"]
SCORE_COLUMNS = ["sus_score", "nps_rating"]


def local_today() -> date:
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _local_date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives naive datetimes back: they were stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date().isoformat()


# Published reports ------------------------------------------------------------------------------------

def answer_columns() -> tuple[str, ...]:
    return q.names()


def report_columns() -> list[str]:
    return [*REPORT_COLUMNS, *answer_columns(), *SCORE_COLUMNS]


def _report_batch(after_id: int, size: int, solution_id: int | None) -> list[sa.Row]:
    """The next `size` published reports after `after_id`: the published revision (with its flags, for the
    placeholders) and plain columns for the rest, so that no Report, Solution or Establishment is loaded."""
    previous = aliased(Report)
    query = (
        sa.select(ReportRevision, Report.id.label("report_id"), Report.first_published_at,
                  previous.id.label("follow_up_of"), Solution.id.label("solution_id"),
                  Solution.name.label("solution_name"), Solution.vendor.label("solution_vendor"),
                  Category.slug.label("category"), Establishment.type.label("establishment_type"),
                  Establishment.size_class.label("establishment_size_class"),
                  Establishment.region.label("establishment_region"),
                  Establishment.sector.label("establishment_sector"))
        .join(Report, Report.published_revision_id == ReportRevision.id)
        .join(Solution, Solution.id == Report.solution_id)
        .join(Category, Category.id == Solution.category_id)
        .join(Establishment, Establishment.id == Report.establishment_id)
        # Only a published earlier report is named: analysts never learn of a withdrawn or unpublished one.
        .outerjoin(previous, sa.and_(previous.id == Report.previous_report_id, previous.status == ReportStatus.PUBLISHED))
        .where(Report.status == ReportStatus.PUBLISHED, Report.id > after_id)
        .order_by(Report.id)
        .limit(size)
        .options(selectinload(ReportRevision.flags))
    )
    if solution_id is not None:
        query = query.where(Report.solution_id == solution_id)
    return list(db.session.execute(query))


_PLAIN, _FREE_TEXT, _MULTI = 0, 1, 2


@cache
def _answer_kinds() -> tuple[tuple[str, int], ...]:
    """The answer columns, each with how its value is read (built once: export_cells runs per revision)."""
    multi = q.multiple_names()
    return tuple((name, _MULTI if name in multi else _FREE_TEXT if name in q.FREE_TEXT_FIELDS else _PLAIN)
                 for name in answer_columns())


def answer_values(answers: dict[str, Any]) -> dict[str, Any]:
    """Every answer as a reader outside the establishment may read it (`answers`: readable_answers, its
    placeholders in place), in the order of answer_columns(): texts, lists of texts for multiple choices;
    questions that do not apply are empty."""
    # Only free texts that apply were scanned for personal data: the others never leave.
    scanned_texts = q.applicable_free_texts(answers)
    hidden = q.hidden_questions(answers)
    values: dict[str, Any] = {}
    for name, kind in _answer_kinds():
        if kind == _MULTI:
            value = None if name in hidden else answers.get(name)
            value = [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])
        elif name in hidden:
            value = None
        elif kind == _FREE_TEXT:
            value = scanned_texts.get(name) or None
        else:
            value = answers.get(name)
            if value is not None and value.__class__ is not str:
                value = str(value)
            elif value == "":
                value = None
        values[name] = value
    return values


def _report_row(row: sa.Row) -> dict[str, Any]:
    revision: ReportRevision = row.ReportRevision
    return {
        "report_id": row.report_id,
        "revision": revision.number,
        "published_on": _local_date(revision.decided_at),
        "first_published_on": _local_date(row.first_published_at),
        "follow_up_of": row.follow_up_of,
        "solution_id": row.solution_id,
        "solution_name": row.solution_name,
        "solution_vendor": row.solution_vendor,
        "category": row.category,
        "establishment_type": row.establishment_type,
        "establishment_size_class": row.establishment_size_class,
        "establishment_region": row.establishment_region,
        "establishment_sector": row.establishment_sector,
        **answer_values(readable_answers(revision)),
        "sus_score": revision.sus_score,
        "nps_rating": revision.nps_rating,
    }


def published_report_rows(solution_id: int | None = None, batch_size: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per published report (its published revision), in report id order, read batch by batch."""
    size = batch_size or BATCH_SIZE
    after_id = 0
    while True:
        batch = _report_batch(after_id, size, solution_id)
        for row in batch:
            yield _report_row(row)
        # The batch leaves the session (its flags with it, by cascade): the identity map stays small.
        for row in batch:
            db.session.expunge(row.ReportRevision)
        if len(batch) < size:
            return
        after_id = batch[-1].report_id


# Published reports as CSV, from the stored cells --------------------------------------------------

def export_cells(answers: dict[str, Any] | None, flags: Iterable[Any] = (), sus_score: float | None = None,
                 nps_rating: int | None = None) -> str:
    """The cells of a published revision after the report's own columns (answer columns, then scores), as the
    CSV export writes them: csv_cell of each value, CSV-encoded, `;`-separated, without a line end. The one
    computation that every path storing ReportRevision.export_cells goes through. flags: the revision's, as
    objects or rows with field, type, start, end and status (open and rewrite ones put their placeholder)."""
    flags = list(flags)
    readable = placeholder_answers(answers, flags) if flags else (answers or {})
    values = answer_values(readable)
    # csv_cell of answer_values' texts and lists of texts, without its type checks (most of the time here).
    texts = ["" if value is None else MULTI_SEPARATOR.join(value) if value.__class__ is list else value
             for value in values.values()]
    return _csv_cells([*(neutralise(text) for text in texts), csv_cell(sus_score), csv_cell(nps_rating)])


def revision_export_cells(revision: ReportRevision) -> str:
    return export_cells(revision.answers, revision.flags, revision.sus_score, revision.nps_rating)


def refresh_export_cells(revision: ReportRevision) -> None:
    """Store the cells of a published revision (after its publication or a change to its flags or answers);
    any other revision keeps none."""
    cells = revision_export_cells(revision) if revision.state == RevisionState.PUBLISHED else None
    if revision.export_cells != cells:
        revision.export_cells = cells


def fill_export_cells(after_id: int = 0, size: int | None = None, refill: bool = False) -> tuple[int, int]:
    """Store the cells of the next `size` published revisions after revision `after_id` that have none (every
    one with `refill`: after a change to the questionnaire's columns or to how a cell is written). Returns how
    many were done (0: none was left) and the last one's id. Plain rows in, one executemany out; the caller
    commits between calls (`flask exports backfill`)."""
    size = size or BATCH_SIZE
    query = (sa.select(ReportRevision.id, ReportRevision.answers, ReportRevision.sus_score, ReportRevision.nps_rating)
             .where(ReportRevision.state == RevisionState.PUBLISHED, ReportRevision.id > after_id)
             .order_by(ReportRevision.id).limit(size))
    if not refill:
        query = query.where(ReportRevision.export_cells.is_(None))
    revisions = db.session.execute(query).all()
    if not revisions:
        return 0, after_id
    flags: dict[int, list[sa.Row]] = {}
    for flag in db.session.execute(
            sa.select(PrivacyFlag.revision_id, PrivacyFlag.field, PrivacyFlag.type, PrivacyFlag.start,
                      PrivacyFlag.end, PrivacyFlag.status)
            .where(PrivacyFlag.revision_id.in_([revision.id for revision in revisions])).order_by(PrivacyFlag.id)):
        flags.setdefault(flag.revision_id, []).append(flag)
    table = ReportRevision.__table__
    db.session.execute(
        # updated_at kept: the revision did not change, only what is derived from it.
        sa.update(table).where(table.c.id == sa.bindparam("revision_id"))
        .values(export_cells=sa.bindparam("cells"), updated_at=table.c.updated_at),
        [{"revision_id": id_, "cells": export_cells(answers, flags.get(id_, ()), sus, nps)}
         for id_, answers, sus, nps in revisions])
    return len(revisions), revisions[-1].id


def _csv_cells(cells: list[Any]) -> str:
    """Cells as csv_text's writer puts them on a line, without the line end."""
    line = io.StringIO()
    csv.writer(line, delimiter=";", lineterminator="\r\n").writerow(cells)
    return line.getvalue()[:-2]


class _EncodedCells(dict):
    """The cells of values that repeat from row to row (a solution, an establishment's profile), encoded once."""

    def __missing__(self, values: tuple) -> str:
        text = self[values] = _csv_cells([csv_cell(value) for value in values])
        return text


def _number_cell(column: Any) -> sa.ColumnElement[str]:
    return sa.func.coalesce(sa.cast(column, sa.Text), "")


@cache
def _offset_changes(zone_name: str, until_year: int) -> tuple[int, tuple[tuple[datetime, int], ...]]:
    """A zone's offset to UTC (seconds) on 1 January 1970, and each change until the end of `until_year`
    (the moment, in UTC, and the new offset), latest first. Searched day by day, then to the second."""
    zone = ZoneInfo(zone_name)

    def offset(second: int) -> int:
        return int(datetime.fromtimestamp(second, UTC).astimezone(zone).utcoffset().total_seconds())

    day, end = 0, int(datetime(until_year + 1, 1, 1, tzinfo=UTC).timestamp())
    first = current = offset(0)
    changes = []
    while day < end:
        if offset(day + 86_400) != current:
            low, high = day, day + 86_400  # the offset changes after low, at high at the latest
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            current = offset(high)
            changes.append((datetime.fromtimestamp(high, UTC), current))
        day += 86_400
    return first, tuple(reversed(changes))


def _local_date_cell(column: Any, dialect_name: str, zone_name: str) -> sa.ColumnElement[str]:
    """_local_date of a UTC moment, in SQL: the date in the application's time zone, or empty."""
    if dialect_name == "postgresql":
        return sa.func.coalesce(sa.func.to_char(sa.func.timezone(zone_name, column), "YYYY-MM-DD"), "")
    # SQLite knows no time zones and keeps a moment as UTC text ('YYYY-MM-DD HH:MM:SS.ffffff', which sorts as
    # the moments do): the zone's offset at that moment is picked among its changes (Python's, from zoneinfo).
    first, changes = _offset_changes(zone_name, datetime.now(UTC).year + 1)
    modifier = sa.case(*((column >= sa.literal_column(f"'{moment:%Y-%m-%d %H:%M:%S}'"),
                          sa.literal_column(f"'{offset:+d} seconds'")) for moment, offset in changes),
                       else_=sa.literal_column(f"'{first:+d} seconds'"))
    # Without the fraction of a second, which SQLite would round to the millisecond (23:59:59.9999 → 00:00).
    return sa.func.coalesce(sa.func.date(sa.func.substr(column, 1, 19), modifier), "")


def _lines_query(solution_id: int | None, dialect_name: str, zone_name: str) -> sa.Select:
    """Published reports in id order: report id; the report's first five cells, written by the database
    (numbers and local dates); the solution's and the establishment's values, joined live (a solution may be
    renamed after the report was published); the stored cells."""
    previous = aliased(Report)
    # A lookup per row rather than a join: without statistics (just after a bulk load), PostgreSQL would
    # compare every report with every published one.
    follow_up_of = (sa.select(previous.id)
                    .where(previous.id == Report.previous_report_id, previous.status == ReportStatus.PUBLISHED)
                    .scalar_subquery())
    head = _number_cell(Report.id)
    for cell in (_number_cell(ReportRevision.number), _local_date_cell(ReportRevision.decided_at, dialect_name, zone_name),
                 _local_date_cell(Report.first_published_at, dialect_name, zone_name), _number_cell(follow_up_of)):
        head = head + sa.literal_column("';'", sa.Text) + cell
    query = (
        sa.select(Report.id, head, Solution.id, Solution.name, Solution.vendor, Category.slug, Establishment.type,
                  Establishment.size_class, Establishment.region, Establishment.sector, ReportRevision.export_cells)
        .select_from(Report)
        .join(ReportRevision, ReportRevision.id == Report.published_revision_id)
        .join(Solution, Solution.id == Report.solution_id)
        .join(Category, Category.id == Solution.category_id)
        .join(Establishment, Establishment.id == Report.establishment_id)
        .where(Report.status == ReportStatus.PUBLISHED)
        .order_by(Report.id)
    )
    if solution_id is not None:
        query = query.where(Report.solution_id == solution_id)
    return query


def _computed_cells(report_ids: list[int]) -> dict[int, str]:
    """Cells computed now for published reports whose revision has none stored (data older than the column)."""
    cells: dict[int, str] = {}
    for start in range(0, len(report_ids), BATCH_SIZE):
        revisions = db.session.scalars(
            sa.select(ReportRevision).join(Report, Report.published_revision_id == ReportRevision.id)
            .where(Report.id.in_(report_ids[start:start + BATCH_SIZE]))
            .options(selectinload(ReportRevision.flags))).all()
        for revision in revisions:
            cells[revision.report_id] = revision_export_cells(revision)
            db.session.expunge(revision)
    return cells


def _row_batches(query: sa.Select, size: int) -> Iterator[list[tuple]]:
    """The rows of one statement, `size` at a time, as the driver's own cursor gives them (tuples: SQLAlchemy's
    result rows would cost the CSV export a tenth of its time). One statement, not keyset pages: PostgreSQL
    plans it once, whatever its statistics (just after a bulk load it has none, and would sort the remaining
    reports for every page), and reads it through a server-side cursor; SQLite steps through it as it is read.
    Its parameters are plain integers and texts, needing no conversion."""
    connection = db.session.connection()
    compiled = query.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    driver = connection.connection.driver_connection
    cursor = driver.cursor(name="published_reports_csv") if connection.dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(str(compiled), [params[name] for name in compiled.positiontup]
                       if compiled.positiontup is not None else params)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def published_reports_csv(solution_id: int | None = None) -> Iterator[str]:
    """csv_text(report_columns(), published_report_rows(solution_id)): the same text, from the stored cells.
    Per row, Python only puts pieces together, CELLS_BATCH_SIZE rows at a time. A report whose cells are not
    stored yet gets them computed as published_report_rows would."""
    yield "\ufeff" + _csv_cells(report_columns()) + "\r\n"  # alone, before the first query
    query = _lines_query(solution_id, db.session.get_bind().dialect.name, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    solutions, places = _EncodedCells(), _EncodedCells()
    for rows in _row_batches(query, CELLS_BATCH_SIZE):
        computed: dict[int, str] = {}
        if any(row[10] is None for row in rows):
            computed = _computed_cells([row[0] for row in rows if row[10] is None])
        text = "".join([f"{row[1]};{solutions[row[2:6]]};{places[row[6:10]]};"
                        f"{computed[row[0]] if row[10] is None else row[10]}\r\n" for row in rows])
        size = export_writers.CHUNK_SIZE
        for start in range(0, len(text), size):
            yield text[start:start + size]


def dump_query(dialect_name: str, timezone: str = "Europe/Paris") -> str:
    """The SQL a DBA would run to dump the rows of the CSV export from the database itself, with the same
    columns (report_columns(): the report's, then export_cells holding all the others, as one field), in the
    same order: the yardstick of the export's speed.

        query=$(python -c 'from app.services.exports import dump_query; print(dump_query("sqlite"))')
        sqlite3 -csv instance/retex.db "$query" > dump.csv
        query=$(python -c 'from app.services.exports import dump_query; print(dump_query("postgresql"))')
        psql "$DATABASE_URL" -c "\\copy ($(echo $query)) TO STDOUT CSV" > dump.csv   # \\copy: one line

    PostgreSQL gives the local dates of the export; SQLite, which knows no time zones, UTC dates (the same
    work per row). Reports whose cells are not stored have an empty last field: run `flask exports backfill`."""
    if dialect_name == "postgresql":
        zone = timezone.replace("'", "''")
        published_on = f"to_char(v.decided_at AT TIME ZONE '{zone}', 'YYYY-MM-DD')"
        first_published_on = f"to_char(r.first_published_at AT TIME ZONE '{zone}', 'YYYY-MM-DD')"
    else:
        published_on, first_published_on = "date(v.decided_at)", "date(r.first_published_at)"
    return f"""SELECT r.id, v.number, {published_on}, {first_published_on}, p.id,
       s.id, s.name, s.vendor, c.slug, e.type, e.size_class, e.region, e.sector, v.export_cells
FROM report AS r
JOIN report_revision AS v ON v.id = r.published_revision_id
JOIN solution AS s ON s.id = r.solution_id
JOIN category AS c ON c.id = s.category_id
JOIN establishment AS e ON e.id = r.establishment_id
LEFT JOIN report AS p ON p.id = r.previous_report_id AND p.status = 'published'
WHERE r.status = 'published'
ORDER BY r.id"""  # noqa: S608  # nosec B608  # no user input: the dialect picks between two fixed texts
