"""Two tabs on one draft: merging a step saved from a page that another tab's saves have overtaken.

Each revision counts its saves (`ReportRevision.edit_count`); a step page carries the count it was shown with and
a fingerprint of each answer as it was then (its "base"). A save whose count is behind comes from a stale page: its
answers are merged field by field against the base instead of replacing the step. An answer this page did not
change keeps the saved value; one only this page changed takes the page's value; one both changed differently is a
conflict, left as saved until the contributor chooses (the page shows both versions)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from app import questionnaire as q


def _normal(name: str, value: Any) -> Any:
    if q.BY_NAME[name].multiple:
        return [str(item) for item in value] if isinstance(value, list) else ([] if value in (None, "") else [str(value)])
    return "" if value is None else str(value)


def fingerprint(name: str, value: Any) -> str:
    text = json.dumps(_normal(name, value), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def base_of(answers: dict[str, Any], step: int) -> dict[str, str]:
    """The fingerprints of a step's saved answers, as a page showing them carries them."""
    return {name: fingerprint(name, answers.get(name)) for name in q.names(step)}


def parse_base(text: str | None, step: int) -> dict[str, str] | None:
    """A page's base as posted; None when missing or unreadable (the save then replaces the step as sent)."""
    try:
        base = json.loads(text or "")
    except ValueError:
        return None
    if not isinstance(base, dict):
        return None
    return {name: str(value)[:64] for name, value in base.items() if name in q.names(step)}


@dataclass
class Merge:
    """What a save wrote: the step's answers to store, and what the contributor should be told."""

    answers: dict[str, Any]
    stale: bool = False
    kept: list[str] = field(default_factory=list)  # changed elsewhere only: the saved value kept
    conflicts: dict[str, Any] = field(default_factory=dict)  # changed on both sides: name → this page's value

    @property
    def told(self) -> bool:
        """Whether the page that saved no longer shows the saved step (it must be reloaded or compared)."""
        return bool(self.kept or self.conflicts)


def merge_step(saved: dict[str, Any], posted: dict[str, Any], base: dict[str, str] | None, stale: bool) -> Merge:
    if not stale or base is None:
        return Merge(dict(posted), stale=stale)
    merge = Merge({}, stale=True)
    for name, mine in posted.items():
        theirs = saved.get(name)
        if name not in base:
            merge.answers[name] = mine
            continue
        mine_changed = fingerprint(name, mine) != base[name]
        theirs_changed = fingerprint(name, theirs) != base[name]
        if not mine_changed:
            merge.answers[name] = theirs if name in saved else mine
            if theirs_changed:
                merge.kept.append(name)
        elif not theirs_changed or fingerprint(name, theirs) == fingerprint(name, mine):
            merge.answers[name] = mine
        else:
            merge.answers[name] = theirs if name in saved else mine
            merge.conflicts[name] = mine
    return merge


def page_state(saved: dict[str, Any], step: int, merge: Merge, seen: int | None, count: int,
               base: dict[str, str] | None) -> tuple[int, dict[str, str]]:
    """The count and base the saving page should carry from now on. A page that still shows answers of an
    overtaken version keeps its old count and those answers' old fingerprints, so that its next save is merged
    again rather than taken whole."""
    fresh = base_of(saved, step)
    if not merge.told or seen is None or base is None:
        return count, fresh
    behind = set(merge.kept) | set(merge.conflicts)
    return seen, {name: base.get(name, value) if name in behind else value for name, value in fresh.items()}
