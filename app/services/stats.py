"""Statistics of a solution, computed in SQL over the facts, with the establishment as the unit.

Every figure is a cell: its value, the number of establishments it rests on (n), a 95 % confidence
interval where it applies, and whether it is hidden from readers outside the analysts.
"""

from __future__ import annotations

import statistics as pystats
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import FactChoice, ReportFact
from app.models._types import utcnow
from app.models.facts import GOVERNANCE_COLUMNS, RATING_COLUMNS
from app.services import freshness
from app.services.secrecy import complementary_suppression
from app.services.stat_cells import (  # noqa: F401  # the cells, read through this module by the pages
    STAGES,
    SUS_BENCHMARKS,
    analyst_view,
    cell,
    mean_cell,
    minimum,
    public_view,
    share_cell,
    suppress_everything,
    t95,
)

# "period": the voices of the last months (`freshness.PERIODS`), a restriction rather than a kind of establishment.
SEGMENT_DIMENSIONS = ("type", "sector", "size_class", "region", "hosting", "system", freshness.PERIOD)
_SEGMENT_COLUMNS = {"type": ReportFact.establishment_type, "sector": ReportFact.sector,
                    "size_class": ReportFact.size_class, "region": ReportFact.region, "hosting": ReportFact.hosting}



@dataclass(frozen=True)
class Segment:
    dimension: str
    value: str

    @classmethod
    def parse(cls, dimension: str | None, value: str | None) -> Segment | None:
        if dimension in SEGMENT_DIMENSIONS and value:
            return cls(dimension, str(value)[:40])
        return None

    def condition(self) -> sa.ColumnElement[bool]:
        if self.dimension == freshness.PERIOD:
            since = freshness.recent_since(utcnow(), self.value) if self.value in freshness.PERIODS else None
            return ReportFact.published_at >= since if since else sa.false()
        if self.dimension == "system":
            return ReportFact.id.in_(sa.select(FactChoice.fact_id).where(FactChoice.kind == "system",
                                                                         FactChoice.code == self.value))
        return _SEGMENT_COLUMNS[self.dimension] == self.value

    @property
    def key(self) -> str:
        return f"{self.dimension}={self.value}"


# Queries ----------------------------------------------------------------------------------------------

def _conditions(solution_id: int | None, segment: Segment | None, category_id: int | None = None
                ) -> list[sa.ColumnElement[bool]]:
    conditions = [ReportFact.solution_id == solution_id if category_id is None
                  else ReportFact.category_id == category_id]
    if segment is not None:
        conditions.append(segment.condition())
    return conditions


def _yes_share(column: sa.ColumnElement) -> sa.ColumnElement:
    return sa.case((column == "yes", 1.0), (column.is_not(None), 0.0))


def _establishment_means(conditions) -> dict[str, Any]:
    """One grouped query: per establishment the mean of each measure, then counts, sums and sums of squares."""
    measures: dict[str, sa.ColumnElement] = {
        **{f"rating_{name}": getattr(ReportFact, f"rating_{name}") * 1.0 for name in RATING_COLUMNS},
        **{f"gov_{name}": getattr(ReportFact, f"gov_{name}") * 1.0 for name in GOVERNANCE_COLUMNS},
        "sus": ReportFact.sus_score,
        "nps": sa.case((ReportFact.nps_rating >= 9, 1.0), (ReportFact.nps_rating <= 6, -1.0),
                       (ReportFact.nps_rating.is_not(None), 0.0)),
        "again": _yes_share(ReportFact.choose_again),
        "months": ReportFact.months_to_golive * 1.0,
        "effort": ReportFact.integration_effort * 1.0,
    }
    per_establishment = (sa.select(ReportFact.establishment_id,
                                   *(sa.func.avg(expr).label(name) for name, expr in measures.items()))
                         .where(*conditions).group_by(ReportFact.establishment_id).subquery())
    columns = [sa.func.count().label("establishments")]
    for name in measures:
        column = per_establishment.c[name]
        columns += [sa.func.count(column).label(f"{name}__n"), sa.func.sum(column).label(f"{name}__sum"),
                    sa.func.sum(column * column).label(f"{name}__sq")]
    row = db.session.execute(sa.select(*columns).select_from(per_establishment)).mappings().one()
    return dict(row)


