"""The number that says when the rendered pages kept by the workers (app.page_cache) became stale: one row of
`page_generation`, changed in the same transaction as any change to what those pages show."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

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


class Generation(NamedTuple):
    value: int
    refreshable_from: int | None = None
    statistics_changed_at: datetime | None = None

    def refreshable(self, kept: int, window: float) -> bool:
        """Whether a page rendered under generation `kept` differs from the current data only by published
        figures, the last of which changed less than `window` seconds ago: it may then be served once more
        while it is rendered again."""
        if self.refreshable_from is None or self.statistics_changed_at is None or window <= 0:
            return False
        changed = self.statistics_changed_at
        if changed.tzinfo is None:  # SQLite keeps no time zone: the value was written in UTC
            changed = changed.replace(tzinfo=UTC)
        recent = datetime.now(UTC) - changed < timedelta(seconds=window)
        return recent and self.refreshable_from <= kept < self.value

    def same_except_statistics(self, kept: int) -> bool:
        """Whether what was rendered under generation `kept` differs from the current data by published figures
        at most (for documents that show none, such as a guide version's stored PDF)."""
        return kept == self.value or (self.refreshable_from is not None and self.refreshable_from <= kept < self.value)


def current_generation() -> int:
    return db.session.scalar(sa.select(PageGeneration.value).where(PageGeneration.id == 1)) or 0


_TABLE = PageGeneration.__table__
# Read at every request of a kept page: a Core statement, built once, costs a quarter of the ORM's.
_STATE = sa.select(_TABLE.c.value, _TABLE.c.refreshable_from, _TABLE.c.statistics_changed_at).where(_TABLE.c.id == 1)


def current_state() -> Generation:
    """The generation and how far back its pages may be refreshed rather than rendered, in one read."""
    row = db.session.execute(_STATE).first()
    return Generation(*row) if row is not None else Generation(0)


def bump(connection: sa.Connection | None = None, *, statistics_only: bool = False) -> None:
    """Make every kept page stale, in the caller's transaction. `statistics_only`: the change alters only
    published figures (a publication, a release), each state of which visitors could read when it was current;
    within PAGE_STALE_SECONDS of such a change, visitors' pages kept since the last other change may be served
    once more while they are rendered again (app.page_refresh). Any other change (the catalogue, a guide, an
    establishment) lets no page kept before it out again."""
    execute = connection.execute if connection is not None else db.session.execute
    if statistics_only:
        values = {"refreshable_from": sa.func.coalesce(PageGeneration.refreshable_from, PageGeneration.value),
                  "statistics_changed_at": datetime.now(UTC)}
    else:
        values = {"refreshable_from": None, "statistics_changed_at": None}
    done = execute(sa.update(PageGeneration).where(PageGeneration.id == 1)
                   .values(value=PageGeneration.value + 1, **values))
    if done.rowcount == 0:  # the row was removed (tables emptied): start again from a number never used
        execute(sa.insert(PageGeneration).values(id=1, value=secrets.randbits(52)))


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
