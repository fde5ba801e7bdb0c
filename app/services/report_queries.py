"""Read-side queries on reports (lists, queues, timelines)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import permissions
from app.extensions import db
from app.models import PrivacyFlag, Report, ReportRevision, User
from app.models.report import ReportStatus, RevisionState
from app.services.readable import readable_answers


def my_reports(user: User) -> list[Report]:
    return list(db.session.scalars(
        sa.select(Report).where(Report.author_id == user.id, Report.establishment_id == user.establishment_id)
        .options(selectinload(Report.working_revision), selectinload(Report.published_revision))
        .order_by(Report.updated_at.desc())))


def unsent_draft(user: User, solution_id: int) -> Report | None:
    """A report of the user's establishment on this solution, not yet sent, that the user may continue: the one
    to offer instead of starting a second draft."""
    candidates = db.session.scalars(
        sa.select(Report).where(Report.establishment_id == user.establishment_id, Report.solution_id == solution_id,
                                Report.status.in_((ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED)))
        .order_by(Report.updated_at.desc(), Report.id.desc()))
    return next((report for report in candidates if permissions.can_edit_report(user, report)), None)


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


@dataclass
class Reading:
    """What a reader is shown of a report: a revision, the revisions they may list, the answers (raw for members
    and moderators, with their flags; placeholders in place for anyone else) and whether the establishment is
    named."""

    shown: ReportRevision
    revisions: list[ReportRevision]
    answers: dict
    raw: bool
    show_identity: bool


def reading(user: User, report: Report, number: int | None = None) -> Reading | None:
    """The revision `number` (or the one the reader should see) as `user` may read it; None when they may not."""
    member = permissions.is_member_of(user, report)
    staff_or_member = member or permissions.can_moderate(user)
    # Analysts read only the published version; members may look at any revision, moderators at the submitted ones.
    readable = report.revisions if member else [r for r in report.revisions if permissions.was_submitted(r)]
    revisions = readable if permissions.can_see_revision_history(user, report) else []
    if number and staff_or_member:
        shown = next((r for r in readable if r.number == number), None)
    elif staff_or_member:
        shown = next((r for r in (report.working_revision, report.published_revision) if r in readable),
                     None) or (readable[-1] if readable else None)
    else:
        shown = report.published_revision
    if shown is None:
        return None
    answers = (shown.answers or {}) if staff_or_member else readable_answers(shown)
    # Outside the establishment and moderation, the establishment is named only when its author agreed to be
    # contacted by peers.
    show_identity = staff_or_member or bool((shown.answers or {}).get("contact_ok"))
    return Reading(shown, revisions, answers, staff_or_member, show_identity)
