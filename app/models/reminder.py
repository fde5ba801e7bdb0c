"""Follow-up reminders: the mail sent six and twelve months after a report's publication, and its answer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.report import Report


class ReportReminder(db.Model):
    """One reminder of one report at one milestone (months after publication): sent once, whatever runs twice."""

    __tablename__ = "report_reminder"
    __table_args__ = (sa.UniqueConstraint("report_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    milestone: Mapped[int] = mapped_column()
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The answer: the follow-up report it created, and what the person said had changed (kept with the reminder,
    # shown to the establishment and to moderation beside the follow-up).
    follow_up_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id", ondelete="SET NULL"))
    changes: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    report: Mapped[Report] = relationship(foreign_keys=[report_id])
    follow_up: Mapped[Report | None] = relationship(foreign_keys=[follow_up_id])
