from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.solution import Category, Solution


class Guide(db.Model):
    """A deployment-advice guide for one solution or one category: a draft and its published versions."""

    __tablename__ = "guide"
    __table_args__ = (sa.CheckConstraint("(solution_id IS NULL) <> (category_id IS NULL)", name="one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(160), unique=True)
    solution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("solution.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # The draft being edited: sections (generated figures and text, the analyst's narrative), quotes.
    draft: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    draft_generated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    solution: Mapped[Solution | None] = relationship()
    category: Mapped[Category | None] = relationship()
    versions: Mapped[list[GuideVersion]] = relationship(back_populates="guide", order_by="GuideVersion.number")

    @property
    def latest_version(self) -> GuideVersion | None:
        return self.versions[-1] if self.versions else None


class GuideVersion(db.Model):
    """An immutable published version: text, figures, charts' data, quotes, date and the data behind it."""

    __tablename__ = "guide_version"
    __table_args__ = (sa.UniqueConstraint("guide_id", "number", name="uq_guide_version_guide_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(sa.ForeignKey("guide.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # How many published reports (and the latest publication date) the figures were computed from.
    report_count: Mapped[int] = mapped_column(default=0)
    data_as_of: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # The PDF, produced once at the first download and served from here afterwards.
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    pdf_generated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    guide: Mapped[Guide] = relationship(back_populates="versions")
