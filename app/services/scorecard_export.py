"""Each solution's scorecard as one flat row of the analysts' aggregates export (unsuppressed figures)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Category, Solution
from app.models.facts import GOVERNANCE_COLUMNS, RATING_COLUMNS
from app.services import stats
from app.services.exports import BATCH_SIZE


def _mean_fields(prefix: str, pick: Callable[[dict], dict], value_name: str = "mean") -> list[tuple[str, Callable]]:
    return [(f"{prefix}_{value_name}", lambda card: pick(card)["value"]),
            (f"{prefix}_ci_low", lambda card: (pick(card)["ci"] or (None, None))[0]),
            (f"{prefix}_ci_high", lambda card: (pick(card)["ci"] or (None, None))[1]),
            (f"{prefix}_n", lambda card: pick(card)["n"]), (f"{prefix}_low_n", lambda card: pick(card)["low_n"])]


def _share_fields(prefix: str, pick: Callable[[dict], dict]) -> list[tuple[str, Callable]]:
    return [(prefix, lambda card: pick(card)["value"]), (f"{prefix}_n", lambda card: pick(card)["n"]),
            (f"{prefix}_low_n", lambda card: pick(card)["low_n"])]


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
        fields.append((f"time_saved_{unit}_low_n",
                       lambda card, unit=unit: card["time_saved"][unit]["median"]["low_n"]))
    for name in GOVERNANCE_COLUMNS:
        fields += _share_fields(f"gov_{name}", lambda card, name=name: card["governance"][name])
    for stage in stats.STAGES:
        fields += [(f"stage_{stage}", _stage_count(stage)),
                   (f"stage_{stage}_low_n", lambda card, stage=stage: next(
                       s["low_n"] for s in card["stages"] if s["stage"] == stage))]
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
