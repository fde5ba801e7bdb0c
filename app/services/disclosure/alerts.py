"""Counts of ethics alerts by category, as a release shows them to readers outside the analysts.

The unit is the establishment: a category's count is the number of establishments that raised at least one
alert of that category in the scope, and the table's total the number that raised any. A table is one system of
linked cells: each category holds no more establishments than the total, and the total no more than the
categories together (every alerting establishment raised at least one). Its cells are protected as the other
views' are: a table resting on fewer than the minimum of establishments is hidden whole; a count, or what it
leaves of the total, between 1 and the minimum minus one is hidden; then the interval audit (`audit.py`) looks
for any hidden count a reader could pin down or prove small, and more cells are hidden until it finds none.

Between two releases a table is shown anew only when no establishment's alerts changed since it was last shown,
or at least the minimum did: otherwise the release keeps the table shown before (a single new alert would be
read by comparing two moments).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app import vocabulary as v
from app.extensions import db
from app.models import EthicsAlert, Solution
from app.services import stat_cells
from app.services.disclosure.audit import EPSILON, Program, Relation, audit_cells
from app.services.disclosure.figures import fingerprint_pairs

VIEW = "alerts"
TOTAL = "-"
CATEGORIES = tuple(v.ALERT_CATEGORIES)


@dataclass(frozen=True)
class AlertRow:
    alert_id: int
    establishment_id: int
    solution_id: int
    category: str


def load_rows(scope: str) -> list[AlertRow]:
    """The alerts of a scope ("solution:12", "category:3"; anything else: every alert)."""
    kind, _, key = scope.partition(":")
    query = sa.select(EthicsAlert.id, EthicsAlert.establishment_id, EthicsAlert.solution_id, EthicsAlert.category)
    if kind == "solution":
        query = query.where(EthicsAlert.solution_id == int(key))
    elif kind == "category":
        query = query.join(Solution, Solution.id == EthicsAlert.solution_id).where(Solution.category_id == int(key))
    return [AlertRow(*row) for row in db.session.execute(query)]


def fingerprint(rows: Iterable[AlertRow]) -> dict[str, int]:
    """Per establishment, a checksum of its alerts: what tells that they changed."""
    return fingerprint_pairs((row.establishment_id, row.alert_id) for row in rows)


def families(rows: Iterable[AlertRow]) -> dict[str, float]:
    """The counts of establishments: `n` (any alert) and `cat:<code>` for each category."""
    by_category: dict[str, set[int]] = defaultdict(set)
    establishments = set()
    for row in rows:
        establishments.add(row.establishment_id)
        by_category[row.category].add(row.establishment_id)
    return {"n": float(len(establishments)), **{f"cat:{c}": float(len(by_category[c])) for c in CATEGORIES}}


def exact_card(values: dict[str, float]) -> dict[str, Any]:
    """The table with every figure (analysts, ethics reviewers)."""
    n = int(values["n"])
    return {"establishments": stat_cells.cell(n, n, digits=0, safe=True),
            "categories": [{"code": c, **stat_cells.cell(int(values[f"cat:{c}"]), int(values[f"cat:{c}"]), digits=0,
                                                         safe=True)} for c in CATEGORIES],
            "min_establishments": stat_cells.minimum(), "suppressed": False}


def hidden_card(minimum: int) -> dict[str, Any]:
    """A table hidden whole: the same keys, in the same order, whatever the data."""
    card = exact_card(dict.fromkeys(["n", *(f"cat:{c}" for c in CATEGORIES)], 0.0))
    card = stat_cells.suppress_everything(card) | {"min_establishments": minimum, "suppressed": True}
    return stat_cells.public_view(card)


def visitor_card(values: dict[str, float], hidden: set[str], minimum: int) -> dict[str, Any]:
    if "n" in hidden:
        return hidden_card(minimum)
    card = exact_card(values)
    for row in card["categories"]:
        row["suppressed"] = f"cat:{row['code']}" in hidden
    card["min_establishments"] = minimum
    return stat_cells.public_view(card)


def relations(names: Iterable[str], units: Iterable[str] = (TOTAL,), parts: Iterable[str] = ()) -> list[Relation]:
    """What every reader knows of linked tables: in each, a category ≤ the total ≤ the categories together; and a
    table that is the union of others (`parts`, of TOTAL: a category's solutions) holds, for each count, no less
    than any part and no more than the parts together."""
    names = list(names)
    categories = [name for name in names if name.startswith("cat:")]
    out = []
    for unit in units:
        out += [Relation((((unit, c), 1.0), ((unit, "n"), -1.0)), False) for c in categories]
        out.append(Relation((((unit, "n"), 1.0), *(((unit, c), -1.0) for c in categories)), False))
    parts = list(parts)
    for name in names if parts else ():
        out += [Relation((((part, name), 1.0), ((TOTAL, name), -1.0)), False) for part in parts]
        out.append(Relation((((TOTAL, name), 1.0), *(((part, name), -1.0) for part in parts)), False))
    return out


def protect(values: dict[str, float], minimum: int, linked: dict[str, tuple[dict[str, float], set[str]]] | None = None
            ) -> set[str]:
    """The hidden cells of a table ("n": the whole table). `linked`: for a category, each of its solutions' table
    (its exact counts, and the cells its release hides), which a reader puts together with this one."""
    names = ["n", *(f"cat:{c}" for c in CATEGORIES)]
    everything = set(names)
    n = values["n"]
    if EPSILON < n < minimum - EPSILON:
        return everything
    if n < EPSILON:
        return set()
    hidden = set()
    for c in CATEGORIES:
        count = values[f"cat:{c}"]
        if EPSILON < count < minimum - EPSILON or EPSILON < n - count < minimum - EPSILON:
            hidden.add(f"cat:{c}")
    linked = linked or {}
    cells = {(TOTAL, name): values[name] for name in names}
    their_hidden = set()
    for unit, (truth, unseen) in linked.items():
        cells |= {(unit, name): truth[name] for name in names}
        their_hidden |= {(unit, name) for name in (everything if "n" in unseen else unseen)}
    rules = relations(names, [TOTAL, *linked], linked)
    while True:
        unknown = {(TOTAL, name) for name in hidden} | their_hidden
        targets = sorted(unknown)
        if not targets:
            return hidden
        program = Program(rules, cells, unknown)
        # A category's count is a union of its solutions': pinned by them at the minimum or more, it tells of no
        # small group (a block, to the audit); a small count, or a small complement, would.
        breaches = audit_cells(program, targets, cells, minimum, blocks={TOTAL} if linked else set(),
                               integral=everything,
                               bases={name: "n" for name in names if name != "n"})
        if not breaches:
            return hidden
        # The count of the breached cell's own category goes first; else the smallest count still shown.
        same = {b.cell[1] for b in breaches if b.cell[1] != "n" and b.cell[1] not in hidden}
        visible = sorted((name not in same, values[name], name) for name in names[1:] if name not in hidden)
        if not visible:
            return everything
        hidden.add(visible[0][2])


def linked_tables(rows: list[AlertRow], shown: dict[int, dict[str, Any]]) -> dict[str, tuple[dict[str, float], set[str]]]:
    """A category's solutions' tables as a reader puts them together with the category's: exact counts, and the
    cells their current releases hide."""
    by_solution: dict[int, list[AlertRow]] = defaultdict(list)
    for row in rows:
        by_solution[row.solution_id].append(row)
    out = {}
    for solution_id, card in shown.items():
        unseen = {name for name in ["n", *(f"cat:{c}" for c in CATEGORIES)] if not _visible(card, name)}
        out[f"solution={solution_id}"] = (families(by_solution.get(solution_id, [])), unseen)
    return out


def _visible(card: dict[str, Any], name: str) -> bool:
    if card.get("suppressed", True):
        return False
    if name == "n":
        return not card["establishments"]["suppressed"]
    return any(row["code"] == name[4:] and not row["suppressed"] for row in card["categories"])


def pending(scope: str, last_state: dict[str, Any] | None) -> int:
    """Establishments whose alerts changed in the scope since its last release."""
    from app.services.disclosure.protect import changed

    before = ((last_state or {}).get(VIEW) or {}).get("at_release") or {}
    return changed(before, fingerprint(load_rows(scope)))


def release_table(scope: str, last_state: dict[str, Any] | None, last_card: dict[str, Any] | None, minimum: int,
                  shown: dict[int, dict[str, Any]] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The table of a new release of the scope, and the state to keep with it (`last_state`, `last_card`: the
    scope's previous release's; `shown`: for a category, its solutions' current tables)."""
    from app.services.disclosure.protect import changed

    rows = load_rows(scope)
    now = fingerprint(rows)
    before = (last_state or {}).get(VIEW) or {}
    published = before.get("published")
    moved = changed(published, now) if published is not None else None
    if last_card is not None and moved is not None and 0 < moved < minimum:
        # Too few establishments changed since the table was last shown: it stays as it was.
        return last_card, {"at_release": now, "published": published}
    values = families(rows)
    linked = linked_tables(rows, shown) if shown is not None else None
    return visitor_card(values, protect(values, minimum, linked), minimum), {"at_release": now, "published": now}
