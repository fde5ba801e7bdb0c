"""Statistics releases: the only figures readers outside the analysts ever see.

A scope (a solution, a category) gets a new release when at least MIN_ESTABLISHMENTS establishments have
published, updated or withdrawn a report in it since its last release: between two releases its visitor figures
do not move, so no single report can be read by comparing two moments. The whole platform's (the observatory) is
read from its categories' releases, and released with them.
Every view of a release is computed and protected at once (`app.services.disclosure`), then stored as
readers will see it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Category, EthicsAlert, ReportFact, Solution, StatRelease, StatReleaseView
from app.models._types import utcnow
from app.services import notices, release_categories, release_platform, stat_cells
from app.services.disclosure import alerts as alert_tables
from app.services.disclosure import joint as joint_audit
from app.services.disclosure.cards import hidden_card, visitor_card
from app.services.disclosure.figures import (
    TOTAL,
    all_view_keys,
    compute_view,
    fingerprint,
    fingerprint_pairs,
    load_voices,
    views_of,
)
from app.services.disclosure.protect import Protection, changed, hide_views, protect
from app.services.release_categories import solution_scope

ALL = "all"
OBSERVATORY = "observatory"
KEPT = 2  # releases kept per scope: the current one and the one before


def category_scope(category_id: int) -> str:
    return f"category:{category_id}"


def _condition(scope: str) -> sa.ColumnElement[bool] | None:
    kind, _, key = scope.partition(":")
    if kind == "solution":
        return ReportFact.solution_id == int(key)
    if kind == "category":
        return ReportFact.category_id == int(key)
    return None


def latest(scope: str) -> StatRelease | None:
    return db.session.scalar(sa.select(StatRelease).where(StatRelease.scope == scope)
                             .order_by(StatRelease.number.desc()).limit(1))


def _total_fingerprint(scope: str) -> dict[str, int]:
    condition = _condition(scope)
    return fingerprint_pairs(db.session.execute(sa.select(ReportFact.establishment_id, ReportFact.revision_id)
                                                .where(*([] if condition is None else [condition]))))


def pending(scope: str) -> int:
    """Establishments whose reports changed in the scope since its last release."""
    last = latest(scope)
    before = (last.state.get("at_release", {}).get(TOTAL) if last else None) or {}
    return changed(before, _total_fingerprint(scope))


def is_due(scope: str) -> bool:
    if scope == ALL:  # the platform is read from its categories' releases: due when one of them moved
        last = latest(ALL)
        return release_platform.numbers() != (last.state.get("categories") if last else None)
    return pending(scope) >= stat_cells.minimum() or alerts_due(scope)


def _category_ids() -> list[int]:
    return list(db.session.scalars(sa.select(Category.id).order_by(Category.id)))


def alerts_due(scope: str) -> bool:
    """Enough establishments' alerts changed in the scope (a solution's, a category's) for a new release."""
    if scope == ALL:
        return False
    last = latest(scope)
    return alert_tables.pending(scope, last.state if last else None) >= stat_cells.minimum()


# Building a release -----------------------------------------------------------------------------------

