"""What analysts download: the published reports, pseudonymised, as flat rows (each solution's scorecard:
app.services.scorecard_export; CSV and JSON text: app.services.export_writers).

Rows are produced lazily. Reports are read by keyset pagination on their id, BATCH_SIZE at a time, and each
batch leaves the session before the next is read, so memory does not grow with the number of reports. The
writers turn rows into CSV or JSON text pieces, a chunk at a time, for a streamed response.

The full CSV export of reports is the big download (app.services.export_csv): it streams stored text. Each published revision
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
from app.services.export_writers import MULTI_SEPARATOR, csv_cell, neutralise
from app.services.readable import placeholder_answers, readable_answers

BATCH_SIZE = 500  # reports (or solutions) read per query

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
    return csv_line([*(neutralise(text) for text in texts), csv_cell(sus_score), csv_cell(nps_rating)])


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


def csv_line(cells: list[Any]) -> str:
    """Cells as csv_text's writer puts them on a line, without the line end."""
    line = io.StringIO()
    csv.writer(line, delimiter=";", lineterminator="\r\n").writerow(cells)
    return line.getvalue()[:-2]
