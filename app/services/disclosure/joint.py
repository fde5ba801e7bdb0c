"""A category's release read together with its solutions' releases, as one system of linked cells.

A visitor reads a category's figures beside each of its solutions' figures. Where no establishment reports on
two of the category's solutions, each count of the category is the sum of its solutions' same counts (else it is
no more than that sum): the category less the solutions a reader can see tells what the others hide. So the
category's published cells, every cell of each shown solution's current release (as its own audit saw them), and
what the solutions not shown hold together (never released, or hidden whole: one group, `h`) are put into one
linear system, and the interval audit (`audit.py`) runs on it. The solutions' releases are out already: only the
category's side can change. Each breach hides a cell or a view of the category (`mend`), until the audit finds
nothing, or the category is hidden whole.

The category publishes: its whole (every figure of its card), each integrated system's row (establishments,
effort, success) and its establishments by region and by type (the observatory). Its other views are never shown.
Every solution must be released on the voices the category is built from (`stale`): a category is not released
while one of its shown solutions has changes its own release does not show yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.services import stat_cells
from app.services.disclosure.audit import EPSILON, Breach, Cell, Program, Relation, audit_cells
from app.services.disclosure.figures import PARTITIONS, RECENT, SYSTEMS, TOTAL, base_of, bounded_by, view_key
from app.services.disclosure.protect import BLOCK, Protection, Release, family_groups

STAGES = tuple(f"stage:{stage}" for stage in stat_cells.STAGES)
BY_SEGMENT = ("region", "type")  # the dimensions whose segments the category publishes (their establishments)
SYSTEM_FAMILIES = ("n", "nm:effort", "shn:again", "shk:again")  # an integrated system's row
NONE = "~"  # the establishments without a value in a dimension
# Families a solution has no counterpart of: the ages are counted at each release's moment, and "stopped at
# least one solution" is the category's own.
UNSHARED = ("old", "stopany")
EVERY_VOICE = ("code:", "nm:", "shn:", "tn:")


@dataclass
class Part:
    """A solution as its current release shows it."""

    solution_id: int
    families: dict[str, dict[str, float]]
    hidden_views: set[str]
    hidden_cells: set[Cell]


@dataclass
class Model:
    values: dict[Cell, float] = field(default_factory=dict)
    unknown: set[Cell] = field(default_factory=set)
    targets: set[Cell] = field(default_factory=set)
    blocks: set[str] = field(default_factory=set)
    relations: list[Relation] = field(default_factory=list)
    cross: list[Relation] = field(default_factory=list)

    def unit(self, key: str, values: dict[str, float], names: Iterable[str], *, hidden: bool = False,
             target: bool = True) -> None:
        for name in names:
            cell = (key, name)
            self.values[cell] = float(values.get(name, 0.0))
            if hidden:
                self.unknown.add(cell)
                if target:
                    self.targets.add(cell)

    def within(self, key: str, names: Iterable[str]) -> None:
        """The relations inside one view: the stages add up to the establishments, a count stays under its bound."""
        names = [name for name in names if (key, name) in self.values]
        stages = [name for name in names if name.startswith("stage:")]
        if stages and "n" in names:
            self.relations.append(Relation((((key, "n"), 1.0), *(((key, s), -1.0) for s in stages)), True))
        for name in names:
            bound = bounded_by(name)
            if bound in names and self.values[(key, name)] <= self.values[(key, bound)] + EPSILON:
                self.relations.append(Relation((((key, name), 1.0), ((key, bound), -1.0)), False))

    def split(self, whole: str, parts: list[str], name: str) -> None:
        self.relations.append(Relation((((whole, name), 1.0), *(((p, name), -1.0) for p in parts)), True))

    def at_most(self, part: str, whole: str, name: str) -> None:
        if self.values[(part, name)] <= self.values[(whole, name)] + EPSILON:
            self.relations.append(Relation((((part, name), 1.0), ((whole, name), -1.0)), False))


def _segments(dimension: str) -> list[str]:
    return [view_key(dimension, code) for code in PARTITIONS[dimension]]


def _by_segment(model: Model, prefix: str, families: dict[str, dict[str, float]], hidden: Callable[[str], bool], *,
                block: bool) -> None:
    """A scope's establishments by region and by type: its segments and those without a value add up to its whole
    (`hidden`: which a reader does not see; `block`: each of those is a group, known as a whole)."""
    for dimension in BY_SEGMENT:
        parts = []
        for key in _segments(dimension) + [view_key(dimension, NONE)]:
            source = families.get(view_key(dimension, "") if key.endswith(NONE) else key, {})
            unknown = hidden(key)
            model.unit(prefix + key, source, ["n"], hidden=unknown, target=unknown and not key.endswith(NONE))
            if unknown and block:
                model.blocks.add(prefix + key)
            parts.append(prefix + key)
        model.split(prefix + TOTAL, parts, "n")


def _category(model: Model, families: dict[str, dict[str, float]], protection: Protection, names: list[str]) -> None:
    """The category's published cells, and the relations between them."""
    whole = families.get(TOTAL, {})
    model.unit("c|" + TOTAL, whole, names)
    for name in names:
        if (TOTAL, name) in protection.hidden_cells:
            model.unknown.add(("c|" + TOTAL, name))
            model.targets.add(("c|" + TOTAL, name))
    model.within("c|" + TOTAL, names)
    # A segment hidden, or those without a value, is a group of the category's: what the reader works out of it
    # must not be small. Pinned, it is a block: the sum of what its solutions show, or hide.
    _by_segment(model, "c|", families, lambda key: key in protection.hidden_views or key.endswith(NONE), block=True)
    for code in SYSTEMS:
        key = view_key("system", code)
        if key not in protection.hidden_views:
            own = [n for n in SYSTEM_FAMILIES if n in names]
            model.unit("c|" + key, families.get(key, {}), own)
            for name in own:
                if (key, name) in protection.hidden_cells:
                    model.unknown.add(("c|" + key, name))
                    model.targets.add(("c|" + key, name))
                model.at_most("c|" + key, "c|" + TOTAL, name)
            model.within("c|" + key, own)


