"""The interval audit: what a reader can deduce about each hidden cell from everything visible.

The cells of a release are tied by linear relations (a total is the sum of its segments, the stages add up
to the establishments, a code is cited by no more establishments than answered…). For each hidden cell the
audit solves two small linear programs, the least and the greatest value the cell can take given every
visible cell and every relation, as τ-Argus and sdcTable do. A hidden cell is disclosed when a reader can
pin it to one value (a group of hidden cells, a *block*, may be known as a whole), or prove it lies between
1 and the minimum minus one, or prove the same of its complement (those who did not cite a code).
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import highspy
import numpy as np

EPSILON = 1e-6
CAP = 1e7

Cell = tuple[str, str]  # (unit, family)


@dataclass(frozen=True)
class Relation:
    """sum(coefficient × cell) = 0 (equal) or ≤ 0."""

    terms: tuple[tuple[Cell, float], ...]
    equal: bool


@dataclass(frozen=True)
class Breach:
    cell: Cell
    kind: str  # "exact", "below_minimum", "complement"
    low: float
    high: float


_local = threading.local()


def _solver() -> highspy.Highs:
    """One solver per thread, made once: the library prints its banner on stdout when an instance is made,
    which would end up in the commands' output (a JSON document, say)."""
    solver = getattr(_local, "solver", None)
    if solver is None:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                solver = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        solver.setOptionValue("output_flag", False)
        _local.solver = solver
    return solver


class Program:
    """The linear system of a group of families, with the visible cells fixed at their values."""

    def __init__(self, relations: Iterable[Relation], values: dict[Cell, float], unknown: set[Cell]):
        self.columns = sorted(unknown)
        self.index = {cell: i for i, cell in enumerate(self.columns)}
        starts, indices, coefficients, lower, upper = [0], [], [], [], []
        for relation in relations:
            constant, row = 0.0, {}
            for cell, coefficient in relation.terms:
                if cell in self.index:
                    row[self.index[cell]] = row.get(self.index[cell], 0.0) + coefficient
                else:
                    constant += coefficient * values[cell]
            row = {i: c for i, c in row.items() if c}
            if not row:
                continue
            indices += list(row)
            coefficients += list(row.values())
            starts.append(len(indices))
            lower.append(-constant if relation.equal else -highspy.kHighsInf)
            upper.append(-constant)
        self.solves = 0
        self.highs = _solver()
        self.highs.clearModel()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.columns), len(lower)
        lp.col_cost_ = np.zeros(len(self.columns))
        lp.col_lower_ = np.zeros(len(self.columns))
        # A cap far above any count keeps every program bounded, so that each solve gives a point to reuse.
        lp.col_upper_ = np.full(len(self.columns), CAP)
        lp.row_lower_, lp.row_upper_ = np.array(lower, dtype=float), np.array(upper, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(coefficients, dtype=float)
        self.highs.passModel(lp)
        self._all = np.arange(len(self.columns), dtype=np.int32)

    def extreme(self, objective: dict[Cell, float], values: dict[Cell, float], maximise: bool) -> float:
        """The greatest (or least) value of sum(coefficient × cell) over what a reader cannot rule out."""
        return self.solve(objective, values, maximise)[0]

    def solve(self, objective: dict[Cell, float], values: dict[Cell, float], maximise: bool
              ) -> tuple[float, np.ndarray | None]:
        """The optimum and the point reaching it (None when the objective has no unknown cell)."""
        constant, cost = 0.0, np.zeros(len(self.columns))
        for cell, coefficient in objective.items():
            if cell in self.index:
                cost[self.index[cell]] += coefficient
            else:
                constant += coefficient * values[cell]
        if not cost.any():
            return constant, None
        self.highs.changeColsCost(len(self.columns), self._all, cost)
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize)
        self.highs.run()
        self.solves += 1
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"secrecy audit: unexpected solver status {status}")
        return constant + self.highs.getInfo().objective_function_value, np.array(self.highs.getSolution().col_value)

    def value(self, point: np.ndarray, cell: Cell, values: dict[Cell, float]) -> float:
        return float(point[self.index[cell]]) if cell in self.index else values[cell]


def checks(targets: Iterable[Cell], values: dict[Cell, float], minimum: int, *, blocks: set[str], integral: set[str],
           bases: dict[str, str | None]) -> tuple[dict[tuple[str, Cell], float], dict[Cell, float]]:
    """What must be shown of each hidden cell: a value the cell (or its complement) can reach (`up`), or one
    it can go down to (`down`, for a cell that must not be pinned)."""
    up: dict[tuple[str, Cell], float] = {}
    down: dict[Cell, float] = {}
    for cell in targets:
        unit, family = cell
        true = values[cell]
        step = 1.0 if family in integral else 2 * EPSILON
        if true < minimum - EPSILON:
            up[("cell", cell)] = minimum - EPSILON  # reaching the minimum also shows it is not pinned
        elif unit not in blocks:
            up[("cell", cell)] = true + step - EPSILON
            down[cell] = true - step + EPSILON
        base = bases.get(family)
        if base is not None and values[(unit, base)] - true < minimum - EPSILON:
            up[("complement", cell)] = minimum - EPSILON
    return up, down


