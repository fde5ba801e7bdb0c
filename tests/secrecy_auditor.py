"""An attacker's audit of a visitor release, written apart from the platform's own protection code.

From the cards a visitor can download (every view of a scope) and the exact figures (the analysts' view), it
sets up the linear system a reader can use: each segment dimension splitting the establishments adds up to the
whole, the stages add up to the establishments, a code is cited by no more establishments than the view holds,
a system's segment (and the view of the reports of the last 12 months) holds no more than the whole. It then
asks a linear-programming solver (scipy's HiGHS) for the least and greatest value of every hidden count, and
of its complement, given every visible count. A breach is a hidden count that is pinned to a non-zero value or
proven to lie between 1 and the minimum minus one, or whose complement is.

Segments hidden whole in one dimension are interchangeable to a reader (each is tied only to its own
dimension's sum and to its own counts): whatever the group of them can hold, any one of them can hold it
all, or nothing. The audit therefore reasons on the group of hidden segments of each dimension, whose
intervals bound every member's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from app import questionnaire as q
from app import vocabulary as v

PARTITIONS = {"type": v.ESTABLISHMENT_TYPES, "sector": v.SECTORS, "size_class": v.SIZE_CLASSES,
              "region": v.REGIONS, "hosting": q.REPORT_HOSTING}
SYSTEMS = q.REPORT_SYSTEMS
RECENT = "period=12m"
LISTS = {"prerequisites_met": q.PREREQUISITES, "prerequisites_missing": q.PREREQUISITES,
         "difficulties": q.DIFFICULTIES}
MEAN_CELLS = ("sus", "nps", "months_to_golive", "integration_effort")
# An establishment's "yes" is the mean of its voices (1, 1/2, 1/3, 1/4…): a count of "yes" is a multiple of 1/12
# for up to four voices, which the share given to three decimals, times its n, gives back exactly (n < 80).
TWELFTHS = 12
ROUNDING = 1e-6


def counts(card: dict) -> dict[str, float | None]:
    """The counts of establishments a card states (None: hidden)."""
    def shown(cell: dict) -> bool:
        return not cell["suppressed"]

    out: dict[str, float | None] = {"n": card["establishments"]["value"]}
    for row in card["stages"]:
        out[f"stage:{row['stage']}"] = row["value"] if shown(row) else None
    for key, vocabulary in LISTS.items():
        rows = {row["code"]: row for row in card[key]}
        for code in vocabulary:
            row = rows.get(code)
            out[f"{key}:{code}"] = 0.0 if row is None else (row["count"] if shown(row) else None)
    rows = {row["code"]: row for row in card["stop_reasons"]}
    for code in q.STOP_REASONS:
        row = rows.get(code)
        out[f"stop:{code}"] = 0.0 if row is None else (row["count"] if shown(row) else None)
    means = {**{f"rating_{k}": c for k, c in card["ratings"].items()}, **{k: card[k] for k in MEAN_CELLS}}
    for name, cell in means.items():
        out[f"answered:{name}"] = (cell["n"] or 0) if shown(cell) else None
    shares = {"again": card["choose_again"], **{f"gov_{k}": c for k, c in card["governance"].items()}}
    for name, cell in shares.items():
        visible = shown(cell)
        out[f"asked:{name}"] = (cell["n"] or 0) if visible else None
        if not visible:
            out[f"yes:{name}"] = None
        elif "k" in cell:  # the exact count, when the truth is handed over
            out[f"yes:{name}"] = cell["k"]
        else:
            out[f"yes:{name}"] = round(cell["value"] * cell["n"] * TWELFTHS) / TWELFTHS if cell["value"] is not None \
                else 0.0
    for unit, cells in card["time_saved"].items():
        out[f"timed:{unit}"] = (cells["median"]["n"] or 0) if shown(cells["median"]) else None
    old = card["freshness"]["older_18m"]  # establishments whose latest report is older than 18 months
    out["old"] = None if not shown(old) else 0.0 if old["value"] is None else float(round(old["value"] * old["n"]))
    return out


def _base(family: str) -> str | None:
    if family.split(":")[0] in LISTS or family == "old":
        return "n"
    if family.startswith("stop:"):
        return "stage:stopped"
    if family.startswith("yes:"):
        return "asked:" + family[4:]
    return None


def _bound(family: str) -> str | None:
    if family == "n" or family.startswith("stage:"):
        return None
    return _base(family) or "n"


def audit(visitor: dict[str, dict], exact: dict[str, dict], minimum: int) -> list[tuple[str, str, str]]:
    """Breaches found in a scope's release: (view, count, kind)."""
    total_card = visitor["-"]
    if total_card["suppressed"]:
        return []
    seen = {key: counts(card) for key, card in visitor.items() if not card["suppressed"]}
    truth_by_view = {key: counts(card) for key, card in exact.items()}
    families = sorted(seen["-"])
    units: dict[str, dict[str, float]] = {}    # true values
    known: dict[str, dict[str, float | None]] = {}
    sums: list[tuple[list[str], str]] = []      # (parts, "eq" | "le")
    for key in seen:
        units[key] = {f: float(truth_by_view[key][f] or 0) for f in families}
        # What a visitor sees is the truth (up to rounding): the auditor takes it exact, as a stronger reader.
        known[key] = {f: (units[key][f] if seen[key][f] is not None else None) for f in families}
    for dimension, vocabulary in PARTITIONS.items():
        parts = [f"{dimension}={code}" for code in vocabulary if f"{dimension}={code}" in seen]
        hidden = [f"{dimension}={code}" for code in vocabulary if f"{dimension}={code}" not in seen]
        group = f"{dimension}=hidden"
        units[group] = {f: sum(float(truth_by_view.get(k, {}).get(f) or 0) for k in hidden) for f in families}
        # What the segments leave of the whole: establishments without a value, which a reader cannot tell from
        # the hidden segments (one group with them); negative where segments overlap (several voices).
        left = {f: units["-"][f] - sum(units[p][f] for p in parts) - units[group][f] for f in families}
        units[group] = {f: units[group][f] + max(left[f], 0.0) for f in families}
        if hidden or any(left[f] > 0 for f in families):
            known[group] = dict.fromkeys(families)
            parts.append(group)
        else:
            del units[group]
        rest = f"{dimension}=rest"
        units[rest] = {f: units["-"][f] - sum(units[p][f] for p in parts) for f in families}
        known[rest] = dict(units[rest])
        sums.append((parts, rest))
    # Each system's segment, and the reports of the last 12 months: parts of the whole, with the rest by difference.
    systems = [key for key in [*(f"system={code}" for code in SYSTEMS), RECENT] if key in seen]
    for system in systems:
        # A system's segment and the whole: those without the system, by difference.
        others, rest = f"{system}/others", f"{system}/rest"
        units[others] = {f: max(units["-"][f] - units[system][f], 0.0) for f in families}
        known[others] = dict.fromkeys(families)
        units[rest] = {f: units["-"][f] - units[system][f] - units[others][f] for f in families}
        known[rest] = dict(units[rest])
        sums.append(([system, others], rest))
    breaches = []
    for family in families:
        group = ["n", family]
        if _base(family):
            group.append(_base(family))
        if family.startswith(("stop:", "stage:")):
            group += [f for f in families if f.startswith("stage:")]
        breaches += _audit_group(sorted(set(group)), family, units, known, sums, systems, minimum)
    return breaches