def _part(model: Model, part: Part, minimum: int, names: list[str]) -> None:
    """A shown solution: its release as its own audit saw it, and the segments the category publishes."""
    prefix = f"s{part.solution_id}|"
    release = Release(part.families, part.hidden_views, minimum)
    names = [name for name in names if name in release.names]
    for (unit, name), value in release.values.items():
        if name not in names:
            continue
        model.values[(prefix + unit, name)] = value
        if unit in release.hidden_units or (unit, name) in part.hidden_cells:
            model.unknown.add((prefix + unit, name))
            model.targets.add((prefix + unit, name))
    model.blocks |= {prefix + unit for unit in release.blocks}
    model.relations += [Relation(tuple(((prefix + u, n), c) for (u, n), c in r.terms), r.equal)
                        for r in release.relations(names)]
    for dimension in BY_SEGMENT:
        hidden = [key for key in _segments(dimension) if key in part.hidden_views]
        none = view_key(dimension, NONE)
        model.unit(prefix + none, part.families.get(view_key(dimension, ""), {}), ["n"], hidden=True, target=False)
        for key in hidden:
            model.unit(prefix + key, part.families.get(key, {}), ["n"], hidden=True)
        block = prefix + view_key(dimension, BLOCK)
        if (block, "n") in model.values:
            model.split(block, [prefix + k for k in hidden] + [prefix + none], "n")
        else:  # no block: nothing is left of the whole once the visible segments are taken away
            model.relations += [Relation((((prefix + k, "n"), 1.0),), True) for k in hidden + [none]]
    for code in SYSTEMS:
        key = view_key("system", code)
        if key in part.hidden_views:
            own = [n for n in SYSTEM_FAMILIES if n in names]
            model.unit(prefix + key, part.families.get(key, {}), own, hidden=True)
            model.within(prefix + key, own)
            for name in own:
                model.at_most(prefix + key, prefix + TOTAL, name)


def _others(model: Model, families: dict[str, dict[str, float]], names: list[str], contributors: dict[str, int],
            known: bool) -> None:
    """The solutions not shown, as one group: every cell unknown (`known`: every solution of the category is
    shown, so a reader knows the group is empty), tied as any scope's are."""
    whole = "h|" + TOTAL
    model.unit(whole, families.get(TOTAL, {}), names, hidden=not known)
    model.within(whole, names)
    _by_segment(model, "h|", families, lambda _key: not known, block=False)
    for code in SYSTEMS:
        key = "h|" + view_key("system", code)
        own = [n for n in SYSTEM_FAMILIES if n in names]
        model.unit(key, families.get(view_key("system", code), {}), own, hidden=not known)
        model.within(key, own)
        for name in own:
            model.at_most(key, whole, name)
    # Where several solutions have establishments, the group known as a whole tells nothing of one.
    model.blocks |= {unit for unit, _ in model.values
                     if unit.startswith("h|") and contributors.get(unit[2:].replace(NONE, ""), 0) >= 2}


