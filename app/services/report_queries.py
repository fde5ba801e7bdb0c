"""Read-side queries on reports (lists, queues, timelines)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import PrivacyFlag, Report, ReportRevision, User
from app.models.report import ReportStatus, RevisionState


def my_reports(user: User) -> list[Report]:
    return list(db.session.scalars(
        sa.select(Report).where(Report.author_id == user.id, Report.establishment_id == user.establishment_id)
        .options(selectinload(Report.working_revision), selectinload(Report.published_revision))
        .order_by(Report.updated_at.desc())))


def establishment_reports(establishment_id: int) -> list[Report]:
    return list(db.session.scalars(
        sa.select(Report).where(Report.establishment_id == establishment_id)
        .options(selectinload(Report.author), selectinload(Report.working_revision),
                 selectinload(Report.published_revision))
        .order_by(Report.updated_at.desc())))


def timeline(establishment_id: int, solution_id: int) -> list[Report]:
    """Every report of an establishment on a solution, oldest first, with their published answers."""
    return list(db.session.scalars(
        sa.select(Report).where(Report.establishment_id == establishment_id, Report.solution_id == solution_id,
                                Report.status != ReportStatus.DRAFT)
        .options(selectinload(Report.published_revision), selectinload(Report.working_revision))
        .order_by(Report.created_at, Report.id)))


def moderation_queue(only_flagged: bool = False, newest_first: bool = False) -> sa.Select:
    open_flags = (sa.select(sa.func.count(PrivacyFlag.id))
                  .where(PrivacyFlag.revision_id == ReportRevision.id, PrivacyFlag.status == "open")
                  .scalar_subquery())
    query = (sa.select(ReportRevision, open_flags.label("open_flags"))
             .options(selectinload(ReportRevision.report)))
    if only_flagged:
        # Published versions too: a re-scan with better recognizers can flag them after publication.
        query = query.where(ReportRevision.state.in_((RevisionState.SUBMITTED, RevisionState.PUBLISHED)), open_flags > 0)
    else:
        query = query.where(ReportRevision.state == RevisionState.SUBMITTED)
    order = ReportRevision.submitted_at.desc() if newest_first else ReportRevision.submitted_at.asc()
    return query.order_by(order, ReportRevision.id)
