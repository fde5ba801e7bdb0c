"""The platform's own figures (the observatory's establishments and stop rate), read from its categories' releases.

A visitor reads the platform's figures beside each category's. Counted over every establishment, the platform
less the categories shown would tell what the hidden ones hold (exactly, where no establishment reports in two
categories), and, taken at another moment than the categories, what changed in between. So the platform counts
only what its shown categories' current releases count: the union of their establishments; and, over the
categories whose stop rate is shown, the union of their establishments and of those that stopped one of their
solutions. It is a function of those sets, at the same moment as the categories beside it, and of nothing hidden.

What it adds to the categories' figures is how they overlap: with two categories, their counts less the
platform's give how many establishments are in both, hence in the first only and in the second only; with the
stop rates, how many of each stopped. So every combination of categories an establishment can be in (with the
stop rate: the categories whose rate counts it, and those where it stopped) is a group of its own, and a figure
is hidden while one of its groups holds between 1 and the minimum minus one establishments, or moved by that
few since any of the last HISTORY releases that showed the figure (counted over the categories both counted).
A category whose release predates the record of who stopped hides the platform's stop rate until it is
released again (`releases.update` does so at once where none of its establishments changed).
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


HISTORY = 100  # the states at which a figure was shown that each new one is compared with


def _key(*parts: set[int]) -> str:
    return "|".join(",".join(str(c) for c in sorted(part)) for part in parts)


def _project(groups: dict[str, int], over: list[set[int]]) -> Counter:
    """Groups counted again over fewer categories (each part of a key cut to its own set of `over`)."""
    out: Counter = Counter()
    for key, count in groups.items():
        parts = [{int(c) for c in part.split(",") if c} for part in key.split("|")]
        out[_key(*(part & categories for part, categories in zip(parts, over, strict=True)))] += count
    return out


def _moved_by_few(history: list[dict[str, Any]], groups: dict[str, int], over: list[set[int]],
                  minimum: int) -> bool:
    """Whether, against a state at which the figure was shown, a group moved by 1 to minimum - 1: groups are
    compared over the categories both moments counted, whatever was shown in between (a reader compares any two
    moments, not only the next)."""
    for past in history:
        common = [set(then) & now for then, now in zip(past["over"], over, strict=True)]
        before, after = _project(past["groups"], common), _project(groups, common)
        if any(0 < abs(after.get(key, 0) - before.get(key, 0)) < minimum for key in before.keys() | after.keys()):
            return True
    return False


def card(category_ids: Iterable[int], latest: Callable[[str], StatRelease | None],
         read: Callable[[str, str], dict[str, Any] | None], minimum: int,
         history: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The platform's card as readers see it, and the states at which each figure was shown (`history`: the last
    release's), this one's added where it is."""
    member: dict[int, set[int]] = {}  # establishment -> the shown categories it is in
    asked: dict[int, set[int]] = {}  # ... of them, those whose stop rate counts it
    stops: dict[int, set[int]] = {}  # ... of those, where it stopped
    shown_ids: set[int] = set()
    rated: set[int] = set()
    legacy = False
    for category_id in category_ids:
        scope = f"category:{category_id}"
        shown = read(scope, TOTAL)
        if shown is None or shown.get("suppressed", True) or shown["establishments"]["suppressed"]:
            continue
        state = latest(scope).state
        own = [int(e) for e in state["at_release"].get(TOTAL, {})]
        shown_ids.add(category_id)
        for establishment in own:
            member.setdefault(establishment, set()).add(category_id)
        if not shown.get("stop_any", {"suppressed": True})["suppressed"]:
            if "stopped" not in state:  # released before it kept who stopped: the rate would not be of them all
                legacy = True
                continue
            rated.add(category_id)
            for establishment in own:
                asked.setdefault(establishment, set()).add(category_id)
            for establishment in state["stopped"]:
                stops.setdefault(establishment, set()).add(category_id)

    # What a reader can solve for, from the categories' counts and the platform's: how many establishments are in
    # each combination of categories (with the stop rate: asked and stopped in each).
    groups = {ESTABLISHMENTS: dict(Counter(_key(member[e]) for e in member)),
              STOP_RATE: dict(Counter(_key(member[e], asked.get(e, set()), stops.get(e, set())) for e in member))}
    over = {ESTABLISHMENTS: [shown_ids], STOP_RATE: [shown_ids, rated, rated]}

    def safe(name: str) -> bool:
        return (not any(0 < count < minimum for count in groups[name].values())
                and not _moved_by_few(history.get(name, []), groups[name], over[name], minimum))

    def shown_now(name: str) -> None:
        state = {"over": [sorted(part) for part in over[name]], "groups": groups[name]}
        kept[name] = [*history.get(name, []), state][-HISTORY:]

    out = hidden_card(TOTAL, minimum)
    kept = {name: list(history.get(name, [])) for name in groups}
    if safe(ESTABLISHMENTS):
        out["establishments"] = stat_cells.public_view(stat_cells.cell(len(member), len(member), digits=0))
    if not out["establishments"]["suppressed"]:
        shown_now(ESTABLISHMENTS)
        if not legacy and safe(STOP_RATE):
            out["stop_any"] = stat_cells.public_view(stat_cells.share_cell(len(stops), len(asked)))
            if not out["stop_any"]["suppressed"]:
                shown_now(STOP_RATE)
    out["suppressed"] = bool(out["establishments"]["suppressed"])
    return out, kept
