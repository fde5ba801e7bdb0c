"""Statistics releases: what readers outside the analysts see, protected and frozen when it is made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._types import utcnow


class StatRelease(db.Model):
    """One release of a scope ("solution:12", "category:3", "all"), numbered 1, 2, … per scope.

    `state` is for the platform only: the fingerprints of each view's establishments, which tell at the next
    release how many establishments changed since a view was last shown.
    """

    __tablename__ = "stat_release"
    __table_args__ = (sa.UniqueConstraint("scope", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(40), index=True)
    number: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    establishments: Mapped[int] = mapped_column(default=0)
    state: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    audit: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class StatReleaseView(db.Model):
    """One view of a release as readers see it (hidden cells have no value, no interval, no count)."""

    __tablename__ = "stat_release_view"

    release_id: Mapped[int] = mapped_column(sa.ForeignKey("stat_release.id", ondelete="CASCADE"), primary_key=True)
    view: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    card: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
