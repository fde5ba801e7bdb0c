"""Live, exact counts of ethics alerts (analysts and ethics reviewers): per scope, and as an export.

Readers outside the analysts never get these: they read the release's protected table
(`app.services.releases.visitor_alerts`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Category, EthicsAlert, Solution
from app.services.disclosure import alerts as tables

EXPORT_COLUMNS = ["solution_id", "solution", "vendor", "category", "establishments",
                  *(f"establishments_{code}" for code in tables.CATEGORIES), "alerts",
                  *(f"alerts_{code}" for code in tables.CATEGORIES)]


def live_card(scope: str) -> dict[str, Any]:
    """Every figure of a scope's table, as of now."""
    return tables.exact_card(tables.families(tables.load_rows(scope)))


def export_rows() -> Iterator[dict[str, Any]]:
    """One row per solution with at least one alert: establishments (the unit of every count shown elsewhere)
    and alerts, in all and per category."""
    establishments: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    alerts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for solution_id, establishment_id, category in db.session.execute(
            sa.select(EthicsAlert.solution_id, EthicsAlert.establishment_id, EthicsAlert.category)):
        for key in ("", category):
            establishments[solution_id][key].add(establishment_id)
            alerts[solution_id][key] += 1
    if not alerts:
        return
    solutions = db.session.execute(sa.select(Solution.id, Solution.name, Solution.vendor, Category.slug)
                                   .join(Category, Category.id == Solution.category_id)
                                   .where(Solution.id.in_(alerts)).order_by(Solution.name, Solution.vendor))
    for solution_id, name, vendor, category_slug in solutions:
        seen, counted = establishments[solution_id], alerts[solution_id]
        yield {"solution_id": solution_id, "solution": name, "vendor": vendor, "category": category_slug,
               "establishments": len(seen[""]),
               **{f"establishments_{c}": len(seen.get(c, ())) for c in tables.CATEGORIES},
               "alerts": counted[""], **{f"alerts_{c}": counted.get(c, 0) for c in tables.CATEGORIES}}
