"""A cache of computed statistics in the database, shared by every worker and dropped by refresh_facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import StatCache
from app.models._types import utcnow
from app.services import page_generation


def cached(key: str, solution_id: int | None, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    payload = db.session.scalar(sa.select(StatCache.payload).where(StatCache.key == key))
    if payload is not None:
        return payload
    generation = page_generation.current_generation()
    payload = compute()
    if page_generation.current_generation() != generation:
        # A publication changed the data while they were computed: served to this reader, not kept.
        return payload
    # Written in a savepoint: two readers computing the same figures at once must not fail.
    try:
        with db.session.begin_nested():
            db.session.add(StatCache(key=key, solution_id=solution_id, payload=payload, computed_at=utcnow()))
    except IntegrityError:
        pass
    return payload