def build(scope: str, *, keep_figures: bool = False) -> StatRelease | None:
    """Compute, protect and store a new release of the scope (whether or not it is due: callers decide).
    `keep_figures`: the scope's own figures stay those of its last release (fewer than the minimum of
    establishments changed): only the counts of alerts are composed anew. None: a category not released, one of
    its solutions' release being behind. The platform's is read from its categories' (`_build_platform`)."""
    if scope == ALL:
        return _build_platform()
    minimum = stat_cells.minimum()
    with_stop_any = not scope.startswith("solution:")
    voices = load_voices(_condition(scope))
    made_at = utcnow()  # ages, and the recent voices, are those of this moment
    grouped = views_of(voices, made_at)
    figures = {key: compute_view(vs, with_stop_any=with_stop_any, as_of=made_at) for key, vs in grouped.items()}
    now = {key: fingerprint(vs) for key, vs in grouped.items()}
    last = latest(scope)
    at_release = (last.state.get("at_release") if last else None) or {}
    at_publication = (last.state.get("published") if last else None) or {}
    families = {key: fig.families for key, fig in figures.items()}
    keeping = bool(keep_figures and last)
    joined = scope.startswith("category:") and not keeping
    joint = release_categories.joint_input(voices, made_at, latest, read) if joined else None
    if joined and joint is None:
        return None  # a solution's release is behind its voices: the category waits for it
    forced = release_categories.across_solutions(grouped, minimum) if scope.startswith("category:") else set()
    protection, joint_programs = _protected(families, now, at_release, at_publication, minimum, forced, joint)
    published = dict(at_publication)
    published |= {key: now.get(key, {}) for key in all_view_keys() if key not in protection.hidden_views}
    keys = all_view_keys()
    kept = _read_views(scope, keys) if keeping else {}
    state: dict[str, Any] = {"at_release": now, "published": published,
                             "reports": sorted(voice.report_id for voice in voices)}
    if scope.startswith("solution:"):
        # What its categories' releases are audited with: the figures as computed, and what readers do not see.
        state |= {"families": {k: f if k == TOTAL else {n: v for n, v in f.items() if v} for k, f in families.items()},
                  "hidden": {"views": sorted(protection.hidden_views),
                             "cells": sorted([unit, name] for unit, name in protection.hidden_cells)}}
    else:  # who stopped, for the platform's figures (`release_platform`)
        state["stopped"] = release_platform.stopped(voices)
    release = StatRelease(scope=scope, number=(last.number + 1) if last else 1, created_at=made_at,
                          establishments=len(now.get(TOTAL, {})), state=state,
                          audit={"cells": protection.cells, "hidden_views": len(protection.hidden_views),
                                 "hidden_cells": len(protection.hidden_cells), "programs": protection.programs,
                                 "joint_programs": joint_programs,
                                 "breaches": [[*b.cell, b.kind] for b in protection.breaches]})
    db.session.add(release)
    db.session.flush()
    stamp = {"number": release.number, "date": release.created_at.date().isoformat()}
    if keeping:
        release.state = last.state  # the changes not shown yet stay pending
        release.establishments = last.establishments
    _add_alert_table(release, last, stamp, minimum)
    for key in keys:
        # Keeping the last release's figures, a view it did not have (one added since) stays hidden until a release
        # of the figures shows it: its state says it was never shown.
        card = kept.get(key) or (hidden_card(key, minimum) if keeping else visitor_card(key, figures, protection,
                                                                                          minimum))
        if key == TOTAL and joint and not card.get("suppressed", True):
            card = release_categories.category_whole(card, joint, figures[TOTAL].card["adoption"])
        db.session.add(StatReleaseView(release_id=release.id, view=key, card={**card, "release": stamp}))
    db.session.flush()
    return _done(release)


def _done(release: StatRelease) -> StatRelease:
    _prune(release.scope)
    from app.services import page_generation

    page_generation.bump(statistics_only=True)
    return release


def _build_platform() -> StatRelease:
    """The platform's release: its figures over the categories shown (`release_platform`), and the observatory."""
    last = latest(ALL)
    card, shown = release_platform.card(_category_ids(), latest, read, stat_cells.minimum(),
                                        (last.state.get("shown") if last else None) or {})
    release = StatRelease(scope=ALL, number=(last.number + 1) if last else 1, created_at=utcnow(),
                          establishments=card["establishments"]["value"] or 0,
                          state={"categories": release_platform.numbers(), "shown": shown},
                          audit={"cells": 2, "hidden_views": int(card["suppressed"]),
                                 "hidden_cells": int(card["stop_any"]["suppressed"]), "programs": 0,
                                 "joint_programs": 0, "breaches": []})
    db.session.add(release)
    db.session.flush()
    stamp = {"number": release.number, "date": release.created_at.date().isoformat()}
    db.session.add(StatReleaseView(release_id=release.id, view=TOTAL, card={**card, "release": stamp}))
    db.session.flush()
    db.session.add(StatReleaseView(release_id=release.id, view=OBSERVATORY,
                                   card={**compose_observatory(), "release": stamp}))
    return _done(release)


