"""Keep the statistics' facts in step with publications, in the same transaction.

A voice is the latest published report of one author of one establishment on one solution; several
authors of one establishment are averaged into one voice by the statistics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Establishment, FactChoice, Report, ReportFact, ReportRevision, Solution, StatCache
from app.models.facts import GOVERNANCE_COLUMNS, RATING_COLUMNS
from app.models.report import ReportStatus
from app.services import releases

_CHOICE_FIELDS = {"system": "integrated_systems", "prerequisite_met": "prerequisites_met",
                  "prerequisite_missing": "prerequisites_missing", "difficulty": "difficulties",
                  "stop_reason": "stop_reasons"}


def _int(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _hours(value: Any) -> float | None:
    text = str(value or "").strip().replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    # NaN cannot be compared (InvalidOperation); an answer stored before the form refused it is no number.
    return float(number) if number.is_finite() and 0 <= number <= 1000 else None


def _quarter(start_date: Any) -> str | None:
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", str(start_date or ""))
    if not match:
        return None
    return f"{match[1]}Q{(int(match[2]) - 1) // 3 + 1}"


def fact_values(answers: dict[str, Any]) -> dict[str, Any]:
    """Typed columns of a fact from a published revision's raw answers."""
    values: dict[str, Any] = {
        "stage": answers.get("stage") or "production",
        "hosting": answers.get("hosting") or None,
        "start_quarter": _quarter(answers.get("start_date")),
        "nps_rating": _int(answers.get("nps"), 0, 10),
        "time_saved_hours": _hours(answers.get("time_saved_hours")),
        "time_saved_unit": answers.get("time_saved_unit") or None,
        "choose_again": answers.get("choose_again") or None,
        "months_to_golive": _int(answers.get("months_to_golive"), 0, 120),
        "integration_effort": _int(answers.get("integration_effort"), 1, 5),
        "cost_bracket": answers.get("cost_bracket") or None,
        "incidents_count": _int(answers.get("incidents_count"), 0, 100000),
        "incidents_severity": answers.get("incidents_severity") or None,
        "contact_ok": bool(answers.get("contact_ok")),
    }
    if values["time_saved_hours"] is None:
        values["time_saved_unit"] = None
    for name in RATING_COLUMNS:
        values[f"rating_{name}"] = _int(answers.get(f"rating_{name}"), 1, 5)
    for name in GOVERNANCE_COLUMNS:
        values[f"gov_{name}"] = {"yes": 1, "no": 0}.get(answers.get(name))
    return values


def fact_choices(answers: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for kind, field in _CHOICE_FIELDS.items():
        if kind == "stop_reason" and answers.get("stage") != "stopped":
            continue
        for code in dict.fromkeys(answers.get(field) or []):
            pairs.append((kind, str(code)[:32]))
    return pairs


def _voices(pairs: set[tuple[int, int]] | None = None, establishments: tuple[int, int] | None = None
            ) -> list[tuple[Report, ReportRevision]]:
    """The latest published report of each author, for the given (establishment, solution) pairs, or for
    every pair of a range of establishment ids."""
    if pairs is not None:
        if not pairs:
            return []
        condition = sa.tuple_(Report.establishment_id, Report.solution_id).in_(sorted(pairs))
    else:
        condition = Report.establishment_id.between(*establishments)
    rows = db.session.execute(
        sa.select(Report, ReportRevision).join(ReportRevision, ReportRevision.id == Report.published_revision_id)
        .where(Report.status == ReportStatus.PUBLISHED, condition)
        .order_by(Report.establishment_id, Report.solution_id, ReportRevision.decided_at.desc(), Report.id.desc())
    ).all()
    latest: dict[tuple[int, int, int | None], tuple[Report, ReportRevision]] = {}
    for report, revision in rows:
        latest.setdefault((report.establishment_id, report.solution_id, report.author_id), (report, revision))
    return list(latest.values())


def refresh_facts(pairs: Iterable[tuple[int, int]]) -> None:
    """Recompute the facts of these (establishment, solution) pairs and drop the statistics they feed."""
    pairs = set(pairs)
    if not pairs:
        return
    condition = sa.tuple_(ReportFact.establishment_id, ReportFact.solution_id).in_(sorted(pairs))
    old_ids = sa.select(ReportFact.id).where(condition)
    db.session.execute(sa.delete(FactChoice).where(FactChoice.fact_id.in_(old_ids)))
    db.session.execute(sa.delete(ReportFact).where(condition))
    _insert_facts(_voices(pairs))
    invalidate_statistics({s for _, s in pairs})
    releases.mark_changed({s for _, s in pairs})


def _insert_facts(voices: list[tuple[Report, ReportRevision]]) -> None:
    if not voices:
        return
    establishments = {e.id: e for e in db.session.scalars(
        sa.select(Establishment).where(Establishment.id.in_({r.establishment_id for r, _ in voices})))}
    categories = dict(db.session.execute(sa.select(Solution.id, Solution.category_id).where(
        Solution.id.in_({r.solution_id for r, _ in voices}))).all())
    for report, revision in voices:
        establishment = establishments[report.establishment_id]
        answers = revision.answers or {}
        fact = ReportFact(
            report_id=report.id, revision_id=revision.id, establishment_id=report.establishment_id,
            solution_id=report.solution_id, category_id=categories[report.solution_id],
            published_at=revision.decided_at or report.first_published_at,
            establishment_type=establishment.type, sector=establishment.sector,
            size_class=establishment.size_class, region=establishment.region,
            sus_score=revision.sus_score, **fact_values(answers))
        fact.choices = [FactChoice(kind=kind, code=code) for kind, code in fact_choices(answers)]
        db.session.add(fact)
    db.session.flush()


def rebuild_facts(batch: int = 2000) -> int:
    """Recompute every fact (after a bulk load or a recognizer/vocabulary change). Returns the count."""
    db.session.execute(sa.delete(FactChoice))
    db.session.execute(sa.delete(ReportFact))
    ids = db.session.scalars(sa.select(Report.establishment_id).where(Report.status == ReportStatus.PUBLISHED)
                             .distinct().order_by(Report.establishment_id)).all()
    total = 0
    step = max(1, batch // 20)  # about twenty reports per establishment in a batch
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        voices = _voices(establishments=(chunk[0], chunk[-1]))
        _insert_facts(voices)
        total += len(voices)
        db.session.expunge_all()
    invalidate_statistics(None)
    releases.mark_changed(None)
    return total


def invalidate_statistics(solution_ids: set[int] | None) -> None:
    """Drop cached statistics: those of the given solutions and every cross-solution view, and the rendered
    pages that show them."""
    from app.services import page_generation

    page_generation.bump(statistics_only=True)
    if solution_ids is None:
        db.session.execute(sa.delete(StatCache))
    else:
        db.session.execute(sa.delete(StatCache).where(sa.or_(StatCache.solution_id.in_(solution_ids),
                                                             StatCache.solution_id.is_(None))))


def refresh_establishment(establishment_id: int) -> None:
    """The establishment's type, size or region changed: its facts carry a copy of them."""
    solutions = db.session.scalars(sa.select(ReportFact.solution_id).where(
        ReportFact.establishment_id == establishment_id).distinct()).all()
    refresh_facts({(establishment_id, s) for s in solutions})
