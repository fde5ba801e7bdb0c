"""Statistical secrecy: which cells a reader outside the analysts may see.

A cell needs at least MIN_ESTABLISHMENTS distinct establishments. Where a total is shown next to the
cells of a partition (stages of deployment, segments of one dimension), hiding one small cell is not
enough: it could be recovered by subtracting the visible ones from the total. The hidden cells of a
partition therefore always number two or more and hold, together, at least the minimum.
"""

from __future__ import annotations

from typing import Any


def complementary_suppression(counts: dict[Any, int], minimum: int) -> set[Any]:
    """Keys to hide in a partition whose total is public (primary cells, then complementary ones).

    Once anything is hidden, the zeros are hidden too: a reader who knows that every hidden cell holds at
    least one establishment could otherwise pin them down (four hidden cells adding up to four are four
    ones). The hidden group then holds at least the minimum, so each hidden cell could be anything from
    zero to a value at or above the minimum.
    """
    hidden = {key for key, n in counts.items() if 0 < n < minimum}
    if not hidden:
        return set()
    hidden |= {key for key, n in counts.items() if n == 0}
    visible = sorted((n, str(key), key) for key, n in counts.items() if key not in hidden)
    while (sum(counts[k] for k in hidden) < minimum or len(hidden) < 2) and visible:
        hidden.add(visible.pop(0)[2])
    return hidden


def share_is_safe(k: float, n: int, minimum: int) -> bool:
    """A share "k of n establishments" is shown when both k and n − k are 0 or at least the minimum."""
    k = round(k)
    if n < minimum:
        return False
    return all(part == 0 or part >= minimum for part in (k, n - k))