def _triple(row: dict[str, Any], name: str) -> tuple[int, float | None, float | None]:
    return int(row[f"{name}__n"] or 0), row[f"{name}__sum"], row[f"{name}__sq"]


def _latest_voices(conditions):
    """Each establishment's most recent voice: the one whose stage the statistics count."""
    return (sa.select(ReportFact.id, ReportFact.establishment_id, ReportFact.stage,
                      sa.func.row_number().over(partition_by=ReportFact.establishment_id,
                                                order_by=(ReportFact.published_at.desc(), ReportFact.id.desc()))
                      .label("rank"))
            .where(*conditions).subquery())


def _current_stages(conditions) -> dict[str, int]:
    """Stage of each establishment's most recent voice, counted."""
    ranked = _latest_voices(conditions)
    rows = db.session.execute(sa.select(ranked.c.stage, sa.func.count()).where(ranked.c.rank == 1)
                              .group_by(ranked.c.stage)).all()
    return {stage: int(count) for stage, count in rows}


def _stop_reasons(conditions) -> dict[str, int]:
    """Reasons for stopping, read from the same voices as the stage they explain: an earlier voice's reasons
    do not count for an establishment that has since resumed, nor do they add to a later voice's."""
    ranked = _latest_voices(conditions)
    rows = db.session.execute(
        sa.select(FactChoice.code, sa.func.count())
        .join(ranked, ranked.c.id == FactChoice.fact_id)
        .where(ranked.c.rank == 1, ranked.c.stage == "stopped", FactChoice.kind == "stop_reason")
        .group_by(FactChoice.code)).all()
    return {code: int(n) for code, n in rows}


def _adoption(conditions) -> list[tuple[str, int]]:
    first = (sa.select(ReportFact.establishment_id, sa.func.min(ReportFact.start_quarter).label("quarter"))
             .where(*conditions, ReportFact.start_quarter.is_not(None))
             .group_by(ReportFact.establishment_id).subquery())
    rows = db.session.execute(sa.select(first.c.quarter, sa.func.count()).group_by(first.c.quarter)
                              .order_by(first.c.quarter)).all()
    total, cumulative = 0, []
    for quarter, count in rows:
        total += int(count)
        cumulative.append((quarter, total))
    return cumulative


def _choice_counts(conditions) -> dict[str, dict[str, int]]:
    rows = db.session.execute(
        sa.select(FactChoice.kind, FactChoice.code, sa.func.count(sa.distinct(ReportFact.establishment_id)))
        .join(ReportFact, ReportFact.id == FactChoice.fact_id).where(*conditions)
        .group_by(FactChoice.kind, FactChoice.code)).all()
    counts: dict[str, dict[str, int]] = {}
    for kind, code, n in rows:
        counts.setdefault(kind, {})[code] = int(n)
    return counts


def _time_saved(conditions) -> dict[str, Any]:
    result = {}
    for unit in ("per_user_week", "per_service_week"):
        values = [float(v) for (v,) in db.session.execute(
            sa.select(sa.func.avg(ReportFact.time_saved_hours)).where(*conditions, ReportFact.time_saved_unit == unit)
            .group_by(ReportFact.establishment_id))]
        n = len(values)
        if n:
            q1, median, q3 = (pystats.quantiles(values, n=4, method="inclusive") if n > 1 else (values[0],) * 3)
        else:
            q1 = median = q3 = None
        result[unit] = {"median": cell(median, n, digits=1), "q1": cell(q1, n, digits=1), "q3": cell(q3, n, digits=1)}
    return result


