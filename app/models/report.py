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


class ReportStatus(StrEnum):
    """Where a report as a whole stands (its revisions have their own state)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class RevisionState(StrEnum):
    """Where one version of a report's answers stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


S = ReportStatus
# The lifecycle of a report: for each status, what each event makes of it. The reports service moves a report only
# through this table (app.services.reports.move) and the README's lifecycle diagram is drawn from it. Once
# published, a report stays published while its updates are moderated: the published revision stays visible.
TRANSITIONS: dict[ReportStatus, dict[str, ReportStatus]] = {
    S.DRAFT: {"submit": S.SUBMITTED, "withdraw": S.WITHDRAWN},
    S.SUBMITTED: {"publish": S.PUBLISHED, "request_changes": S.CHANGES_REQUESTED, "reject": S.REJECTED,
                  "withdraw": S.WITHDRAWN},
    S.CHANGES_REQUESTED: {"submit": S.SUBMITTED, "withdraw": S.WITHDRAWN},
    S.REJECTED: {"withdraw": S.WITHDRAWN},
    S.PUBLISHED: {"update": S.PUBLISHED, "submit": S.PUBLISHED, "publish": S.PUBLISHED,
                  "request_changes": S.PUBLISHED, "reject": S.PUBLISHED, "withdraw": S.WITHDRAWN},
    # Undoing a withdrawal puts a published report back (the service allows it only when it had been published).
    S.WITHDRAWN: {"restore": S.PUBLISHED},
}


def lifecycle_diagram() -> str:
    """TRANSITIONS as a Mermaid state diagram (the README shows it; a test keeps the two equal)."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.DRAFT}"]
    for status, events in TRANSITIONS.items():
        targets: dict[ReportStatus, list[str]] = {}
        for event, target in events.items():
            targets.setdefault(target, []).append(event)
        lines += [f"    {status} --> {target}: {', '.join(names)}" for target, names in targets.items()]
    return "\n".join(lines)


REPORT_STATUSES = tuple(ReportStatus)
REVISION_STATES = tuple(RevisionState)
EDITABLE_STATES = (RevisionState.DRAFT, RevisionState.CHANGES_REQUESTED)


class Report(db.Model):
    """One establishment's experience with one solution at one moment."""

    __tablename__ = "report"
    __table_args__ = (sa.Index("ix_report_establishment_solution", "establishment_id", "solution_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"))
    solution_id: Mapped[int] = mapped_column(sa.ForeignKey("solution.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    # The earlier report of the same establishment on the same solution, for follow-ups.
    previous_report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"))
    # Set by the form that created the draft: a double click creates one report.
    creation_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The revision being written or moderated, and the one readers see.
    working_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("report_revision.id", use_alter=True, ondelete="SET NULL"))
    published_revision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("report_revision.id", use_alter=True, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    first_published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Why the establishment withdrew it, shown to the establishment and to moderators (and kept in the audit log).
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)

    establishment: Mapped[Establishment] = relationship(lazy="joined")
    solution: Mapped[Solution] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    previous_report: Mapped[Report | None] = relationship(remote_side=[id], foreign_keys=[previous_report_id])
    working_revision: Mapped[ReportRevision | None] = relationship(foreign_keys=[working_revision_id],
                                                                   post_update=True)
    published_revision: Mapped[ReportRevision | None] = relationship(foreign_keys=[published_revision_id],
                                                                     post_update=True)
    revisions: Mapped[list[ReportRevision]] = relationship(
        back_populates="report", foreign_keys="ReportRevision.report_id", order_by="ReportRevision.number")

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.status}>"


class ReportRevision(db.Model):
    """One version of a report's answers; published revisions are never edited again."""

    __tablename__ = "report_revision"
    __table_args__ = (sa.UniqueConstraint("report_id", "number", name="uq_report_revision_report_number"),
                      sa.Index("ix_report_revision_state_submitted", "state", "submitted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(sa.String(20), default="draft")
    # The questionnaire as typed (raw strings, so that nothing is ever lost, even when invalid).
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Saves of these answers so far: a tab that saves with an older count was left open while another saved, and
    # its answers are merged field by field instead of replacing the others (app.services.draft_merge).
    edit_count: Mapped[int] = mapped_column(default=0, server_default="0")
    sus_score: Mapped[float | None] = mapped_column(sa.Float)
    nps_rating: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # The moderator's message (changes requested) or reason (rejection), shown to the author.
    moderator_message: Mapped[str | None] = mapped_column(sa.Text)
    # Published revision only: its answer and score cells as the CSV export writes them (already encoded,
    # `;`-separated), kept up to date with its flags so that the export streams stored text. NULL: computed
    # at export time (app.services.exports.export_cells).
    export_cells: Mapped[str | None] = mapped_column(sa.Text)

    report: Mapped[Report] = relationship(back_populates="revisions", foreign_keys=[report_id])
    flags: Mapped[list[PrivacyFlag]] = relationship(back_populates="revision", cascade="all, delete-orphan",
                                                    order_by="PrivacyFlag.id")

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def open_flags(self) -> list[PrivacyFlag]:
        return [flag for flag in self.flags if flag.status == "open"]


class Submission(db.Model):
    """One submission of a revision: its key is unique, so a repeated POST finds the first one."""

    __tablename__ = "report_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("report_revision.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    revision: Mapped[ReportRevision] = relationship()


class PrivacyFlag(db.Model):
    """Possible personal data found in a free-text answer of a submitted revision."""

    __tablename__ = "privacy_flag"
    __table_args__ = (sa.Index("ix_privacy_flag_revision_status", "revision_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("report_revision.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(sa.String(40))
    type: Mapped[str] = mapped_column(sa.String(20))
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()
    # open → masked (span replaced by a placeholder) | dismissed (not personal data) | rewrite (author asked)
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    revision: Mapped[ReportRevision] = relationship(back_populates="flags")


class DraftStash(db.Model):
    """What a contributor typed when their session had expired, kept until they log in again."""

    __tablename__ = "draft_stash"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), index=True)
    browser_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    step: Mapped[int] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