def audit_cells(program: Program, targets: Iterable[Cell], values: dict[Cell, float], minimum: int, *,
                blocks: set[str], integral: set[str], bases: dict[str, str | None]) -> list[Breach]:
    """The hidden cells (`targets`) that a reader can pin down or prove small.

    Each check asks for one feasible point beyond a threshold: a cell that can reach the minimum, a cell that
    can move by one from its true value, a complement that can reach the minimum. Points found for the sum of
    many pending cells settle most checks at once; what remains is solved cell by cell.
    """
    up, down = checks(targets, values, minimum, blocks=blocks, integral=integral, bases=bases)

    def objective(check: tuple[str, Cell]) -> dict[Cell, float]:
        kind, cell = check
        return {cell: 1.0} if kind == "cell" else {(cell[0], bases[cell[1]]): 1.0, cell: -1.0}

    def reached(check: tuple[str, Cell], point: np.ndarray) -> float:
        return sum(c * program.value(point, cell, values) for cell, c in objective(check).items())

    settled: set[tuple[str, Cell]] = set()
    quiet: set[tuple[str, Cell]] = set()  # proven 0: a statement about a whole group, not a disclosure

    def lift(pending: list[tuple[str, Cell]]) -> float:
        """One program for the sum of many checks: each check its point passes is settled."""
        total: dict[Cell, float] = {}
        for check in pending:
            for cell, c in objective(check).items():
                total[cell] = total.get(cell, 0.0) + c
        best, point = program.solve(total, values, maximise=True)
        if point is not None:
            settled.update(check for check in pending if reached(check, point) >= up[check])
        return best

    def zeros(pending: list[tuple[str, Cell]]) -> None:
        """Group testing: a greatest sum that proves every check of the group 0 (each is no more than the
        sum) settles them all; a larger one settles some, and the rest is split. A sum below 1 proves 0 only
        where every check counts whole establishments: a count of "yes" (a mean of voices), or a complement
        of one, can be 1/2, which `_small` reports."""
        if len(pending) <= 2:
            return
        best = lift(pending)
        left = [check for check in pending if check not in settled]
        nothing = 1 - EPSILON if all(check[1][1] in integral for check in pending) else EPSILON
        if best < nothing:
            quiet.update(left)
        elif len(left) < len(pending):
            zeros(left)
        else:
            zeros(left[:len(left) // 2])
            zeros(left[len(left) // 2:])

    for _ in range(3):
        pending = [check for check in up if check not in settled]
        if not pending or (lift(pending), len([c for c in pending if c not in settled]))[1] == len(pending):
            break
    # Cells that cannot rise may still fall: one program for the sum of those left shows most of them movable.
    falling = [check[1] for check in up if check not in settled and check[0] == "cell" and check[1] in down]
    if falling:
        _, point = program.solve(dict.fromkeys(falling, 1.0), values, maximise=False)
        if point is not None:
            settled.update(("cell", cell) for cell in falling if program.value(point, cell, values) <= down[cell])
    # Only checks that cannot be negative go into a group: a complement whose cell exceeds its base (segments
    # that overlap, several voices) has no relation keeping it at 0 or more, and would offset the others.
    zeros([check for check in up if check not in settled and check[1] not in down
           and sum(c * values[cell] for cell, c in objective(check).items()) >= -EPSILON])
    breaches = []
    for check, threshold in up.items():
        kind, cell = check
        if check in settled or check in quiet:
            continue
        high, point = program.solve(objective(check), values, maximise=True)
        if high >= threshold:
            continue
        whole = cell[1] in integral
        if kind == "complement":
            if _small(high, minimum, whole):
                breaches.append(Breach(cell, "complement", math.nan, high))
            continue
        if _small(high, minimum, whole):
            breaches.append(Breach(cell, "below_minimum", math.nan, high))
            continue
        if cell in down:
            low = program.extreme({cell: 1.0}, values, maximise=False)
            if low > down[cell]:
                breaches.append(Breach(cell, "exact", low, high))
    return breaches


def _small(high: float, minimum: int, whole: bool) -> bool:
    """Provably between 1 and the minimum minus one (a value proven to be 0 is a statement about a group)."""
    if math.isinf(high):
        return False
    if whole:
        bound = math.floor(high + EPSILON)
        return 1 <= bound <= minimum - 1
    return EPSILON < high < minimum - EPSILON
