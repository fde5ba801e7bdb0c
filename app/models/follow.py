"""What a person follows, how they want to be told, and the notices waiting for their weekly digest."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._types import utcnow


class FollowKind(enum.StrEnum):
    """What can be followed: the same words are in the addresses of the follow buttons."""

    SOLUTION = "solution"
    CATEGORY = "category"
    GUIDE = "guide"


class NoticeKind(enum.StrEnum):
    """The kinds of notice, each of which a person can stop on its own (one-click unsubscribe)."""

    GUIDE = "guide"  # a guide version published
    STATISTICS = "statistics"  # a new statistics release
    ESTABLISHMENT = "establishment"  # a report published in the person's establishment


class Delivery(enum.StrEnum):
    IMMEDIATE = "immediate"
    WEEKLY = "weekly"
    NONE = "none"


class Follow(db.Model):
    """A person follows one solution, one category or one guide (exactly one of the three columns is set)."""

    __tablename__ = "follow"
    __table_args__ = (
        sa.CheckConstraint("(CASE WHEN solution_id IS NULL THEN 0 ELSE 1 END + CASE WHEN category_id IS NULL "
                           "THEN 0 ELSE 1 END + CASE WHEN guide_id IS NULL THEN 0 ELSE 1 END) = 1",
                           name="one_subject"),
        sa.UniqueConstraint("user_id", "solution_id", name="uq_follow_user_solution"),
        sa.UniqueConstraint("user_id", "category_id", name="uq_follow_user_category"),
        sa.UniqueConstraint("user_id", "guide_id", name="uq_follow_user_guide"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    solution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("solution.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"), index=True)
    guide_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guide.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class NoticePreference(db.Model):
    """How a person wants to be told. Without a row: at once, guides and statistics, not their establishment's
    reports (members opt in to those)."""

    __tablename__ = "notice_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    delivery: Mapped[str] = mapped_column(sa.String(16), default=Delivery.IMMEDIATE)
    guides: Mapped[bool] = mapped_column(default=True)
    statistics: Mapped[bool] = mapped_column(default=True)
    establishment: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def wants(self, kind: NoticeKind) -> bool:
        return self.delivery != Delivery.NONE and bool(getattr(self, _FIELDS[kind]))


_FIELDS = {NoticeKind.GUIDE: "guides", NoticeKind.STATISTICS: "statistics", NoticeKind.ESTABLISHMENT: "establishment"}


def preference_field(kind: NoticeKind) -> str:
    return _FIELDS[kind]


class PendingNotice(db.Model):
    """A notice kept for the person's weekly digest; `sent_at` is set in the transaction that sends the digest,
    so that a digest run twice sends each notice once."""

    __tablename__ = "pending_notice"
    __table_args__ = (sa.Index("ix_pending_notice_user_sent", "user_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.String(500))
    link: Mapped[str] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