def _audit_group(group: list[str], family: str, units, known, sums, systems, minimum) -> list[tuple[str, str, str]]:
    cells = [(u, f) for u in units for f in group]
    unknown = [c for c in cells if known[c[0]].get(c[1]) is None]
    index = {c: i for i, c in enumerate(unknown)}
    if not any(c[1] == family for c in unknown):
        return []

    def value(cell):
        return units[cell[0]][cell[1]]

    equal_rows, equal_rhs, upper_rows, upper_rhs = [], [], [], []

    def relation(terms: Iterable[tuple[tuple[str, str], float]], equal: bool) -> None:
        terms = list(terms)
        row, constant = np.zeros(len(unknown)), 0.0
        for cell, coefficient in terms:
            if cell in index:
                row[index[cell]] += coefficient
            else:
                constant += coefficient * float(known[cell[0]][cell[1]])
        if not row.any():
            return
        (equal_rows if equal else upper_rows).append(row)
        (equal_rhs if equal else upper_rhs).append(-constant)

    for f in group:
        for parts, rest in sums:
            terms = [(("-", f), 1.0)] + [((p, f), -1.0) for p in parts]
            if value((rest, f)) >= -1e-9:  # the segments and what they leave split the whole
                relation(terms + [((rest, f), -1.0)], True)
                continue
            relation(terms, False)  # overlapping segments
            for p in parts:
                if value((p, f)) <= value(("-", f)) + 1e-9:
                    relation([((p, f), 1.0), (("-", f), -1.0)], False)
        for s in systems:
            if value((s, f)) <= value(("-", f)) + 1e-9:
                relation([((s, f), 1.0), (("-", f), -1.0)], False)
        bound = _bound(f)
        if bound in group:
            for u in units:
                if value((u, f)) <= value((u, bound)) + 1e-9:  # (a difference of two views may not obey it)
                    relation([((u, f), 1.0), ((u, bound), -1.0)], False)
    stages = [f for f in group if f.startswith("stage:")]
    if stages:
        for u in units:
            if abs(value((u, "n")) - sum(value((u, s)) for s in stages)) < 1e-9:
                relation([((u, "n"), 1.0)] + [((u, s), -1.0) for s in stages], True)

    solver = _Solver(len(unknown), equal_rows, equal_rhs, upper_rows, upper_rhs)

    def solve(objective: dict[tuple[str, str], float], maximise: bool) -> tuple[float, np.ndarray | None]:
        cost, constant = np.zeros(len(unknown)), 0.0
        for cell, coefficient in objective.items():
            if cell in index:
                cost[index[cell]] += coefficient
            else:
                constant += coefficient * float(known[cell[0]][cell[1]])
        if not cost.any():
            return constant, None
        best, point = solver.optimum(cost, maximise)
        return constant + best, point

    def at(point, cell):
        return point[index[cell]] if cell in index else float(known[cell[0]][cell[1]])

    # What each hidden cell must be shown able to do: reach a value (the minimum, or one more than itself) or,
    # for a complement, reach the minimum. One program for the sum of all of them settles most at once.
    whole = not family.startswith("yes:")
    base = _base(family)
    wanted: dict[tuple[str, tuple[str, str]], float] = {}
    for cell in unknown:
        if cell[1] != family or cell[0].endswith(("=rest", "/rest")):
            continue
        truth = value(cell)
        if truth < minimum:
            wanted[("cell", cell)] = minimum - 1e-6
        elif not cell[0].endswith(("=hidden", "/others")):
            wanted[("cell", cell)] = truth + (1 if whole else 1e-6) - 1e-6
        if base and value((cell[0], base)) - truth < minimum:
            wanted[("complement", cell)] = minimum - 1e-6

    def objective(check):
        kind, cell = check
        return {cell: 1.0} if kind == "cell" else {(cell[0], base): 1.0, cell: -1.0}

    total: dict[tuple[str, str], float] = {}
    for check in wanted:
        for cell, c in objective(check).items():
            total[cell] = total.get(cell, 0.0) + c
    settled = set()
    if wanted:
        _, point = solve(total, True)
        if point is not None:
            settled = {check for check, threshold in wanted.items()
                       if sum(c * at(point, cell) for cell, c in objective(check).items()) >= threshold}

    breaches = []
    for check, threshold in wanted.items():
        if check in settled:
            continue
        kind, cell = check
        high, _ = solve(objective(check), True)
        if high >= threshold:
            continue
        if _small(high, minimum, whole):
            breaches.append((cell[0], family, "below_minimum" if kind == "cell" else "complement"))
        elif kind == "cell" and value(cell) >= minimum:
            low, _ = solve({cell: 1.0}, False)
            if (math.floor(high + 1e-6) == math.ceil(low - 1e-6)) if whole else high - low < ROUNDING:
                breaches.append((cell[0], family, "exact"))
    return breaches


