"""The cells of the statistics: a figure with the establishments it rests on, its interval and whether it may be
shown. Analysts' live figures (`stats`) and visitors' releases (`releases`, `disclosure`) are both made of them."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import current_app
from scipy.stats import t as student_t

from app.services.secrecy import share_is_safe

SUS_BENCHMARKS = {"bottom_15": 51.0, "average": 68.0, "top_10": 80.3}
STAGES = ("exploring", "pilot", "production", "stopped")


@lru_cache(maxsize=1024)
def t95(df: int) -> float:
    """Student's t quantile for a two-sided 95 % interval, exact for every degree of freedom."""
    if df <= 0:
        return math.nan
    return float(student_t.ppf(0.975, df))


def minimum() -> int:
    return int(current_app.config.get("MIN_ESTABLISHMENTS", 3))


def cell(value: float | None, n: int, *, ci: tuple[float, float] | None = None, safe: bool | None = None,
         digits: int = 2) -> dict[str, Any]:
    """A figure with the establishments it rests on. `safe` defaults to n ≥ the minimum."""
    minimum_n = minimum()
    is_safe = (n >= minimum_n) if safe is None else safe
    return {
        "value": None if value is None else (round(value) if digits == 0 else round(value, digits)),
        "n": n,
        "ci": None if ci is None or any(math.isnan(x) for x in ci) else [round(ci[0], digits), round(ci[1], digits)],
        "suppressed": not is_safe,
        "low_n": n < minimum_n,
    }


def mean_cell(n: int, total: float | None, total_sq: float | None, *, scale: float = 1.0, low: float | None = None,
              high: float | None = None) -> dict[str, Any]:
    """Mean of establishment-level values with a t-based 95 % interval, clipped to the scale's bounds."""
    if not n or total is None:
        return cell(None, 0)
    mean = total / n
    if n > 1:
        variance = max((total_sq - n * mean * mean) / (n - 1), 0.0)
        half = t95(n - 1) * math.sqrt(variance / n)
        lower, upper = mean - half, mean + half
        if low is not None:
            lower = max(lower, low)
        if high is not None:
            upper = min(upper, high)
        ci = (lower * scale, upper * scale)
    else:
        ci = None
    return cell(mean * scale, n, ci=ci)


def share_cell(k: float, n: int) -> dict[str, Any]:
    if not n:
        return cell(None, 0)
    return cell(k / n, n, safe=share_is_safe(k, n, minimum()), digits=3)


def is_cell(data: Any) -> bool:
    return isinstance(data, dict) and "suppressed" in data and "value" in data


def map_cells(data: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """`data` (a card, a list of cards, nested rows) with every cell replaced by change(cell)."""
    if isinstance(data, dict):
        return change(data) if is_cell(data) else {key: map_cells(value, change) for key, value in data.items()}
    if isinstance(data, list):
        return [map_cells(item, change) for item in data]
    return data


def _blank(cell_: dict[str, Any]) -> dict[str, Any]:
    if not cell_["suppressed"]:
        return cell_
    # Every figure of the cell goes, including a raw count kept beside a share, and the small-n flag, which
    # would tell a cell hidden for itself from one hidden to protect another.
    return {**cell_, "value": None, "ci": None, "n": None, "low_n": True,
            **({"count": None} if "count" in cell_ else {})}


def public_view(data: Any) -> Any:
    """Blank every suppressed cell (value, interval and count) for readers outside the analysts."""
    return map_cells(data, _blank)


def analyst_view(data: Any) -> Any:
    """Analysts read every value: a cell they are given is not marked suppressed (its small n stays flagged)."""
    return map_cells(data, lambda cell_: {**cell_, "suppressed": False})


def suppress_everything(data: Any) -> Any:
    return map_cells(data, lambda cell_: {**cell_, "suppressed": True})