def _cross(model: Model, shared: dict[str, bool], parts: list[Part], names: list[str]) -> None:
    """The category's count against its solutions' (and the group not shown): the sum where no establishment
    is in two of them (`shared[view]` False), else no more than the sum and no less than any."""
    views = [(TOTAL, names)]
    views += [(key, ["n"]) for d in BY_SEGMENT for key in _segments(d) + [view_key(d, NONE)]]
    views += [(view_key("system", code), list(SYSTEM_FAMILIES)) for code in SYSTEMS]
    for view, own in views:
        category = "c|" + view
        for name in own:
            if (category, name) not in model.values:
                continue
            terms = [u + view for u in [f"s{p.solution_id}|" for p in parts] + ["h|"] if (u + view, name) in model.values]
            sum_of_parts = (((category, name), 1.0), *(((t, name), -1.0) for t in terms))
            model.cross.append(Relation(sum_of_parts, not shared.get(view, False)))
            if not shared.get(view, False):
                continue
            if name == "n" or name.startswith(EVERY_VOICE):
                # An establishment counted in a solution is counted in the category: those families read every
                # voice (a stage, a reason for stopping, a share's yes, read from the latest or the mean, do not).
                model.cross += [Relation((((t, name), 1.0), ((category, name), -1.0)), False) for t in terms
                                if model.values[(t, name)] <= model.values[(category, name)] + EPSILON]


def audit(families: dict[str, dict[str, float]], protection: Protection, parts: list[Part],
          others: dict[str, dict[str, float]], contributors: dict[str, int], others_known: bool,
          shared: dict[str, bool], minimum: int
          ) -> tuple[list[Breach], int]:
    """What a reader of the category and of its solutions' releases can pin down or prove small. Returns the
    breaches and the programs solved."""
    if TOTAL in protection.hidden_views:
        return [], 0
    names = sorted(n for n in families.get(TOTAL, {}) if n not in UNSHARED)
    model = Model()
    _category(model, families, protection, names)
    for part in parts:
        _part(model, part, minimum, names)
    _others(model, others, names, contributors, known=others_known)
    _cross(model, shared, parts, names)
    by_names: dict[frozenset[str], list[Relation]] = {}
    for relation in model.relations:
        by_names.setdefault(frozenset(cell[1] for cell, _ in relation.terms), []).append(relation)
    breaches, solves = [], 0
    for context, decided in family_groups(names):
        if context == ["n", *[n for n in context if n.startswith("stage:")]]:
            decided = context  # the establishments of a hidden segment are a count to protect here
        wanted = set(context)
        cross = [r for r in model.cross if r.terms[0][0][1] in wanted]
        if not any(cell in model.unknown for r in cross for cell, _ in r.terms):
            continue  # the category and its solutions meet only on figures everyone sees: nothing new
        unknown = {cell for cell in model.unknown if cell[1] in wanted}
        # A cell holding no establishment discloses none, whatever a reader can bound it to (the solutions' own
        # audits keep their hidden zeros unpinned among the cells they are tied to).
        targets = sorted(cell for cell in model.targets if cell[1] in decided and cell in unknown
                         and model.values[cell] > EPSILON)
        if not targets:
            continue
        relations = cross + [r for key, group in by_names.items() if key <= wanted for r in group]
        program = Program(relations, model.values, unknown)
        breaches += audit_cells(program, targets, model.values, minimum, blocks=model.blocks,
                                integral={n for n in context if not n.startswith("shk:")},
                                bases={name: base_of(name) for name in decided})
        solves += program.solves
    return breaches, solves


def mend(breaches: list[Breach], protection: Protection, families: dict[str, dict[str, float]]
         ) -> tuple[set[str], set[Cell]]:
    """What the category hides more for these breaches: a cell of its whole, a segment, a system's row, or (when
    nothing of the category is left to hide next to a breach) the whole category."""
    views: set[str] = set()
    cells: set[Cell] = set()
    for breach in breaches:
        unit, name = breach.cell
        view = unit.split("|", 1)[1]
        dimension, _, value = view.partition("=")
        if dimension in BY_SEGMENT and name == "n":
            shown = sorted((k for k in _segments(dimension) if k not in protection.hidden_views),
                           key=lambda k: (families.get(k, {}).get("n", 0.0), k))
            if view in shown:
                views.add(view)
                continue
            if value in (NONE, BLOCK) or view in protection.hidden_views:
                views |= set(shown[:1])  # the smallest segment shown joins the category's hidden group
                if shown:
                    continue
        elif dimension == "system" and name in SYSTEM_FAMILIES and view.rstrip(BLOCK + "-") not in protection.hidden_views:
            views.add(view.rstrip(BLOCK + "-"))
            continue
        if (TOTAL, name) not in protection.hidden_cells and name != "n":
            cells.add((TOTAL, name))
        elif name.startswith("stage:") and any((TOTAL, s) not in protection.hidden_cells for s in STAGES):
            cells |= {(TOTAL, s) for s in STAGES}  # what the stages shown leave of the establishments, hidden
        else:
            views.add(TOTAL)
    return views, cells