class _Solver:
    """The reader's linear program, solved by HiGHS (the solver scipy's linprog uses), kept loaded between the
    objectives of one group."""

    def __init__(self, columns: int, equal_rows, equal_rhs, upper_rows, upper_rhs):
        import highspy

        self.highspy = highspy
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        rows = list(equal_rows) + list(upper_rows)
        lower = list(equal_rhs) + [-highspy.kHighsInf] * len(upper_rows)
        upper = list(equal_rhs) + list(upper_rhs)
        self.highs.addVars(columns, np.zeros(columns), np.full(columns, 1e7))
        for row, low, high in zip(rows, lower, upper, strict=True):
            nonzero = np.flatnonzero(row)
            self.highs.addRow(low, high, len(nonzero), nonzero.astype(np.int32), row[nonzero])
        self.columns = np.arange(columns, dtype=np.int32)

    def optimum(self, cost: np.ndarray, maximise: bool) -> tuple[float, np.ndarray]:
        highspy = self.highspy
        self.highs.changeColsCost(len(cost), self.columns, cost)
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize)
        self.highs.run()
        assert self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal, self.highs.getModelStatus()
        return self.highs.getInfo().objective_function_value, np.array(self.highs.getSolution().col_value)


def _small(high: float, minimum: int, whole: bool) -> bool:
    if math.isinf(high):
        return False
    if whole:
        return 1 <= math.floor(high + 1e-6) <= minimum - 1
    return ROUNDING < high < minimum - ROUNDING


