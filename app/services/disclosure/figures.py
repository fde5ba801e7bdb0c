"""Exact figures of every view of a scope (a solution, a category, the whole platform), from its voices.

A release protects all the views of a scope at once, so their figures are computed together, in one pass
over the scope's voices, with the same definitions as the analysts' live statistics (`app.services.stats`):
the establishment is the unit, its voices are averaged, its stage and reasons for stopping come from its
latest voice. Besides the cards, each view gives its *families*: the counts of establishments that the
secrecy audit reasons about (establishments, each stage, each code cited, how many answered each measure).
"""

from __future__ import annotations

import statistics as pystats
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from app import questionnaire as q
from app import vocabulary as v
from app.extensions import db
from app.models import FactChoice, ReportFact
from app.models.facts import GOVERNANCE_COLUMNS, RATING_COLUMNS
from app.services import freshness, stat_cells

TOTAL = "-"
# Dimensions whose segments split the establishments (each establishment in one segment, or none).
PARTITIONS = {"type": v.ESTABLISHMENT_TYPES, "sector": v.SECTORS, "size_class": v.SIZE_CLASSES,
              "region": v.REGIONS, "hosting": q.REPORT_HOSTING}
# A voice can name several systems: these segments overlap.
SYSTEMS = q.REPORT_SYSTEMS
CODE_KINDS = {"prerequisite_met": ("prerequisites_met", q.PREREQUISITES),
              "prerequisite_missing": ("prerequisites_missing", q.PREREQUISITES),
              "difficulty": ("difficulties", q.DIFFICULTIES)}
MEASURES = {**{f"rating_{name}": (1, 5, 1.0) for name in RATING_COLUMNS}, "sus": (0, 100, 1.0),
            "nps": (-1, 1, 100.0), "months": (0, None, 1.0), "effort": (1, 5, 1.0)}
SHARES = ("again", *(f"gov_{name}" for name in GOVERNANCE_COLUMNS))
TIME_UNITS = tuple(q.TIME_SAVED_UNITS)
# The voices of the last months: a subset of the whole, as a system's segment is (an establishment is in it when
# one of its voices is; its figures there come from those voices only).
RECENT = f"{freshness.PERIOD}={freshness.RECENT}"


def view_key(dimension: str, value: str) -> str:
    return f"{dimension}={value}"


def all_view_keys() -> list[str]:
    """Every view a reader can ask for, whatever the data: the list itself tells nothing."""
    keys = [TOTAL]
    for dimension, vocabulary in PARTITIONS.items():
        keys += [view_key(dimension, code) for code in vocabulary]
    return keys + [view_key("system", code) for code in SYSTEMS] + [RECENT]


def subset_keys() -> list[str]:
    """The views that are a part of the whole without splitting it with others: each system's, the recent one."""
    return [view_key("system", code) for code in SYSTEMS] + [RECENT]


@dataclass
class Voice:
    id: int
    report_id: int
    revision_id: int
    establishment_id: int
    solution_id: int
    published_at: Any
    stage: str
    segments: dict[str, str | None]
    systems: frozenset[str]
    start_quarter: str | None
    measures: dict[str, float | None]
    shares: dict[str, float | None]
    time_saved: tuple[str, float] | None
    codes: dict[str, frozenset[str]] = field(default_factory=dict)


