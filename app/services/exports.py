"""What analysts download: the published reports, pseudonymised, and each solution's scorecard, as flat rows.

Rows are produced lazily. Reports are read by keyset pagination on their id, BATCH_SIZE at a time, and each
batch leaves the session before the next is read, so memory does not grow with the number of reports. The
writers at the end turn rows into CSV or JSON text pieces, a chunk at a time, for a streamed response.

Pseudonymisation: an establishment appears only as its type, size class, region and sector; never its name,
FINESS number or city, and never the report's author. Free texts are the readable answers (spans still
flagged replaced by their placeholder), and only the free texts that were scanned are exported.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from app import questionnaire as q
from app.extensions import db
from app.models import Category, Establishment, Report, ReportRevision, Solution
from app.models.facts import GOVERNANCE_COLUMNS, RATING_COLUMNS
from app.services import report_answers, stats
from app.services.report_privacy import readable_answers

BATCH_SIZE = 500  # reports (or solutions) read per query
CHUNK_SIZE = 64 * 1024  # characters of CSV or JSON handed to the server at a time
MULTI_SEPARATOR = "|"
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

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

@cache
def answer_columns() -> tuple[str, ...]:
    return tuple(name for step in q.STEPS for name in report_answers.field_names(step))


@cache
def _multi_fields() -> frozenset[str]:
    return frozenset(name for step in q.STEPS for name in report_answers.multi_fields(step))


@cache
def _conditional_steps() -> tuple[int, ...]:
    """Steps whose form hides some questions depending on other answers (the others never hide any)."""
    from app.reports.forms import STEP_FORMS, StepForm

    return tuple(step for step, form in STEP_FORMS.items() if form.hidden_questions is not StepForm.hidden_questions)


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
        .outerjoin(previous, sa.and_(previous.id == Report.previous_report_id, previous.status == "published"))
        .where(Report.status == "published", Report.id > after_id)
        .order_by(Report.id)
        .limit(size)
        .options(selectinload(ReportRevision.flags))
    )
    if solution_id is not None:
        query = query.where(Report.solution_id == solution_id)
    return list(db.session.execute(query))


class HiddenQuestions:
    """The questions that do not apply to some answers, as the step forms decide. A step form reads the other
    answers from its `context` only: one form per conditional step is built once and given each report's
    answers, instead of building forms for every row (which took most of an export's time)."""

    def __init__(self) -> None:
        self._forms = [report_answers.step_form(step, {}) for step in _conditional_steps()]

    def __call__(self, answers: dict[str, Any]) -> set[str]:
        hidden: set[str] = set()
        for form in self._forms:
            form.context = answers
            hidden |= form.hidden_questions()
        return hidden


def _answer_values(revision: ReportRevision, hidden_questions: HiddenQuestions) -> dict[str, Any]:
    """Every answer as a reader outside the establishment may read it; questions that do not apply are empty."""
    answers = readable_answers(revision)
    # Only free texts that apply were scanned for personal data: the others never leave.
    scanned_texts = report_answers.applicable_free_texts(answers)
    hidden = hidden_questions(answers)
    multi = _multi_fields()
    values: dict[str, Any] = {}
    for name in answer_columns():
        value = None if name in hidden else answers.get(name)
        if name in q.FREE_TEXT_FIELDS:
            value = scanned_texts.get(name) if name not in hidden else None
        if name in multi:
            value = [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])
        elif value is not None and not isinstance(value, str):
            value = str(value)
        values[name] = None if value == "" else value
    return values


def _report_row(row: sa.Row, hidden_questions: HiddenQuestions) -> dict[str, Any]:
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
        **_answer_values(revision, hidden_questions),
        "sus_score": revision.sus_score,
        "nps_rating": revision.nps_rating,
    }


