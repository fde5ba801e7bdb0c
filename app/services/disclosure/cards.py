"""Cards as readers outside the analysts see them: the protection's hidden cells keep their place but lose
value, interval and count; a view hidden whole has the same keys as any other, whatever the data."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from app.services import stat_cells
from app.services.disclosure.figures import CODE_KINDS, SYSTEMS, TOTAL, ViewFigures, compute_view
from app.services.disclosure.protect import Protection

# Intervals and quartiles are shown on at least this many establishments (means and medians on the minimum).
INTERVAL_MINIMUM = 10


def _empty() -> ViewFigures:
    return compute_view([], with_stop_any=True)


def visitor_card(key: str, figures: dict[str, ViewFigures], protection: Protection, minimum: int) -> dict[str, Any]:
    """One view as readers see it: hidden cells keep their place but lose value, interval and count."""
    if key in protection.hidden_views or key not in figures:
        return hidden_card(key, minimum)
    figure = figures[key]
    # What is hidden is what the protection chose, nothing else.
    card = stat_cells.analyst_view({**figure.card, "min_establishments": minimum, "segment": _segment(key)})
    hidden = {family for unit, family in protection.hidden_cells if unit == key}
    _hide(card, hidden)
    card["adoption"] = _adoption(figure.card["adoption"], figure.families["n"], minimum) if key == TOTAL else []
    card["integration"] = _integration(figures, protection) if key == TOTAL else []
    card["suppressed"] = False
    return stat_cells.public_view(card)


def hidden_card(key: str, minimum: int) -> dict[str, Any]:
    """A view hidden whole: the same keys, in the same order, whatever the data."""
    return {**_hidden_base(minimum), "segment": _segment(key)}


@lru_cache(maxsize=8)
def _hidden_base(minimum: int) -> dict[str, Any]:
    card = stat_cells.suppress_everything(_empty().card)
    card |= {"min_establishments": minimum, "adoption": [], "integration": [], "suppressed": True}
    return stat_cells.public_view(card)


def _segment(key: str) -> dict[str, str] | None:
    if key == TOTAL:
        return None
    dimension, _, value = key.partition("=")
    return {"dimension": dimension, "value": value}


def _hide(card: dict[str, Any], hidden: set[str]) -> None:
    def off(cell: dict[str, Any]) -> None:
        cell["suppressed"] = True

    for row in card["stages"]:
        if f"stage:{row['stage']}" in hidden:
            off(row)
    if "stage:stopped" in hidden:
        off(card["stop_rate"])
    for kind, (list_key, _) in CODE_KINDS.items():
        for row in card[list_key]:
            if f"code:{kind}:{row['code']}" in hidden:
                off(row)
    for row in card["stop_reasons"]:
        if f"stop:{row['code']}" in hidden:
            off(row)
    means = {"sus": card["sus"], "nps": card["nps"], "months": card["months_to_golive"],
             "effort": card["integration_effort"], **{f"rating_{k}": c for k, c in card["ratings"].items()}}
    for name, cell in means.items():
        if f"nm:{name}" in hidden:
            off(cell)
    shares = {"again": card["choose_again"], **{f"gov_{k}": c for k, c in card["governance"].items()}}
    for name, cell in shares.items():
        if f"shn:{name}" in hidden or f"shk:{name}" in hidden:
            off(cell)
    for unit, cells in card["time_saved"].items():
        if f"tn:{unit}" in hidden:
            for cell in cells.values():
                off(cell)
    if "stop_any" in card and ("stopany" in hidden or "stage:stopped" in hidden):
        # With one solution, "stopped at least one" is the stopped stage: hidden with it.
        off(card["stop_any"])
    if "old" in hidden and "freshness" in card:
        # The median age would bound the count of old establishments: hidden with it.
        for cell in card["freshness"].values():
            off(cell)
    # A mean's interval gives the spread of its answers: on a few establishments, the answers themselves.
    for cell in means.values():
        if (cell["n"] or 0) < INTERVAL_MINIMUM:
            cell["ci"] = None
    # Quartiles of three or four values give the values back: below the limit, the median alone.
    for cells in card["time_saved"].values():
        if (cells["median"]["n"] or 0) < INTERVAL_MINIMUM:
            off(cells["q1"])
            off(cells["q3"])


def _adoption(points: list[dict[str, Any]], n: float, minimum: int) -> list[dict[str, Any]]:
    """The cumulative series shown only where it has grown by the minimum since the last point shown, and
    where what remains after it is none or at least the minimum; every quarter between the first and the last
    point shown is listed, so that neither a quarter's presence nor a hidden point can be solved."""
    shown, last = {}, 0
    for point in points:
        total = point["value"]
        if total - last >= minimum and (n - total == 0 or n - total >= minimum):
            shown[point["quarter"]] = total
            last = total
    return series(shown)


def series(shown: dict[str, float]) -> list[dict[str, Any]]:
    """The listed series of the points shown: every quarter between the first and the last, hidden between."""
    if not shown:
        return []
    quarters = _quarters(min(shown), max(shown))
    return [{"quarter": quarter, **stat_cells.cell(shown.get(quarter), int(shown.get(quarter, 0)), digits=0,
                                              safe=quarter in shown)} for quarter in quarters]


def _quarters(first: str, last: str) -> list[str]:
    year, quarter = int(first[:4]), int(first[5])
    out = []
    while f"{year}Q{quarter}" <= last:
        out.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def _integration(figures: dict[str, ViewFigures], protection: Protection) -> list[dict[str, Any]]:
    """A row per integrated system, in the vocabulary's order: the system's own segment, protected with it."""
    rows = []
    for code in SYSTEMS:
        key = f"system={code}"
        card = (figures.get(key) or _empty()).card
        row = {"system": code, "establishments": dict(card["establishments"]),
               "effort": dict(card["integration_effort"]), "success": dict(card["choose_again"])}
        if key in protection.hidden_views:
            row = stat_cells.suppress_everything(row)
        else:
            row = stat_cells.analyst_view(row)
            if (row["effort"]["n"] or 0) < INTERVAL_MINIMUM:
                row["effort"]["ci"] = None
            if not protection.visible(key, "nm:effort"):
                row["effort"]["suppressed"] = True
            if not (protection.visible(key, "shn:again") and protection.visible(key, "shk:again")):
                row["success"]["suppressed"] = True
        rows.append(row)
    return rows