def load_voices(condition: sa.ColumnElement[bool] | None) -> list[Voice]:
    """The voices of a scope (`condition` on ReportFact; None: every voice)."""
    where = [] if condition is None else [condition]
    choices: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for fact_id, kind, code in db.session.execute(
            sa.select(FactChoice.fact_id, FactChoice.kind, FactChoice.code)
            .join(ReportFact, ReportFact.id == FactChoice.fact_id).where(*where)):
        choices[fact_id][kind].add(code)
    voices = []
    for fact in db.session.execute(sa.select(ReportFact.__table__).where(*where)).mappings():
        nps = fact["nps_rating"]
        chosen = choices.get(fact["id"], {})
        saved = (fact["time_saved_unit"], float(fact["time_saved_hours"])) \
            if fact["time_saved_unit"] and fact["time_saved_hours"] is not None else None
        voices.append(Voice(
            id=fact["id"], report_id=fact["report_id"], revision_id=fact["revision_id"],
            establishment_id=fact["establishment_id"],
            solution_id=fact["solution_id"], published_at=fact["published_at"], stage=fact["stage"],
            segments={"type": fact["establishment_type"], "sector": fact["sector"], "size_class": fact["size_class"],
                      "region": fact["region"], "hosting": fact["hosting"]},
            systems=frozenset(chosen.get("system", ())), start_quarter=fact["start_quarter"],
            measures={**{f"rating_{name}": _float(fact[f"rating_{name}"]) for name in RATING_COLUMNS},
                      "sus": _float(fact["sus_score"]),
                      "nps": None if nps is None else (1.0 if nps >= 9 else -1.0 if nps <= 6 else 0.0),
                      "months": _float(fact["months_to_golive"]), "effort": _float(fact["integration_effort"])},
            shares={"again": None if fact["choose_again"] is None else float(fact["choose_again"] == "yes"),
                    **{f"gov_{name}": _float(fact[f"gov_{name}"]) for name in GOVERNANCE_COLUMNS}},
            time_saved=saved,
            codes={kind: frozenset(chosen.get(kind, ())) for kind in (*CODE_KINDS, "stop_reason")}))
    return voices


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def views_of(voices: Iterable[Voice], as_of: datetime | None = None) -> dict[str, list[Voice]]:
    """The voices of each view, remainders included (`dimension=`: voices without a value); the recent view holds
    the voices published in the last months before `as_of` (default: now)."""
    views: dict[str, list[Voice]] = defaultdict(list)
    since = freshness.recent_since(as_of or datetime.now(UTC))
    for voice in voices:
        if freshness.is_recent(voice.published_at, since):
            views[RECENT].append(voice)
        views[TOTAL].append(voice)
        for dimension in PARTITIONS:
            views[view_key(dimension, voice.segments[dimension] or "")].append(voice)
        for system in voice.systems:
            views[view_key("system", system)].append(voice)
    return views


def fingerprint(voices: Iterable[Voice]) -> dict[str, int]:
    """Per establishment, a checksum of the voices it has in a view: what tells that its answers changed."""
    return fingerprint_pairs((voice.establishment_id, voice.revision_id) for voice in voices)


def fingerprint_pairs(pairs: Iterable[tuple[int, int]]) -> dict[str, int]:
    revisions: dict[int, list[int]] = defaultdict(list)
    for establishment_id, revision_id in pairs:
        revisions[establishment_id].append(revision_id)
    return {str(e): zlib.crc32(",".join(map(str, sorted(ids))).encode()) for e, ids in revisions.items()}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _latest(voices: list[Voice]) -> Voice:
    return max(voices, key=lambda voice: (voice.published_at, voice.id))


@dataclass
class ViewFigures:
    card: dict[str, Any]
    families: dict[str, float]