def _protected(families: dict[str, dict[str, float]], now: dict, at_release: dict, at_publication: dict,
               minimum: int, forced: set[str], joint: dict[str, Any] | None) -> tuple[Protection, int]:
    """The scope's protection; a category's is then audited with its solutions' releases (`joint.audit`), and
    hides more until that audit finds nothing. Returns it with the joint programs solved."""
    more_views: set[str] = set()
    # A category's mean less its solutions' shown means gives the sum of the answers of those hidden: from answers of
    # 1 up, a sum under the minimum proves them fewer than the minimum.
    more_cells: set[tuple[str, str]] = {(TOTAL, f"nm:{name}") for name, total in (joint or {}).get("hidden_sums", {}).items()
                                        if 0 < total < minimum}
    solves = 0
    for _ in range(8):
        hidden_views = hide_views(families, now, at_release, at_publication, minimum, forced=forced | more_views)
        protection = protect(families, hidden_views, minimum, forced_cells=frozenset(more_cells))
        if joint is None:
            return protection, solves
        try:
            breaches, programs = joint_audit.audit(families, protection, joint["parts"], joint["others"],
                                                   joint["contributors"], joint["others_known"], joint["shared"],
                                                   minimum)
        except RuntimeError:  # the solutions' figures and the category's do not add up: nothing is shown
            break
        solves += programs
        if not breaches:
            return protection, solves
        views, cells = joint_audit.mend(breaches, protection, families)
        if views <= more_views and cells <= more_cells:
            views = {TOTAL}
        more_views |= views
        more_cells |= cells
    return protect(families, {TOTAL} | more_views, minimum), solves


def _add_alert_table(release: StatRelease, last: StatRelease | None, stamp: dict[str, Any], minimum: int) -> None:
    """The counts of alerts by category, protected with the release (`app.services.disclosure.alerts`)."""
    scope = release.scope
    last_card = _read_views(scope, [alert_tables.VIEW]).get(alert_tables.VIEW) if last else None
    shown = None
    if scope.startswith("category:"):
        solution_ids = db.session.scalars(sa.select(Solution.id).where(Solution.category_id == int(scope[9:])))
        shown = {s: read(solution_scope(s), alert_tables.VIEW) or alert_tables.hidden_card(minimum)
                 for s in solution_ids}
    card, state = alert_tables.release_table(scope, last.state if last else None, last_card, minimum, shown)
    release.state = {**release.state, alert_tables.VIEW: state}
    db.session.add(StatReleaseView(release_id=release.id, view=alert_tables.VIEW, card={**card, "release": stamp}))


def _prune(scope: str) -> None:
    old = db.session.scalars(sa.select(StatRelease.id).where(StatRelease.scope == scope)
                             .order_by(StatRelease.number.desc()).offset(KEPT)).all()
    if old:
        db.session.execute(sa.delete(StatReleaseView).where(StatReleaseView.release_id.in_(old)))
        db.session.execute(sa.delete(StatRelease).where(StatRelease.id.in_(old)))


def compose_observatory() -> dict[str, Any]:
    """The observatory from the current releases: each category's, and the platform's own."""
    from app import vocabulary

    total = read(ALL, TOTAL)
    categories = {}
    for category_id in db.session.scalars(sa.select(Category.id).order_by(Category.position, Category.id)):
        scope = category_scope(category_id)
        cards = _read_views(scope, [TOTAL] + [f"region={c}" for c in vocabulary.REGIONS]
                            + [f"type={c}" for c in vocabulary.ESTABLISHMENT_TYPES])
        card = cards.get(TOTAL) or hidden_card(TOTAL, stat_cells.minimum())
        categories[str(category_id)] = {
            "establishments": card["establishments"], "stop_rate": card.get("stop_any", card["stop_rate"]),
            "by_region": {c: cards.get(f"region={c}", hidden_card(TOTAL, stat_cells.minimum()))["establishments"]
                          for c in vocabulary.REGIONS},
            "by_type": {c: cards.get(f"type={c}", hidden_card(TOTAL, stat_cells.minimum()))["establishments"]
                        for c in vocabulary.ESTABLISHMENT_TYPES},
            "by_quarter": card["adoption"],
        }
    deployed = []
    for solution_id, in db.session.execute(sa.select(Solution.id).where(Solution.archived.is_(False))):
        card = read(solution_scope(solution_id), TOTAL)
        if card and card["establishments"]["value"] is not None:
            deployed.append((-card["establishments"]["value"], solution_id, card["establishments"]))
    own = total or hidden_card(TOTAL, stat_cells.minimum())
    return {"min_establishments": stat_cells.minimum(), "establishments": own["establishments"],
            "stop_rate": own.get("stop_any", own["stop_rate"]), "categories": categories,
            "most_deployed": [{"solution_id": s, **cell} for _, s, cell in sorted(deployed)[:10]]}


# Reading ----------------------------------------------------------------------------------------------