def _integration(conditions) -> list[dict[str, Any]]:
    per_establishment = (
        sa.select(FactChoice.code, ReportFact.establishment_id,
                  sa.func.avg(ReportFact.integration_effort * 1.0).label("effort"),
                  sa.func.avg(_yes_share(ReportFact.choose_again)).label("again"))
        .join(ReportFact, ReportFact.id == FactChoice.fact_id)
        .where(*conditions, FactChoice.kind == "system")
        .group_by(FactChoice.code, ReportFact.establishment_id).subquery())
    rows = db.session.execute(sa.select(
        per_establishment.c.code, sa.func.count(), sa.func.count(per_establishment.c.effort),
        sa.func.sum(per_establishment.c.effort), sa.func.sum(per_establishment.c.effort * per_establishment.c.effort),
        sa.func.count(per_establishment.c.again), sa.func.sum(per_establishment.c.again))
        .group_by(per_establishment.c.code).order_by(sa.func.count().desc(), per_establishment.c.code)).all()
    return [{"system": code, "establishments": cell(n, n, digits=0),
             "effort": mean_cell(effort_n, effort_sum, effort_sq, low=1, high=5),
             "success": share_cell(again_sum or 0, again_n)}
            for code, n, effort_n, effort_sum, effort_sq, again_n, again_sum in rows]


def segment_counts(solution_id: int, dimension: str) -> dict[str, int]:
    """Establishments per value of one segment dimension (for complementary suppression)."""
    if dimension == freshness.PERIOD:
        return {period: int(db.session.scalar(
            sa.select(sa.func.count(sa.distinct(ReportFact.establishment_id)))
            .where(ReportFact.solution_id == solution_id, Segment(dimension, period).condition())) or 0)
            for period in freshness.PERIODS}
    if dimension == "system":
        query = (sa.select(FactChoice.code, sa.func.count(sa.distinct(ReportFact.establishment_id)))
                 .join(ReportFact, ReportFact.id == FactChoice.fact_id)
                 .where(ReportFact.solution_id == solution_id, FactChoice.kind == "system").group_by(FactChoice.code))
    else:
        column = _SEGMENT_COLUMNS[dimension]
        query = (sa.select(column, sa.func.count(sa.distinct(ReportFact.establishment_id)))
                 .where(ReportFact.solution_id == solution_id, column.is_not(None)).group_by(column))
    return {str(value): int(n) for value, n in db.session.execute(query)}


def hidden_segments(solution_id: int, dimension: str) -> set[str]:
    return complementary_suppression(segment_counts(solution_id, dimension), minimum())


# The scorecard ----------------------------------------------------------------------------------------

def compute_scorecard(solution_id: int | None, segment: Segment | None = None, *,
                      category_id: int | None = None) -> dict[str, Any]:
    """Every figure of a solution's (or a whole category's) scorecard, with the suppression flags of the
    visitors' view."""
    conditions = _conditions(solution_id, segment, category_id)
    minimum_n = minimum()
    row = _establishment_means(conditions)
    n = int(row["establishments"] or 0)
    voices = db.session.scalar(sa.select(sa.func.count()).select_from(ReportFact).where(*conditions)) or 0
    segment_hidden = (segment is not None and solution_id is not None and segment.dimension != freshness.PERIOD
                      and segment.value in hidden_segments(solution_id, segment.dimension))

    stages = {stage: 0 for stage in STAGES} | _current_stages(conditions)
    hidden_stages = complementary_suppression(stages, minimum_n)
    stopped = stages.get("stopped", 0)
    choices = _choice_counts(conditions)

    choices["stop_reason"] = _stop_reasons(conditions)

    def ranked(kind: str, denominator: int) -> list[dict[str, Any]]:
        items = [{"code": code, **share_cell(k, denominator), "count": k} for code, k in choices.get(kind, {}).items()]
        return sorted(items, key=lambda item: (-item["count"], item["code"]))

    card = {
        "solution_id": solution_id,
        "category_id": category_id,
        "segment": None if segment is None else {"dimension": segment.dimension, "value": segment.value},
        "min_establishments": minimum_n,
        "establishments": cell(n, n, digits=0),
        "reports": cell(voices, n, digits=0),
        "stages": [{"stage": stage, **cell(stages.get(stage, 0), stages.get(stage, 0), digits=0,
                                           safe=stage not in hidden_stages)} for stage in STAGES],
        "stop_rate": {**share_cell(stopped, n), **({"suppressed": True} if "stopped" in hidden_stages else {})},
        "adoption": [{"quarter": quarter, **cell(total, total, digits=0)} for quarter, total in _adoption(conditions)],
        "ratings": {name: mean_cell(*_triple(row, f"rating_{name}"), low=1, high=5) for name in RATING_COLUMNS},
        "sus": mean_cell(*_triple(row, "sus"), low=0, high=100),
        "sus_benchmarks": SUS_BENCHMARKS,
        "nps": mean_cell(*_triple(row, "nps"), scale=100.0, low=-1, high=1),
        "choose_again": share_cell(row["again__sum"] or 0, int(row["again__n"] or 0)),
        "months_to_golive": mean_cell(*_triple(row, "months"), low=0),
        "integration_effort": mean_cell(*_triple(row, "effort"), low=1, high=5),
        "time_saved": _time_saved(conditions),
        "prerequisites_met": ranked("prerequisite_met", n),
        "prerequisites_missing": ranked("prerequisite_missing", n),
        "difficulties": ranked("difficulty", n),
        "stop_reasons": ranked("stop_reason", stopped),
        "governance": {name: share_cell(*_gov(row, name)) for name in GOVERNANCE_COLUMNS},
        "integration": _integration(conditions),
        "freshness": freshness.cells(freshness.ages(db.session.scalars(
            sa.select(sa.func.max(ReportFact.published_at)).where(*conditions)
            .group_by(ReportFact.establishment_id)), utcnow())),
    }
    if n < minimum_n or segment_hidden:
        card = suppress_everything(card)
    card["suppressed"] = n < minimum_n or segment_hidden
    return card


