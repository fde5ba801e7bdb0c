"""What follows a commit that changed published figures, outside the request that made it (a job of
app.services.jobs): the statistics releases that became due (what visitors read), then the analysts' figures that
the change dropped, computed again so that no reader's first page after a publication pays for the computation."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.services import jobs, releases, stats

# What else runs after the releases and the analysts' figures, in order: (what it is, a callable taking no
# argument, run in an application context). The application adds the rendering of the visitors' pages.
AFTER_RELEASES: list[tuple[str, Callable[[], object]]] = []


def run_after_commit(solution_ids: set[int] | None) -> None:
    """The job of the due releases: at once with RELEASES_INLINE (the tests), else on the job queue."""
    ids = None if solution_ids is None else sorted(solution_ids)
    if current_app.config.get("RELEASES_INLINE"):
        jobs.run_now(release, ids)
    else:
        jobs.enqueue(release, ids)


def release(solution_ids: list[int] | None) -> None:
    """The due releases of these solutions (None: all), then the analysts' figures, each committed on its own:
    a failure leaves what was made before it in place, and is logged."""
    app = current_app._get_current_object()
    solution_ids = None if solution_ids is None else set(solution_ids)

    def step(what: str, job) -> None:
        try:
            job()
            db.session.commit()
        except Exception:  # noqa: BLE001 - a failed release leaves the previous one in place; logged
            db.session.rollback()
            app.logger.exception("%s failed (solutions %s)", what, solution_ids)

    step("Statistics release", lambda: releases.update(solution_ids))
    if app.config.get("WARM_ANALYST_VIEWS", True):
        step("Computing the analysts' figures", lambda: stats.warm_analyst_views(solution_ids))
    for name, follow_up in AFTER_RELEASES:
        step(name, follow_up)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction() or releases.DUE not in session.info:
        return
    due = session.info.pop(releases.DUE)
    run_after_commit(None if -1 in due else due)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(releases.DUE, None)