def published_report_rows(solution_id: int | None = None, batch_size: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per published report (its published revision), in report id order, read batch by batch."""
    size = batch_size or BATCH_SIZE
    hidden_questions = HiddenQuestions()
    after_id = 0
    while True:
        batch = _report_batch(after_id, size, solution_id)
        for row in batch:
            yield _report_row(row, hidden_questions)
        # The batch leaves the session (its flags with it, by cascade): the identity map stays small.
        for row in batch:
            db.session.expunge(row.ReportRevision)
        if len(batch) < size:
            return
        after_id = batch[-1].report_id


# Solutions' scorecards --------------------------------------------------------------------------------

def _mean_fields(prefix: str, pick: Callable[[dict], dict], value_name: str = "mean") -> list[tuple[str, Callable]]:
    return [(f"{prefix}_{value_name}", lambda card: pick(card)["value"]),
            (f"{prefix}_ci_low", lambda card: (pick(card)["ci"] or (None, None))[0]),
            (f"{prefix}_ci_high", lambda card: (pick(card)["ci"] or (None, None))[1]),
            (f"{prefix}_n", lambda card: pick(card)["n"])]


def _share_fields(prefix: str, pick: Callable[[dict], dict]) -> list[tuple[str, Callable]]:
    return [(prefix, lambda card: pick(card)["value"]), (f"{prefix}_n", lambda card: pick(card)["n"])]


def _stage_count(stage: str) -> Callable[[dict], Any]:
    return lambda card: next((s["value"] for s in card["stages"] if s["stage"] == stage), None)


def _scorecard_fields() -> list[tuple[str, Callable[[dict], Any]]]:
    """(column, how to read it from a scorecard): the single definition of the aggregates' columns."""
    fields: list[tuple[str, Callable[[dict], Any]]] = [
        ("min_establishments", lambda card: card["min_establishments"]),
        ("establishments", lambda card: card["establishments"]["value"]),
        ("voices", lambda card: card["reports"]["value"]),
        ("low_n", lambda card: card["establishments"]["low_n"]),
    ]
    for name in RATING_COLUMNS:
        fields += _mean_fields(f"rating_{name}", lambda card, name=name: card["ratings"][name])
    fields += _mean_fields("sus", lambda card: card["sus"])
    fields += _mean_fields("nps", lambda card: card["nps"], value_name="score")
    fields += _share_fields("stop_rate", lambda card: card["stop_rate"])
    fields += _share_fields("choose_again", lambda card: card["choose_again"])
    fields += _mean_fields("months_to_golive", lambda card: card["months_to_golive"])
    fields += _mean_fields("integration_effort", lambda card: card["integration_effort"])
    for unit in ("per_user_week", "per_service_week"):
        fields += [(f"time_saved_{unit}_{part}", lambda card, unit=unit, part=part: card["time_saved"][unit][part]["value"])
                   for part in ("median", "q1", "q3")]
        fields.append((f"time_saved_{unit}_n", lambda card, unit=unit: card["time_saved"][unit]["median"]["n"]))
    for name in GOVERNANCE_COLUMNS:
        fields += _share_fields(f"gov_{name}", lambda card, name=name: card["governance"][name])
    fields += [(f"stage_{stage}", _stage_count(stage)) for stage in stats.STAGES]
    return fields


SOLUTION_COLUMNS = ["solution_id", "solution_name", "solution_vendor", "category"]


def aggregate_columns() -> list[str]:
    return [*SOLUTION_COLUMNS, *(name for name, _ in _scorecard_fields())]


def flatten_scorecard(card: dict[str, Any]) -> dict[str, Any]:
    return {name: pick(card) for name, pick in _scorecard_fields()}


def aggregate_rows(batch_size: int | None = None) -> Iterator[dict[str, Any]]:
    """One row per solution of the catalogue (archived ones aside) with its unsuppressed scorecard."""
    size = batch_size or BATCH_SIZE
    after_id = 0
    while True:
        solutions = db.session.execute(
            sa.select(Solution.id, Solution.name, Solution.vendor, Category.slug)
            .join(Category, Category.id == Solution.category_id)
            .where(Solution.archived.is_(False), Solution.id > after_id)
            .order_by(Solution.id).limit(size)).all()
        for solution_id, name, vendor, category in solutions:
            card = stats.scorecard(solution_id, analyst=True)
            yield {"solution_id": solution_id, "solution_name": name, "solution_vendor": vendor,
                   "category": category, **flatten_scorecard(card)}
        if len(solutions) < size:
            return
        after_id = solutions[-1][0]


# Writers ----------------------------------------------------------------------------------------------

def neutralise(text: str) -> str:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe and stays text."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_cell(value: Any) -> Any:
    """Numbers the application computed stay numbers (decimal comma, as French spreadsheets expect); every
    text cell is neutralised, whatever its origin: codes and dates never start with a formula sign anyway."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, list | tuple):
        return neutralise(MULTI_SEPARATOR.join(str(item) for item in value))
    return neutralise(str(value))


def _chunked(pieces: Iterable[str], size: int) -> Iterator[str]:
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def csv_text(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """`;`-separated CSV with a byte order mark (Excel then reads UTF-8) and CRLF line ends, in chunks."""
    line = io.StringIO()
    writer = csv.writer(line, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    # The header goes out alone, so that the download starts before the first query.
    yield "\ufeff" + _take(line)

    def lines() -> Iterator[str]:
        for row in rows:
            writer.writerow([csv_cell(row[name]) for name in columns])
            yield _take(line)

    yield from _chunked(lines(), CHUNK_SIZE)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_text(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array of objects, written an item at a time and handed out in chunks."""

    def pieces() -> Iterator[str]:
        yield "["
        separator = ""
        for row in rows:
            yield separator + json.dumps(row, ensure_ascii=False)
            separator = ","
        yield "]"

    yield from _chunked(pieces(), CHUNK_SIZE)