def compute_view(voices: list[Voice], *, with_stop_any: bool = False, as_of: datetime | None = None) -> ViewFigures:
    """The exact card of one view (as the analysts' statistics give it) and its families; ages are counted at
    `as_of` (default: now)."""
    by_establishment: dict[int, list[Voice]] = defaultdict(list)
    for voice in voices:
        by_establishment[voice.establishment_id].append(voice)
    n = len(by_establishment)
    stages = dict.fromkeys(stat_cells.STAGES, 0)
    codes: dict[str, dict[str, int]] = {kind: defaultdict(int) for kind in (*CODE_KINDS, "stop_reason")}
    measures: dict[str, list[float]] = defaultdict(list)
    shares: dict[str, list[float]] = defaultdict(list)
    saved: dict[str, list[float]] = defaultdict(list)
    first_quarters: list[str] = []
    latest_published = []
    stop_any = 0
    for own in by_establishment.values():
        latest = _latest(own)
        latest_published.append(max(voice.published_at for voice in own))
        stages[latest.stage] = stages.get(latest.stage, 0) + 1
        for kind in CODE_KINDS:
            for code in set().union(*(voice.codes[kind] for voice in own)):
                codes[kind][code] += 1
        if latest.stage == "stopped":
            for code in latest.codes["stop_reason"]:
                codes["stop_reason"][code] += 1
        for name in MEASURES:
            value = _mean([voice.measures[name] for voice in own if voice.measures[name] is not None])
            if value is not None:
                measures[name].append(value)
        for name in SHARES:
            value = _mean([voice.shares[name] for voice in own if voice.shares[name] is not None])
            if value is not None:
                shares[name].append(value)
        for unit in TIME_UNITS:
            value = _mean([voice.time_saved[1] for voice in own if voice.time_saved and voice.time_saved[0] == unit])
            if value is not None:
                saved[unit].append(value)
        quarters = [voice.start_quarter for voice in own if voice.start_quarter]
        if quarters:
            first_quarters.append(min(quarters))
        if with_stop_any:
            per_solution: dict[int, list[Voice]] = defaultdict(list)
            for voice in own:
                per_solution[voice.solution_id].append(voice)
            stop_any += any(_latest(group).stage == "stopped" for group in per_solution.values())

    def mean(name: str) -> dict[str, Any]:
        values = measures[name]
        low, high, scale = MEASURES[name]
        return stat_cells.mean_cell(len(values), sum(values) if values else None, sum(x * x for x in values) if values
                               else None, scale=scale, low=low, high=high)

    def listed(kind: str, vocabulary: dict, denominator: int) -> list[dict[str, Any]]:
        # Every code of the vocabulary, in the vocabulary's order: neither presence nor order depends on the data.
        return [{"code": code, **stat_cells.share_cell(codes[kind].get(code, 0), denominator),
                 "count": codes[kind].get(code, 0)} for code in vocabulary]

    def share(name: str) -> dict[str, Any]:
        return stat_cells.share_cell(sum(shares[name]), len(shares[name]))

    def time_cells(unit: str) -> dict[str, Any]:
        values = saved[unit]
        count = len(values)
        if count:
            q1, median, q3 = pystats.quantiles(values, n=4, method="inclusive") if count > 1 else (values[0],) * 3
        else:
            q1 = median = q3 = None
        return {"median": stat_cells.cell(median, count, digits=1), "q1": stat_cells.cell(q1, count, digits=1),
                "q3": stat_cells.cell(q3, count, digits=1)}

    ages = freshness.ages(latest_published, as_of or datetime.now(UTC))
    cumulative, total = [], 0
    for quarter in sorted(set(first_quarters)):
        total += first_quarters.count(quarter)
        cumulative.append({"quarter": quarter, **stat_cells.cell(total, total, digits=0)})
    card: dict[str, Any] = {
        "establishments": stat_cells.cell(n, n, digits=0),
        "reports": stat_cells.cell(len(voices), n, digits=0),
        "stages": [{"stage": stage, **stat_cells.cell(stages[stage], stages[stage], digits=0)}
                   for stage in stat_cells.STAGES],
        "stop_rate": stat_cells.share_cell(stages["stopped"], n),
        "adoption": cumulative,
        "ratings": {name: mean(f"rating_{name}") for name in RATING_COLUMNS},
        "sus": mean("sus"),
        "sus_benchmarks": stat_cells.SUS_BENCHMARKS,
        "nps": mean("nps"),
        "choose_again": share("again"),
        "months_to_golive": mean("months"),
        "integration_effort": mean("effort"),
        "time_saved": {unit: time_cells(unit) for unit in TIME_UNITS},
        **{key: listed(kind, vocabulary, n) for kind, (key, vocabulary) in CODE_KINDS.items()},
        "stop_reasons": listed("stop_reason", q.STOP_REASONS, stages["stopped"]),
        "governance": {name: share(f"gov_{name}") for name in GOVERNANCE_COLUMNS},
        "integration": [],
        "freshness": freshness.cells(ages),
    }
    families: dict[str, float] = {"n": float(n), **{f"stage:{s}": float(k) for s, k in stages.items()},
                                  "old": float(freshness.old_count(ages))}
    for kind, (_, vocabulary) in CODE_KINDS.items():
        families |= {f"code:{kind}:{code}": float(codes[kind].get(code, 0)) for code in vocabulary}
    families |= {f"stop:{code}": float(codes["stop_reason"].get(code, 0)) for code in q.STOP_REASONS}
    families |= {f"nm:{name}": float(len(measures[name])) for name in MEASURES}
    for name in SHARES:
        families[f"shn:{name}"] = float(len(shares[name]))
        families[f"shk:{name}"] = float(sum(shares[name]))
    families |= {f"tn:{unit}": float(len(saved[unit])) for unit in TIME_UNITS}
    if with_stop_any:
        families["stopany"] = float(stop_any)
        card["stop_any"] = stat_cells.share_cell(stop_any, n)
    return ViewFigures(card, families)


def base_of(family: str) -> str | None:
    """The count a family is part of: a cell and its base tell two groups (those with and without)."""
    if family.startswith(("code:", "stopany")) or family == "old":
        return "n"
    if family.startswith("stop:"):
        return "stage:stopped"
    if family.startswith("shk:"):
        return "shn:" + family[4:]
    return None


def bounded_by(family: str) -> str | None:
    """The count a family cannot exceed within a view."""
    if family == "n":
        return None
    if family.startswith("stage:"):
        return None  # the stages add up to n: an equality of its own
    return base_of(family) or "n"