def _gov(row: dict[str, Any], name: str) -> tuple[float, int]:
    count, total, _ = _triple(row, f"gov_{name}")
    return (total or 0.0), count


def scorecard(solution_id: int, segment: Segment | None = None, *, analyst: bool = False) -> dict[str, Any]:
    """The scorecard as a reader sees it: analysts the live, exact figures (cached until the next
    publication); everyone else the solution's current release."""
    if not analyst:
        from app.services import releases

        return releases.visitor_scorecard(releases.solution_scope(solution_id), segment.key if segment else "-")
    from app.services.stat_cache import cached

    card = cached(f"scorecard:{solution_id}:{segment.key if segment else '-'}", solution_id,
                  lambda: compute_scorecard(solution_id, segment))
    return analyst_view(card)


def warm_analyst_views(solution_ids: set[int] | None) -> int:
    """Compute the analysts' figures a publication dropped (each solution's scorecard, the observatory) outside
    any request, so that an analyst's first page after it reads them computed. Returns how many were computed;
    the caller commits."""
    from app.models import Solution

    if solution_ids is None:
        solution_ids = set(db.session.scalars(sa.select(Solution.id).where(Solution.archived.is_(False))))
    for solution_id in sorted(solution_ids):
        scorecard(solution_id, analyst=True)
    observatory(analyst=True)
    return len(solution_ids) + 1


# The observatory: AI adoption across the country ------------------------------------------------------

def _partition_rows(rows: list[tuple[Any, Any, int]], columns: Any) -> dict[Any, dict[Any, dict[str, Any]]]:
    """A table of establishment counts, each row a partition whose total is shown: complementary suppression
    inside every row, over every column (zeros included)."""
    table: dict[Any, dict[Any, int]] = {}
    for row_key, column_key, n in rows:
        table.setdefault(row_key, dict.fromkeys(columns, 0))[column_key] = int(n)
    minimum_n = minimum()
    result = {}
    for row_key, counts in table.items():
        hidden = complementary_suppression(counts, minimum_n)
        result[row_key] = {key: cell(n, n, digits=0, safe=key not in hidden) for key, n in counts.items()}
    return result


