"""Peer contact: which establishments agreed to be contacted about a solution, and withdrawing that consent.

The consent is the `contact_ok` answer of a report (app.questionnaire, CONSENTS): it belongs to the report's
published version, and to each voice's fact (app.services.facts). An establishment is listed on a solution while
one of its published reports on it carries the consent and the report's author is an active member of the
establishment: the author is the person the platform forwards messages to. Withdrawing the consent blanks it in
the report's versions and facts at once, so that the establishment leaves the list in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.models import Establishment, Report, ReportFact, User
from app.models.report import ReportStatus, RevisionState
from app.services import audit
from app.services.exports import refresh_export_cells

CONSENT = "contact_ok"


class PeerError(Exception):
    """A rule refused the operation; the message code is turned into words by the page."""


@dataclass(frozen=True)
class Peer:
    establishment: Establishment
    stage: str


def _consenting_facts(solution_id: int) -> sa.Select:
    """Facts of `solution_id` whose report consents and whose author can still be written to."""
    return (sa.select(ReportFact, User).join(Report, Report.id == ReportFact.report_id)
            .join(User, User.id == Report.author_id)
            .where(ReportFact.solution_id == solution_id, ReportFact.contact_ok.is_(True),
                   Report.status == ReportStatus.PUBLISHED, User.status == "active",
                   User.establishment_id == ReportFact.establishment_id))


def contactable_peers(solution_id: int, viewer: User) -> list[Peer]:
    """The establishments a member of another establishment may write to about the solution, by name; the stage
    is that of their latest consenting report."""
    if not permissions.can_contact_peers(viewer):
        return []
    rows = db.session.execute(_consenting_facts(solution_id)
                              .where(ReportFact.establishment_id != viewer.establishment_id)
                              .order_by(ReportFact.published_at.desc(), ReportFact.id.desc())).all()
    stages: dict[int, str] = {}
    for fact, _author in rows:
        stages.setdefault(fact.establishment_id, fact.stage)
    if not stages:
        return []
    establishments = db.session.scalars(sa.select(Establishment).where(Establishment.id.in_(stages))
                                        .order_by(Establishment.name, Establishment.id))
    return [Peer(establishment, stages[establishment.id]) for establishment in establishments]


def consenting_authors(solution_id: int, establishment_id: int) -> list[User]:
    """Who receives the notices of a conversation with `establishment_id` about the solution."""
    rows = db.session.execute(_consenting_facts(solution_id)
                              .where(ReportFact.establishment_id == establishment_id)).all()
    return list({author.id: author for _fact, author in rows}.values())


def is_contactable(solution_id: int, establishment_id: int) -> bool:
    return bool(consenting_authors(solution_id, establishment_id))


def gives_consent(report: Report) -> bool:
    """Whether the report's published version carries the consent to be contacted."""
    revision = report.published_revision
    return (report.status == ReportStatus.PUBLISHED and revision is not None
            and bool((revision.answers or {}).get(CONSENT)))


def has_consent_to_withdraw(report: Report) -> bool:
    """The consent is in the published version, or in the version being written or moderated."""
    return any(bool((revision.answers or {}).get(CONSENT))
               for revision in (report.published_revision, report.working_revision) if revision is not None)


def withdraw_consent(report: Report, actor: User) -> None:
    """Blank the consent in every version that still carries it, published or not (the published version changes
    in this one answer only, as when a moderator masks a name), and in the report's fact."""
    if not has_consent_to_withdraw(report):
        raise PeerError("no_consent")
    for revision in {r.id: r for r in (report.published_revision, report.working_revision) if r}.values():
        if (revision.answers or {}).get(CONSENT):
            revision.answers = {**revision.answers, CONSENT: ""}
            if revision.state == RevisionState.PUBLISHED:
                refresh_export_cells(revision)
    db.session.execute(sa.update(ReportFact).where(ReportFact.report_id == report.id).values(contact_ok=False))
    db.session.flush()
    audit.record(actor.id, "report.contact_consent_withdrawn", "report", report.id)