def read(scope: str, view: str) -> dict[str, Any] | None:
    """A view of the scope's current release, or None when the scope has none yet."""
    return db.session.scalar(
        sa.select(StatReleaseView.card).join(StatRelease, StatRelease.id == StatReleaseView.release_id)
        .where(StatRelease.scope == scope, StatReleaseView.view == view)
        .order_by(StatRelease.number.desc()).limit(1))


def _read_views(scope: str, views: list[str]) -> dict[str, dict[str, Any]]:
    last = latest(scope)
    if last is None:
        return {}
    return dict(db.session.execute(sa.select(StatReleaseView.view, StatReleaseView.card)
                                   .where(StatReleaseView.release_id == last.id,
                                          StatReleaseView.view.in_(views))).all())


def visitor_scorecard(scope: str, view: str = TOTAL) -> dict[str, Any]:
    """What a visitor reads for a view: its current release, or a card hidden whole."""
    card = read(scope, view) if view in _KNOWN_VIEWS else None
    return card if card is not None else {**hidden_card(view, stat_cells.minimum()), "release": None}


def visitor_alerts(scope: str) -> dict[str, Any]:
    """The counts of alerts by category a visitor reads: the scope's current release, or a table hidden whole."""
    card = read(scope, alert_tables.VIEW)
    return card if card is not None else {**alert_tables.hidden_card(stat_cells.minimum()), "release": None}


def visitor_observatory() -> dict[str, Any]:
    data = read(ALL, OBSERVATORY)
    if data is None:
        return {"min_establishments": stat_cells.minimum(), "establishments": hidden_card(TOTAL, 0)["establishments"],
                "stop_rate": hidden_card(TOTAL, 0)["stop_rate"], "categories": {}, "most_deployed": [],
                "release": None}
    return data


_KNOWN_VIEWS = frozenset(all_view_keys())


# When releases are made -------------------------------------------------------------------------------

def update(solution_ids: set[int] | None = None) -> list[str]:
    """Make every release that is due (of these solutions, their categories and the platform; None: all).
    Returns the scopes released."""
    if solution_ids is None:
        solution_ids = set(db.session.scalars(sa.select(ReportFact.solution_id).distinct()))
        solution_ids |= set(db.session.scalars(sa.select(EthicsAlert.solution_id).distinct()))
        solution_ids |= {int(s.split(":")[1]) for s in db.session.scalars(
            sa.select(StatRelease.scope).where(StatRelease.scope.like("solution:%")).distinct())}
    made = []
    minimum = stat_cells.minimum()
    scopes = [solution_scope(s) for s in sorted(solution_ids)]
    categories = set(db.session.scalars(sa.select(Solution.category_id).where(Solution.id.in_(solution_ids))))
    for scope in scopes + [category_scope(c) for c in sorted(categories)]:
        # Made for the alerts alone, a release keeps the reports' figures of the one before.
        if pending(scope) >= minimum and build(scope) is not None:
            made.append(scope)
        elif scope.startswith("solution:") and (last := latest(scope)) is not None and "families" not in last.state:
            # Released before its figures were kept for its category's audit: released again, on the same voices.
            build(scope)
            made.append(scope)
        elif (scope.startswith("category:") and (last := latest(scope)) is not None and "stopped" not in last.state
              and pending(scope) == 0 and build(scope) is not None):
            # Released before it kept who stopped (the platform's stop rate waits for it), on the same voices.
            made.append(scope)
        elif alerts_due(scope) and build(scope, keep_figures=latest(scope) is not None) is not None:
            made.append(scope)
    if made or is_due(ALL):  # the most deployed solutions move with the solutions' releases
        build(ALL)
        made.append(ALL)
    notices.statistics_released(made)
    return made


def leave_for_later() -> None:
    """The current transaction's changes wait for `flask stats release` (or the next publication)."""
    db.session.info.pop(DUE, None)


def update_now() -> list[str]:
    """Make the due releases in this transaction (commands: a process that exits leaves no thread behind)."""
    db.session.info.pop(DUE, None)
    return update(None)


DUE = "statistics_release_solutions"


def mark_changed(solution_ids: set[int] | None) -> None:
    """These solutions' facts changed in the current transaction: look for due releases once it commits."""
    due = db.session.info.setdefault(DUE, set())
    due |= solution_ids if solution_ids is not None else {-1}


__all__ = ["ALL", "OBSERVATORY", "build", "category_scope", "compose_observatory", "is_due", "latest",
           "pending", "read", "solution_scope", "update", "visitor_alerts", "visitor_observatory",
           "visitor_scorecard"]
