"""A category's release beside its solutions' releases: what its audit reads of them (`app.services.disclosure.joint`).

A visitor reads a category's figures beside each of its solutions'. The category is built from the same voices as
its solutions' current releases (a solution whose release is behind its voices holds the category back), audited
with them as one system, and leaves out what would tell them apart by difference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Solution, StatRelease, StatReleaseView
from app.models.facts import RATING_COLUMNS
from app.services import stat_cells
from app.services.disclosure import joint as joint_audit
from app.services.disclosure.cards import series
from app.services.disclosure.figures import TOTAL, compute_view, fingerprint, views_of

# Answers from 1 up: the sum of a group's answers bounds how many answered (no more than the sum).
AT_LEAST_ONE = (*(f"rating_{name}" for name in RATING_COLUMNS), "effort")


def _sums(unseen: list[tuple[Any, set[str]]], others: list) -> dict[str, float]:
    """For each answer from 1 up, the sum of the establishments' answers that no solution's card shows (those of a
    solution whose mean is hidden, and of the solutions not shown): what a category's mean would give away."""
    out = {}
    for name in AT_LEAST_ONE:
        # Per establishment, as the category averages its voices (one establishment in two solutions is one answer).
        by_establishment: dict[int, list[float]] = {}
        for voice in [*others, *(voice for voice, hidden in unseen if name in hidden)]:
            if voice.measures[name] is not None:
                by_establishment.setdefault(voice.establishment_id, []).append(voice.measures[name])
        out[name] = sum(sum(values) / len(values) for values in by_establishment.values())
    return out


def category_whole(card: dict[str, Any], joint: dict[str, Any], exact: list[dict[str, Any]]) -> dict[str, Any]:
    """What a category's whole leaves out beside its solutions: the points of its adoption series (`exact`: the
    whole series) that, less its solutions' points, would tell a quarter they hide; the count of reports, unless every
    solution of the category is shown (each report is one solution's: the category's count less the shown
    solutions' is exactly the reports of those not shown, however few)."""
    if card["adoption"]:
        shown = {p["quarter"]: float(p["value"]) for p in card["adoption"] if p.get("value") is not None}
        n, parts = card["establishments"]["value"], joint["adoption"]
        try:
            kept = joint_audit.adoption_kept(
                exact, shown, parts, joint["others_adoption"], joint["others_known"], joint["shared"].get(TOTAL, False),
                stat_cells.minimum(),
                others_most=None if joint["shared"].get(TOTAL, False) else n - sum(p[2] for p in parts))
        except RuntimeError:  # the series do not add up (facts drawn again from the same answers): none is shown
            kept = {}
        card = {**card, "adoption": stat_cells.public_view(series(kept))}
    if not joint["others_known"]:
        card = {**card, "reports": stat_cells.public_view(stat_cells.suppress_everything(dict(card["reports"])))}
    return card


def solution_scope(solution_id: int) -> str:
    return f"solution:{solution_id}"


def joint_input(voices: list, made_at: Any, latest: Callable[[str], StatRelease | None],
                read: Callable[[str, str], dict[str, Any] | None]) -> dict[str, Any] | None:
    """A category's solutions as readers see them: the shown ones' releases (None if one is behind its voices),
    the others' voices as one group, and the views where an establishment is in two of these (`latest`, `read`:
    a scope's current release, and a view of it)."""
    by_solution: dict[int, list] = {}
    for voice in voices:
        by_solution.setdefault(voice.solution_id, []).append(voice)
    parts, others, group_of, adoption, unseen = [], [], {}, [], []
    for solution_id, own in sorted(by_solution.items()):
        card = read(solution_scope(solution_id), TOTAL)
        if card is None or card.get("suppressed", True):
            others += own
            continue
        release = latest(solution_scope(solution_id))
        state = release.state
        exact = compute_view(own, as_of=release.created_at)
        if joint_audit.stale(state, {key: fingerprint(vs) for key, vs in views_of(own, made_at).items()}) \
                or exact.families != state["families"][TOTAL]:
            return None  # changed since its release (answers, or the facts drawn from the same answers)
        adoption.append((exact.card["adoption"], card["adoption"], card["establishments"]["value"]))
        cells = {**{f"rating_{k}": c for k, c in card["ratings"].items()}, "effort": card["integration_effort"]}
        unseen += [(voice, {name for name in AT_LEAST_ONE if cells[name]["suppressed"]}) for voice in own]
        parts.append(joint_audit.Part(solution_id, state["families"], set(state["hidden"]["views"]),
                                      {(u, n) for u, n in state["hidden"]["cells"]}))
        group_of[solution_id] = solution_id
    grouped = views_of(voices, made_at)
    shared = {}
    for key, vs in grouped.items():
        seen: dict[int, set] = {}
        for voice in vs:
            seen.setdefault(voice.establishment_id, set()).add(group_of.get(voice.solution_id, "h"))
        shared[key + joint_audit.NONE if key.endswith("=") else key] = any(len(g) > 1 for g in seen.values())
    category_solutions = set(db.session.scalars(sa.select(Solution.id).where(
        Solution.category_id == sa.select(Solution.category_id).where(Solution.id == voices[0].solution_id)
        .scalar_subquery()))) if voices else set()
    return {"parts": parts, "shared": shared, "adoption": adoption, "hidden_sums": _sums(unseen, others),
            "others_adoption": compute_view(others, as_of=made_at).card["adoption"],
            "others_known": category_solutions == {part.solution_id for part in parts},
            "contributors": {key: len({voice.solution_id for voice in vs})
                             for key, vs in views_of(others, made_at).items()},
            "others": {key: compute_view(vs, as_of=made_at).families for key, vs in views_of(others, made_at).items()
                       if key == TOTAL or key.startswith(("region=", "type=", "system="))}}


def across_solutions(grouped: dict[str, list], minimum: int) -> set[str]:
    """A category's views that its solutions' current releases would let a reader take apart.

    A category view is its solutions' same views put together. Take away those a visitor can read and what
    remains must be no one or at least the minimum: the establishments seen only through hidden solution views,
    and those counted in several solutions (their category figures are their solutions' figures averaged).
    """
    visible: dict[tuple[int, str], bool] = {}
    solutions = {voice.solution_id for voices in grouped.values() for voice in voices}
    for solution_id in solutions:
        cards = dict(db.session.execute(
            sa.select(StatReleaseView.view, StatReleaseView.card)
            .join(StatRelease, StatRelease.id == StatReleaseView.release_id)
            .where(StatRelease.id == sa.select(StatRelease.id).where(StatRelease.scope == solution_scope(solution_id))
                   .order_by(StatRelease.number.desc()).limit(1).scalar_subquery())).all())
        for view, card in cards.items():
            visible[(solution_id, view)] = not card.get("suppressed", True)
    forced = set()
    for view, voices in grouped.items():
        seen_in: dict[int, set[int]] = {}
        unseen: set[int] = set()
        for voice in voices:
            if visible.get((voice.solution_id, view), False):
                seen_in.setdefault(voice.establishment_id, set()).add(voice.solution_id)
            else:
                unseen.add(voice.establishment_id)
        only_hidden = len(unseen - seen_in.keys())
        several = sum(1 for solutions_seen in seen_in.values() if len(solutions_seen) > 1)
        if 0 < only_hidden < minimum or 0 < several < minimum:
            forced.add(view)
    return forced