def compute_observatory() -> dict[str, Any]:
    """Adoption by category × region, × establishment type and × quarter; the most deployed solutions; stop
    rates. Every count is of distinct establishments."""
    establishments_by = lambda column: (  # noqa: E731
        sa.select(ReportFact.category_id, column, sa.func.count(sa.distinct(ReportFact.establishment_id)))
        .where(column.is_not(None)).group_by(ReportFact.category_id, column))
    from app import vocabulary

    by_region = _partition_rows(db.session.execute(establishments_by(ReportFact.region)).all(), vocabulary.REGIONS)
    by_type = _partition_rows(db.session.execute(establishments_by(ReportFact.establishment_type)).all(),
                              vocabulary.ESTABLISHMENT_TYPES)

    first_quarter = (sa.select(ReportFact.category_id, ReportFact.establishment_id,
                               sa.func.min(ReportFact.start_quarter).label("quarter"))
                     .where(ReportFact.start_quarter.is_not(None))
                     .group_by(ReportFact.category_id, ReportFact.establishment_id).subquery())
    quarters: dict[int, list[dict[str, Any]]] = {}
    for category_id, quarter, n in db.session.execute(
            sa.select(first_quarter.c.category_id, first_quarter.c.quarter, sa.func.count())
            .group_by(first_quarter.c.category_id, first_quarter.c.quarter)
            .order_by(first_quarter.c.category_id, first_quarter.c.quarter)):
        series = quarters.setdefault(category_id, [])
        total = (series[-1]["value_raw"] if series else 0) + int(n)
        series.append({"quarter": quarter, "value_raw": total, **cell(total, total, digits=0)})
    for series in quarters.values():
        for point in series:
            point.pop("value_raw")

    totals = dict(db.session.execute(sa.select(ReportFact.category_id,
                                               sa.func.count(sa.distinct(ReportFact.establishment_id)))
                                     .group_by(ReportFact.category_id)).all())
    latest = (sa.select(ReportFact.category_id, ReportFact.establishment_id, ReportFact.solution_id, ReportFact.stage,
                        sa.func.row_number().over(partition_by=(ReportFact.establishment_id, ReportFact.solution_id),
                                                  order_by=(ReportFact.published_at.desc(), ReportFact.id.desc()))
                        .label("rank")).subquery())
    stops = dict(db.session.execute(
        sa.select(latest.c.category_id, sa.func.count(sa.distinct(latest.c.establishment_id)))
        .where(latest.c.rank == 1, latest.c.stage == "stopped").group_by(latest.c.category_id)).all())
    from app.models import Solution

    top = db.session.execute(
        sa.select(ReportFact.solution_id, sa.func.count(sa.distinct(ReportFact.establishment_id)).label("n"))
        .join(Solution, Solution.id == ReportFact.solution_id).where(Solution.archived.is_(False))
        .group_by(ReportFact.solution_id).order_by(sa.desc("n"), ReportFact.solution_id).limit(10)).all()
    all_establishments = db.session.scalar(sa.select(sa.func.count(sa.distinct(ReportFact.establishment_id)))) or 0
    all_stopped = db.session.scalar(sa.select(sa.func.count(sa.distinct(latest.c.establishment_id)))
                                    .where(latest.c.rank == 1, latest.c.stage == "stopped")) or 0
    return {
        "min_establishments": minimum(),
        "establishments": cell(all_establishments, all_establishments, digits=0),
        "stop_rate": share_cell(all_stopped, all_establishments),
        "categories": {
            str(category_id): {
                "establishments": cell(totals.get(category_id, 0), totals.get(category_id, 0), digits=0),
                "stop_rate": share_cell(stops.get(category_id, 0), totals.get(category_id, 0)),
                "by_region": by_region.get(category_id, {}),
                "by_type": by_type.get(category_id, {}),
                "by_quarter": quarters.get(category_id, []),
            } for category_id in totals},
        "most_deployed": [{"solution_id": solution_id, **cell(n, n, digits=0)} for solution_id, n in top],
    }


def observatory(*, analyst: bool = False) -> dict[str, Any]:
    if not analyst:
        from app.services import releases

        return releases.visitor_observatory()
    from app.services.stat_cache import cached

    return analyst_view(cached("observatory", None, compute_observatory))
