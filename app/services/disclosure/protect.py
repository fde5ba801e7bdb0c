"""Which cells of a scope's release readers outside the analysts may see.

1. Views (the whole scope, and each segment) are hidden whole when they rest on fewer than the minimum of
   establishments, or when between 1 and the minimum minus one of their establishments changed since the view
   was last shown (otherwise two releases would tell one establishment's answers by difference). In each dimension
   whose segments split the establishments, the hidden segments form a *block*: at least two segments
   holding at least the minimum of establishments, and of changed establishments (or none).
2. Cells of the visible views are hidden when a count, or its complement, is between 1 and the minimum
   minus one; then more cells are hidden until no relation leaves a hidden cell alone.
3. The interval audit (`audit.py`) solves the linear programs of every group of linked cells; each cell
   it finds disclosed gets a neighbour hidden, and the audit runs again, until it finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.services.disclosure.audit import EPSILON, Breach, Cell, Program, Relation, audit_cells, checks
from app.services.disclosure.figures import PARTITIONS, TOTAL, base_of, bounded_by, subset_keys, view_key

BLOCK = "*"


@dataclass
class Protection:
    hidden_views: set[str] = field(default_factory=set)
    hidden_cells: set[Cell] = field(default_factory=set)  # in visible views
    cells: int = 0
    programs: int = 0
    breaches: list[Breach] = field(default_factory=list)  # what the audit still finds (never, once protected)

    def visible(self, view: str, family: str) -> bool:
        return view not in self.hidden_views and (view, family) not in self.hidden_cells


def changed(before: dict[str, int] | None, after: dict[str, int]) -> int:
    """Establishments added, removed or whose voices changed between two fingerprints of a view."""
    before = before or {}
    return sum(1 for e in before.keys() | after.keys() if before.get(e) != after.get(e))


def hide_views(families: dict[str, dict[str, float]], now: dict[str, dict[str, int]],
               at_release: dict[str, dict[str, int]], at_publication: dict[str, dict[str, int]],
               minimum: int, forced: set[str] = frozenset()) -> set[str]:
    """Views hidden whole in this release (`forced`: hidden for reasons found outside the scope)."""
    def n(key: str) -> float:
        return families.get(key, {}).get("n", 0.0)

    keys = [view_key(d, code) for d, vocabulary in PARTITIONS.items() for code in vocabulary]
    keys += subset_keys()
    subsets = set(subset_keys())
    # The whole too: after a release that hid it, it is shown again only when none, or at least the minimum, of
    # its establishments changed since it was last shown (else the two wholes shown tell those few by difference).
    whole_since_shown = changed(at_publication.get(TOTAL), now.get(TOTAL, {})) if TOTAL in at_publication else 0
    if n(TOTAL) < minimum or TOTAL in forced or 0 < whole_since_shown < minimum:
        return {TOTAL, *keys}
    # The sector is the union of its establishment types: its segments would let a reader subtract types
    # across two dimensions, so they are never published (the types say it all).
    hidden = {view_key("sector", code) for code in PARTITIONS["sector"]} | set(forced)
    for key in keys:
        since_shown = changed(at_publication.get(key), now.get(key, {})) if key in at_publication else None
        if n(key) < minimum or (since_shown is not None and 0 < since_shown < minimum):
            hidden.add(key)
        # A system's segment (or the recent voices) and the whole tell those *without* the system (without a recent
        # voice) by difference: a group too.
        if key in subsets and 0 < n(TOTAL) - n(key) < minimum:
            hidden.add(key)
    for dimension, vocabulary in PARTITIONS.items():
        members = [view_key(dimension, code) for code in vocabulary]
        # Establishments without a value in this dimension are one more hidden group: the hidden segments and
        # they are what the whole minus the visible segments tells.
        remainder = view_key(dimension, "")

        def safe(block: list[str], remainder: str = remainder, members: list[str] = members) -> bool:
            # What a reader gets by taking the visible segments from the whole.
            size = max(n(TOTAL) - sum(n(k) for k in members if k not in block), 0.0)
            if size == 0:
                return True
            members_nonzero = sum(1 for k in block if n(k) > 0) + (n(remainder) > 0)
            moved = sum(changed(at_release.get(k), now.get(k, {})) for k in [*block, remainder])
            return size >= minimum and members_nonzero >= 2 and (moved == 0 or moved >= minimum)

        while not safe([k for k in members if k in hidden]):
            candidates = sorted((n(k), k) for k in members if k not in hidden)
            if not candidates:
                break
            hidden.add(candidates[0][1])
    return hidden


class Release:
    """The linked cells of one scope: visible views, one block per dimension, remainders, systems."""

    def __init__(self, families: dict[str, dict[str, float]], hidden_views: set[str], minimum: int, *,
                 segments: bool = True):
        self.minimum = minimum
        self.names = sorted(families.get(TOTAL, {}))
        self.values: dict[Cell, float] = {}
        self.blocks: set[str] = set()
        self.fixed: set[str] = set()  # what the parts of a split leave of the whole: 0, or negative if they overlap
        self.hidden_units: set[str] = set()
        self.partitions: list[list[str]] = []
        self.subsets: list[str] = []
        self._unit(TOTAL, families.get(TOTAL, {}))
        for dimension, vocabulary in (PARTITIONS.items() if segments else ()):
            parts = []
            members = [view_key(dimension, code) for code in vocabulary]
            block = [k for k in members if k in hidden_views]
            for key in members:
                if key not in hidden_views:
                    self._unit(key, families.get(key, {}))
                    parts.append(key)
            # The block: the hidden segments and the establishments without a value, which no reader can tell
            # apart (what the whole leaves once the visible segments are taken away).
            # Its figures are what the whole leaves once the visible segments are taken away.
            left = {name: max(self.values[(TOTAL, name)] - sum(self.values[(u, name)] for u in parts), 0.0)
                    for name in self.names}
            if block or any(left.values()):
                key = view_key(dimension, BLOCK)
                self._unit(key, left)
                self.blocks.add(key)
                self.hidden_units.add(key)
                parts.append(key)
            self._remainder(view_key(dimension, ""), parts)
        for key in (subset_keys() if segments else ()):
            # A hidden system's segment is tied to nothing but the whole (it holds no more than it), so a reader
            # can always take its cells to be 0 or as large as the whole's: it needs no audit, and leaving it out
            # changes no other cell's interval. A visible one splits the whole in two: with the system, and
            # without it (hidden, a block of its own). The recent voices are such a part of the whole too.
            if key not in hidden_views:
                self._unit(key, families.get(key, {}))
                self.subsets.append(key)
                others = key + BLOCK
                self._unit(others, {name: max(0.0, self.values[(TOTAL, name)] - self.values[(key, name)])
                                    for name in self.names})
                self.blocks.add(others)
                self.hidden_units.add(others)
                self._remainder(key + "-", [key, others])
        self.units = list(dict.fromkeys([TOTAL] + [u for parts in self.partitions for u in parts] + self.subsets))

    def _remainder(self, key: str, parts: list[str]) -> None:
        """What the parts leave of the whole, family by family: 0 where they split it exactly, negative where
        they overlap (a voice-level answer, several voices), which turns the equality into bounds."""
        self._unit(key, {name: self.values[(TOTAL, name)] - sum(self.values[(u, name)] for u in parts)
                         for name in self.names})
        self.fixed.add(key)
        self.partitions.append([*parts, key])

    def _unit(self, key: str, values: dict[str, float]) -> None:
        for name in self.names:
            self.values[(key, name)] = float(values.get(name, 0.0))

    def relations(self, names: Iterable[str]) -> list[Relation]:
        """Every relation among these families that the true figures satisfy (a reader may know them all)."""
        names = set(names)
        out = []
        for name in sorted(names):
            total = self.values[(TOTAL, name)]
            for parts in self.partitions:
                remainder, segments = parts[-1], parts[:-1]
                if self.values[(remainder, name)] >= -EPSILON:  # the segments split the whole
                    out.append(Relation((((TOTAL, name), 1.0), *(((u, name), -1.0) for u in parts)), True))
                    continue
                # Segments that overlap (a voice-level answer, several voices): the whole is no more than their
                # sum, and each is no more than the whole.
                out.append(Relation((((TOTAL, name), 1.0), *(((u, name), -1.0) for u in segments)), False))
                out += [Relation((((u, name), 1.0), ((TOTAL, name), -1.0)), False)
                        for u in segments if self.values[(u, name)] <= total + EPSILON]
            out += [Relation((((u, name), 1.0), ((TOTAL, name), -1.0)), False)
                    for u in self.subsets if self.values[(u, name)] <= total + EPSILON]
            bound = bounded_by(name)
            if bound is not None and bound in names:
                out += [Relation((((u, name), 1.0), ((u, bound), -1.0)), False) for u in self.units
                        if self.values[(u, name)] <= self.values[(u, bound)] + EPSILON]
        stages = sorted(n for n in names if n.startswith("stage:"))
        if stages and "n" in names:
            out += [Relation((((u, "n"), 1.0), *(((u, s), -1.0) for s in stages)), True) for u in self.units
                    if abs(self.values[(u, "n")] - sum(self.values[(u, s)] for s in stages)) < EPSILON]
        return out


def protect(families: dict[str, dict[str, float]], hidden_views: set[str], minimum: int, *,
            segments: bool = True, forced_cells: frozenset[Cell] = frozenset()) -> Protection:
    """Choose the hidden cells of the visible views and audit the whole release (`segments`: False for a scope
    published as a whole only, such as the platform's; `forced_cells`: hidden for reasons found outside the
    scope, with whatever else hiding them needs)."""
    hidden_views = set(hidden_views)
    for _ in range(8):
        result = _protect_once(families, hidden_views, minimum, segments, forced_cells)
        if not result.breaches:
            return result
        grown = set(hidden_views)
        for breach in result.breaches:
            unit = breach.cell[0]
            if unit == TOTAL:
                return _protect_once(families, {TOTAL} | hidden_views, minimum, segments, forced_cells)
            dimension, _, value = unit.partition("=")
            if value != BLOCK and value.endswith(BLOCK):  # those outside a part of the whole: the part goes
                grown.add(unit[:-len(BLOCK)])
            elif value != BLOCK:
                grown.add(unit)
            else:  # the block is too revealing: one more segment goes into it
                candidates = sorted((families.get(k, {}).get("n", 0.0), k) for k in
                                    (view_key(dimension, code) for code in PARTITIONS[dimension]) if k not in grown)
                if candidates:
                    grown.add(candidates[0][1])
        if grown == hidden_views:
            break
        hidden_views = grown
    # Whatever still discloses something cannot be mended by hiding more of the scope piecemeal: the scope
    # is then hidden whole in this release (a release never goes out with a disclosure the audit found).
    return _protect_once(families, {TOTAL} | hidden_views, minimum, segments, forced_cells)


def _protect_once(families: dict[str, dict[str, float]], hidden_views: set[str], minimum: int,
                  segments: bool, forced_cells: frozenset[Cell] = frozenset()) -> Protection:
    result = Protection(hidden_views=set(hidden_views))
    if TOTAL in hidden_views:
        return result
    release = Release(families, hidden_views, minimum, segments=segments)
    hidden: set[Cell] = {(u, name) for u in release.hidden_units for name in release.names}
    hidden |= {cell for cell in forced_cells if cell in release.values and cell[0] not in release.fixed}
    groups = family_groups(release.names)
    for context, decided in groups:
        result.breaches += _protect_group(release, context, decided, hidden, result)
    result.hidden_cells = {cell for cell in hidden if cell[0] not in release.hidden_units
                           and cell[0] not in release.fixed}
    result.cells = len(release.values)
    return result


def family_groups(names: list[str]) -> list[tuple[list[str], list[str]]]:
    """The families audited together: each with the counts it is tied to (its context), and those it decides."""
    stages = [n for n in names if n.startswith("stage:")]
    # Each family is audited with the counts it is tied to: the establishments, its base (the stopped for the
    # reasons for stopping, those who answered for a share's "yes"), decided before it.
    groups: list[tuple[list[str], list[str]]] = [(["n", *stages], stages)]
    for name in sorted(n for n in names if n != "n" and not n.startswith(("stage:", "shk:"))):
        if name.startswith("shn:"):
            # A share is one cell: those who answered and those who said yes are shown or hidden together.
            yes = "shk:" + name[4:]
            groups.append((["n", name, yes], [name, yes]))
            continue
        context = ["n", name]
        base = base_of(name)
        if base and base not in context:
            context.append(base)
        if name.startswith("stop:"):
            context += [s for s in stages if s not in context]
        groups.append((context, [name]))
    return groups


def _tie(release: Release, decided: list[str], hidden: set[Cell]) -> None:
    """Families shown as one cell (a share: who answered, who said yes) are hidden together."""
    if len(decided) != 2 or not decided[0].startswith("shn:"):
        return
    for unit in release.units:
        if (unit, decided[0]) in hidden or (unit, decided[1]) in hidden:
            hidden |= {(unit, decided[0]), (unit, decided[1])}


def _protect_group(release: Release, context: list[str], decided: list[str], hidden: set[Cell],
                   result: Protection) -> list[Breach]:
    _primary(release, decided, hidden)
    relations = release.relations(context)
    decided_set = set(decided)
    bases = {name: base_of(name) for name in decided}
    integral = {name for name in context if not name.startswith("shk:")}

    nobody = all(release.values[(u, name)] < EPSILON for u in release.units for name in decided)

    def audit() -> list[Breach]:
        if nobody:
            return []  # no establishment in any cell: every cell is 0, which says nothing of anyone
        unknown = {c for c in release.values if c[1] in context and c in hidden}
        targets = sorted(c for c in unknown if c[1] in decided_set)
        if not any(checks(targets, release.values, release.minimum, blocks=release.blocks, integral=integral,
                          bases=bases)):
            return []
        program = Program(relations, release.values, unknown)
        found = audit_cells(program, targets, release.values, release.minimum, blocks=release.blocks,
                            integral=integral, bases=bases)
        result.programs += program.solves
        return found

    for _ in range(40):
        _complementary(release, relations, decided_set, hidden)
        _tie(release, decided, hidden)
        breaches = audit()
        if not breaches:
            return []
        grew = False
        for breach in breaches:
            grew |= _hide_neighbour(release, relations, breach.cell, hidden)
        if not grew:
            break
    # Nothing left to hide next to the disclosed cells: the family is hidden everywhere; what the audit still
    # finds then comes from the views' own counts, and those views are hidden whole (see `protect`).
    hidden |= {c for c in release.values if c[1] in decided_set and c[0] not in release.fixed}
    return audit()


def _primary(release: Release, decided: list[str], hidden: set[Cell]) -> None:
    m = release.minimum
    for unit in release.units:
        if unit in release.hidden_units or unit in release.fixed:
            continue
        for name in decided:
            value = release.values[(unit, name)]
            base = base_of(name)
            small = EPSILON < value < m - EPSILON
            if base is not None:
                if (unit, base) in hidden:
                    small = True
                else:
                    rest = release.values[(unit, base)] - value
                    small = small or EPSILON < rest < m - EPSILON
            if small:
                hidden.add((unit, name))


def _complementary(release: Release, relations: list[Relation], decided: set[str], hidden: set[Cell]) -> None:
    """Every equality with a hidden cell hides at least two, holding the minimum together (or nothing)."""
    m = release.minimum
    grew = True
    while grew:
        grew = False
        for relation in relations:
            if not relation.equal:
                continue
            cells = [c for c, _ in relation.terms if c[1] in decided and c[0] not in release.fixed]
            hidden_here = [c for c in cells if c in hidden]
            if any(c[0] not in release.blocks for c in hidden_here):
                # Zeros go with the cells hidden for their value: were zeros always shown, a reader would know
                # that every hidden cell holds at least one establishment.
                zeros = [c for c in cells if c not in hidden and release.values[c] < EPSILON]
                hidden.update(zeros)
                hidden_here += zeros
                grew = grew or bool(zeros)
            while hidden_here:
                mass = sum(release.values[c] for c in hidden_here)
                enough = mass >= m - EPSILON or mass < EPSILON
                if enough and (len(hidden_here) >= 2 or all(c[0] in release.blocks for c in hidden_here)):
                    break  # a block is a group of segments: known as a whole, it tells nothing of one
                visible = [c for c in cells if c not in hidden]
                if len(hidden_here) >= 2:  # enough cells, too little in them: the smallest that adds some
                    visible = [c for c in visible if release.values[c] > EPSILON] or visible
                if not visible:
                    break
                cell = min(visible, key=lambda c: (c[0] == TOTAL, release.values[c], c))
                hidden.add(cell)
                hidden_here.append(cell)
                grew = True


def _hide_neighbour(release: Release, relations: list[Relation], cell: Cell, hidden: set[Cell]) -> bool:
    """Hide the smallest visible cell of the same family that shares an equality with a disclosed cell."""
    candidates = set()
    for relation in relations:
        cells = [c for c, _ in relation.terms]
        if cell in cells:
            candidates |= {c for c in cells if c[1] == cell[1] and c not in hidden and c[0] not in release.fixed}
    if not candidates:
        return False
    choice = min(candidates, key=lambda c: (c[0] == TOTAL, release.values[c] < EPSILON, release.values[c], c))
    hidden.add(choice)
    return True
