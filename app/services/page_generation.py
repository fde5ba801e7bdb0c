"""The number that says when the rendered pages kept by the workers (app.page_cache) became stale: one row of
`page_generation`, changed in the same transaction as any change to what those pages show."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Category, Establishment, Guide, GuideVersion, PageGeneration, Solution, SolutionAttribute

# Columns whose change alters no page: the PDF a version keeps once it is first produced.
UNWATCHED_COLUMNS = {GuideVersion: frozenset({"pdf", "pdf_generated_at"})}
# Changes to these rows change what the cached pages show (facts and statistics bump through
# app.services.facts.invalidate_statistics, releases when they are made).
WATCHED = (Category, Establishment, Guide, GuideVersion, Solution, SolutionAttribute)


def current_generation() -> int:
    return db.session.scalar(sa.select(PageGeneration.value).where(PageGeneration.id == 1)) or 0


def bump(connection: sa.Connection | None = None) -> None:
    """Make every kept page stale, in the caller's transaction."""
    execute = connection.execute if connection is not None else db.session.execute
    done = execute(sa.update(PageGeneration).where(PageGeneration.id == 1)
                   .values(value=PageGeneration.value + 1))
    if done.rowcount == 0:  # the row was removed (tables emptied): start again from a number never used
        execute(sa.insert(PageGeneration).values(id=1, value=secrets.randbits(62)))


def _changes_pages(obj: object) -> bool:
    unwatched = UNWATCHED_COLUMNS.get(type(obj))
    if unwatched is None:
        return True
    state = sa.inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in unwatched)


@event.listens_for(Session, "before_flush")
def _bump_on_watched_changes(session: Session, flush_context, instances) -> None:  # noqa: ARG001
    if any(isinstance(obj, WATCHED) for obj in (*session.new, *session.deleted)) or any(
            isinstance(obj, WATCHED) and _changes_pages(obj) for obj in session.dirty):
        bump(session.connection())