# Counts of ethics alerts ------------------------------------------------------------------------------

def alert_counts(card: dict) -> dict[str, float | None]:
    """The counts of establishments an alert table states (None: hidden)."""
    out: dict[str, float | None] = {"n": None if card["establishments"]["suppressed"] else
                                    card["establishments"]["value"]}
    for row in card["categories"]:
        out[f"cat:{row['code']}"] = None if row["suppressed"] else row["value"]
    return out


def audit_alert_tables(tables: dict[str, dict], truth: dict[str, dict[str, float]], minimum: int,
                       parts: dict[str, list[str]] | None = None) -> list[tuple[str, str, str]]:
    """Breaches in linked alert tables: (table, count, kind).

    `tables`: each table as a visitor reads it; `truth`: its exact counts; `parts`: a table that is the union of
    others (a category of its solutions). A reader knows, in each table, that a category holds no more
    establishments than the whole and the whole no more than the categories together; for a union, that each
    part's count is no more than the union's and the union's no more than the parts' together. Every hidden count
    is then maximised and minimised with scipy's linprog (HiGHS). A union's count pinned at the minimum or more by
    its visible parts tells of no small group: only its small values and small complements are breaches."""
    from scipy.optimize import linprog

    names = list(next(iter(truth.values())))
    seen = {table: alert_counts(card) for table, card in tables.items()}
    unknown = [(t, f) for t in tables for f in names if seen[t][f] is None]
    index = {cell: i for i, cell in enumerate(unknown)}
    rows, rhs = [], []

    def at_most(left: list[tuple[str, str]], right: list[tuple[str, str]]) -> None:
        """sum(left) ≤ sum(right)."""
        row, constant = np.zeros(len(unknown)), 0.0
        for cell, sign in [*((c, 1.0) for c in left), *((c, -1.0) for c in right)]:
            if cell in index:
                row[index[cell]] += sign
            else:
                constant += sign * float(seen[cell[0]][cell[1]])
        if row.any():
            rows.append(row)
            rhs.append(-constant)

    for table in tables:
        categories = [(table, f) for f in names if f != "n"]
        for cell in categories:
            at_most([cell], [(table, "n")])
        at_most([(table, "n")], categories)
    for union, members in (parts or {}).items():
        for f in names:
            for member in members:
                at_most([(member, f)], [(union, f)])
            at_most([(union, f)], [(member, f) for member in members])
    breaches = []
    if not unknown:
        return breaches

    def extreme(objective: dict[tuple[str, str], float], maximise: bool) -> float:
        cost, constant = np.zeros(len(unknown)), 0.0
        for cell, c in objective.items():
            if cell in index:
                cost[index[cell]] += c
            else:
                constant += c * float(seen[cell[0]][cell[1]])
        result = linprog(-cost if maximise else cost, A_ub=np.array(rows) if rows else None,
                         b_ub=np.array(rhs) if rhs else None, bounds=[(0, 1e7)] * len(unknown), method="highs")
        assert result.status == 0, result.message
        return constant + (-result.fun if maximise else result.fun)

    for table, family in unknown:
        true = truth[table][family]
        high = extreme({(table, family): 1.0}, True)
        if _small(high, minimum, True):
            breaches.append((table, family, "below_minimum"))
        elif table not in (parts or {}) and true >= minimum and \
                math.floor(high + 1e-6) == math.ceil(extreme({(table, family): 1.0}, False) - 1e-6):
            breaches.append((table, family, "exact"))
        if family != "n":
            rest = extreme({(table, "n"): 1.0, (table, family): -1.0}, True)
            if _small(rest, minimum, True):
                breaches.append((table, family, "complement"))
    return breaches
