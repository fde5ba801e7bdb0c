"""The platform's own figures (the observatory's establishments and stop rate), read from its categories' releases.

A visitor reads the platform's figures beside each category's. Counted over every establishment, the platform
less the categories shown would tell what the hidden ones hold (exactly, where no establishment reports in two
categories), and, taken at another moment than the categories, what changed in between. So the platform counts
only what its shown categories' current releases count: the union of their establishments, and of those that
stopped at least one of their solutions (over the categories whose stop rate is shown). It is a function of
those sets, at the same moment as the categories beside it, and of nothing hidden.

What it adds to the categories' figures is their overlap: the categories' counts less the platform's tell how
many memberships are counted twice (with two categories, how many establishments are in both, and how many
stopped in both). An overlap is treated as a group of its own: a figure is hidden while it, or its change since
the figure was last shown, holds between 1 and the minimum minus one establishments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import StatRelease
from app.services import stat_cells
from app.services.disclosure.cards import hidden_card
from app.services.disclosure.figures import TOTAL

ESTABLISHMENTS, STOP_RATE = "establishments", "stop_any"


def stopped(voices: Iterable[Any]) -> list[int]:
    """The establishments of a category's release whose latest voice on one of its solutions says "stopped"
    (its "stopped at least one solution"). Its establishments are those of its fingerprint (`at_release`)."""
    latest: dict[tuple[int, int], Any] = {}
    for voice in voices:
        key = (voice.establishment_id, voice.solution_id)
        if key not in latest or (voice.published_at, voice.id) > (latest[key].published_at, latest[key].id):
            latest[key] = voice
    return sorted({establishment for (establishment, _), voice in latest.items() if voice.stage == "stopped"})


def numbers() -> dict[str, int]:
    """The categories' current release numbers: the platform is released again when one of them moves."""
    rows = db.session.execute(sa.select(StatRelease.scope, sa.func.max(StatRelease.number))
                              .where(StatRelease.scope.like("category:%")).group_by(StatRelease.scope))
    return {scope.split(":", 1)[1]: number for scope, number in rows}


def _overlap(counts: Counter) -> dict[str, int]:
    return {str(e): k for e, k in counts.items() if k > 1}


def _changed(before: dict[str, Any] | None, now: dict[str, Any]) -> int:
    if before is None:
        return 0
    return sum(1 for key in before.keys() | now.keys() if before.get(key) != now.get(key))


def card(category_ids: Iterable[int], latest: Callable[[str], StatRelease | None],
         read: Callable[[str, str], dict[str, Any] | None], minimum: int,
         published: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The platform's card as readers see it, and the overlaps as they were when each figure was last shown
    (`published`: the last release's)."""
    counted: Counter = Counter()
    asked: Counter = Counter()
    stops: Counter = Counter()
    for category_id in category_ids:
        scope = f"category:{category_id}"
        shown = read(scope, TOTAL)
        if shown is None or shown.get("suppressed", True) or shown["establishments"]["suppressed"]:
            continue
        state = latest(scope).state
        own = [int(e) for e in state["at_release"].get(TOTAL, {})]
        counted.update(own)
        # A release made before it kept who stopped is left out of the stop rate until the next one.
        if not shown.get("stop_any", {"suppressed": True})["suppressed"] and "stopped" in state:
            asked.update(own)
            stops.update(state["stopped"])

    def twice(counts: Counter) -> int:
        return sum(counts.values()) - len(counts)

    def small(count: int) -> bool:
        return 0 < count < minimum

    overlaps = {ESTABLISHMENTS: _overlap(counted),
                STOP_RATE: {e: [k, asked.get(int(e), 0), stops.get(int(e), 0)] for e, k in _overlap(counted).items()}}
    out = hidden_card(TOTAL, minimum)
    # Those in two categories, or shown in the stop rate's base and not in its establishments', or stopped in two,
    # or in two without having stopped in both: each an overlap a reader takes by difference.
    kept = dict(published)
    if not small(twice(counted)) and not small(_changed(published.get(ESTABLISHMENTS), overlaps[ESTABLISHMENTS])):
        out["establishments"] = stat_cells.public_view(stat_cells.cell(len(counted), len(counted), digits=0))
    if not out["establishments"]["suppressed"]:
        kept[ESTABLISHMENTS] = overlaps[ESTABLISHMENTS]
        differences = (twice(asked), twice(stops), twice(asked) - twice(stops), twice(counted) - twice(asked),
                       _changed(published.get(STOP_RATE), overlaps[STOP_RATE]))
        if not any(small(k) for k in differences):
            out["stop_any"] = stat_cells.public_view(stat_cells.share_cell(len(stops), len(asked)))
            if not out["stop_any"]["suppressed"]:
                kept[STOP_RATE] = overlaps[STOP_RATE]
    out["suppressed"] = bool(out["establishments"]["suppressed"])
    return out, kept
