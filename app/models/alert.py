"""Ethics and safety alerts: what staff raise about a solution in use, for the platform's ethics reviewers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.establishment import Establishment
from app.models.solution import Solution
from app.models.user import User


class AlertStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_AUTHOR = "awaiting_author"  # a reviewer's question waits for the author's answer
    CLOSED = "closed"


class AlertEvent(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASK = "ask"
    ANSWER = "answer"
    DECIDE = "decide"


S, E = AlertStatus, AlertEvent
# What each event makes of an alert; the alerts service moves an alert only through this table.
TRANSITIONS: dict[AlertStatus, dict[AlertEvent, AlertStatus]] = {
    S.NEW: {E.ACKNOWLEDGE: S.ACKNOWLEDGED},
    S.ACKNOWLEDGED: {E.ASK: S.AWAITING_AUTHOR, E.DECIDE: S.CLOSED},
    S.AWAITING_AUTHOR: {E.ASK: S.AWAITING_AUTHOR, E.ANSWER: S.ACKNOWLEDGED, E.DECIDE: S.CLOSED},
    S.CLOSED: {},
}


class EthicsAlert(db.Model):
    __tablename__ = "ethics_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(sa.ForeignKey("solution.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id", ondelete="SET NULL"))
    category: Mapped[str] = mapped_column(sa.String(32), index=True)
    summary: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    vendor_may_know_establishment: Mapped[bool] = mapped_column(default=False)
    # A patient-safety incident with a medical device: whether the materiovigilance declaration was made.
    vigilance_declared: Mapped[str | None] = mapped_column(sa.String(8))
    # Possible personal data the author was warned of and chose to keep: (field, type, start, end).
    privacy_findings: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default=AlertStatus.NEW, index=True)
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    solution: Mapped[Solution] = relationship(lazy="joined")
    establishment: Mapped[Establishment] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    messages: Mapped[list[AlertMessage]] = relationship(cascade="all, delete-orphan", order_by="AlertMessage.id",
                                                        back_populates="alert")


class AlertMessage(db.Model):
    """One message of an alert's thread: a reviewer's question, or the author's answer."""

    __tablename__ = "alert_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("ethics_alert.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    from_reviewer: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)
    privacy_findings: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    alert: Mapped[EthicsAlert] = relationship(back_populates="messages")