def stale(part_state: dict[str, Any] | None, now: dict[str, dict[str, int]]) -> bool:
    """Whether a shown solution's release is behind its voices (a view's establishments or answers changed)."""
    if part_state is None or "families" not in part_state:
        return True
    before = part_state.get("at_release") or {}
    return any(before.get(key, {}) != value for key, value in now.items() if key != RECENT) or any(
        key not in now and value for key, value in before.items() if key != RECENT)


def _increments(points: list[dict[str, Any]], quarters: list[str]) -> dict[str, float]:
    """Establishments starting in each quarter, from a cumulative series (its points: where someone started)."""
    cumulative = {point["quarter"]: float(point["value"]) for point in points if point.get("value") is not None}
    out, last = {}, 0.0
    for quarter in quarters:
        now = cumulative.get(quarter, last)
        out[quarter] = now - last
        last = now
    return out


def adoption_kept(category: list[dict[str, Any]], shown: dict[str, float], parts: list[tuple], others: list[dict],
                  others_known: bool, shared: bool, minimum: int,
                  others_most: float | None = None) -> dict[str, float]:
    """The points of a category's adoption series that its solutions' series leave safe to show.

    The unknowns are the establishments each solution (and the group not shown) gained in each quarter; each
    solution's points shown fix the sums up to them, and its establishments bound the whole; the category's
    points shown are the sums over the solutions (no less than any solution's, where an establishment is in two).
    A quarter's gain that a reader could pin, or prove between 1 and the minimum minus one, takes out the
    category's point closing it. `parts`: (exact points, points shown, establishments) of each shown solution;
    `others_most`: the establishments of the solutions not shown, when a reader can tell them."""
    quarters = sorted({p["quarter"] for p in category} | {p["quarter"] for exact, _, _ in parts for p in exact}
                      | {p["quarter"] for p in others})
    one = ("one", "d")
    values: dict[Cell, float] = {one: 1.0}
    unknown: set[Cell] = set()
    targets: list[Cell] = []
    groups = [(f"s{i}", exact, own, n) for i, (exact, own, n) in enumerate(parts)]
    groups.append(("h", others, [], None))
    for key, exact, own, _ in groups:
        gains = _increments(exact, quarters)
        closing = {p["quarter"] for p in own if p.get("value") is not None}
        span: list[Cell] = []
        for quarter in quarters:
            cell = (f"{key}@{quarter}", "d")
            values[cell] = gains[quarter]
            if key == "h" and others_known:
                continue
            unknown.add(cell)
            span.append(cell)
            if quarter in closing:
                if len(span) > 1:  # a single quarter's gain between two points shown is its own release's figure
                    targets += [c for c in span if values[c] > EPSILON]
                span = []
        targets += [c for c in span if values[c] > EPSILON]

    def upto(key: str, quarter: str) -> list[tuple[Cell, float]]:
        return [((f"{key}@{q}", "d"), 1.0) for q in quarters if q <= quarter]

    relations = []
    for key, _, own, n in groups[:-1]:
        relations += [Relation((*upto(key, p["quarter"]), (one, -float(p["value"]))), True)
                      for p in own if p.get("value") is not None]
        relations.append(Relation((*upto(key, quarters[-1]), (one, -float(n))), False))
    if others_most is not None and not others_known:  # what the category's establishments leave to the others
        relations.append(Relation((*upto("h", quarters[-1]), (one, -others_most)), False))
    # A quarter's gain known to be the minimum or more is a group a solution could show as well: only a gain proven
    # small discloses (what it leaves of its span then reads as small too, and is found in turn).
    blocks = {unit for unit, _ in values}
    kept = dict(shown)
    while kept:
        rules = list(relations)
        for quarter, value in kept.items():
            terms = [t for key, *_ in groups for t in upto(key, quarter)]
            if not shared:
                rules.append(Relation((*terms, (one, -value)), True))
                continue
            rules.append(Relation(((one, value), *((cell, -c) for cell, c in terms)), False))
            rules += [Relation((*upto(key, quarter), (one, -value)), False) for key, *_ in groups]
        if shared:
            # Each establishment the category gains between two of its points is new, then, to the group where it
            # started first: the category's gain is no more than the groups' gains together.
            points = sorted(kept.items())
            for (before, low), (after, high) in zip(points, points[1:], strict=False):
                gains = [((f"{key}@{q}", "d"), -1.0) for key, *_ in groups for q in quarters if before < q <= after]
                rules.append(Relation(((one, high - low), *gains), False))
        if not targets:
            return kept
        breaches = audit_cells(Program(rules, values, unknown), sorted(set(targets)), values, minimum, blocks=blocks,
                               integral={"d"}, bases={"d": None})
        if not breaches:
            return kept
        quarter = min(breach.cell[0].split("@", 1)[1] for breach in breaches)
        closing = [q for q in sorted(kept) if q >= quarter] or sorted(kept)[-1:]
        kept.pop(closing[0])
    return kept
