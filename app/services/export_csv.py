"""The full CSV export of published reports from their stored cells (ReportRevision.export_cells): per row,
Python only puts pieces together; a report whose cells are not stored yet gets them computed as
app.services.exports.published_report_rows would. Also the SQL a DBA would run to dump the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from app.extensions import db
from app.models import Category, Establishment, Report, ReportRevision, Solution
from app.models.report import ReportStatus
from app.services import export_writers
from app.services.export_writers import csv_cell, spreadsheet_code
from app.services.exports import BATCH_SIZE, csv_line, report_columns, revision_export_cells

CELLS_BATCH_SIZE = 5_000  # reports read per query by the CSV export from the stored cells


# The report's columns read live rather than from the stored cells: the solution's, then the establishment's.
SOLUTION_CELLS = ("solution_id", "solution_name", "solution_vendor", "category")
PLACE_CELLS = ("establishment_type", "establishment_size_class", "establishment_region", "establishment_sector")


class _EncodedCells(dict):
    """The cells of values that repeat from row to row (a solution, an establishment's profile), encoded once;
    those of `text_codes` (names among `columns`) as the spreadsheet variant writes them."""

    def __init__(self, columns: tuple[str, ...] = (), text_codes: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.texted = tuple(index for index, name in enumerate(columns) if name in text_codes)

    def __missing__(self, values: tuple) -> str:
        cells = [csv_cell(value) for value in values]
        for index in self.texted:
            cells[index] = csv_cell(spreadsheet_code(values[index]))
        text = self[values] = csv_line(cells)
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


def published_reports_csv(solution_id: int | None = None, text_codes: frozenset[str] = frozenset()) -> Iterator[str]:
    """csv_text(report_columns(), published_report_rows(solution_id)): the same text, from the stored cells.
    Per row, Python only puts pieces together, CELLS_BATCH_SIZE rows at a time. A report whose cells are not
    stored yet gets them computed as published_report_rows would. text_codes: live columns (SOLUTION_CELLS,
    PLACE_CELLS) whose codes are written as the spreadsheet variant writes them (="01")."""
    if not text_codes <= {*SOLUTION_CELLS, *PLACE_CELLS}:
        raise ValueError(f"Only live columns can be written as text codes here: {sorted(text_codes)}")
    yield "\ufeff" + csv_line(report_columns()) + "\r\n"  # alone, before the first query
    query = _lines_query(solution_id, db.session.get_bind().dialect.name, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    solutions, places = _EncodedCells(SOLUTION_CELLS, text_codes), _EncodedCells(PLACE_CELLS, text_codes)
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
