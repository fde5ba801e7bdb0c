"""Report lifecycle: draft → submitted → published | changes_requested | rejected; updates, withdrawal.

Every transition writes its audit-log entry in the caller's transaction (services flush, views commit).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from app import questionnaire as q
from app.extensions import db
from app.models import DraftStash, PrivacyFlag, Report, ReportRevision, Solution, Submission, User
from app.models._types import utcnow
from app.models.report import EDITABLE_STATES, TRANSITIONS, ReportStatus, RevisionState
from app.services import audit, draft_merge, notices, report_privacy
from app.services import report_answers as answers_service
from app.services.exports import refresh_export_cells
from app.services.facts import refresh_facts


class ReportError(Exception):
    """A transition that the rules refuse; the message is for the user."""


class IncompleteReport(ReportError):
    def __init__(self, completeness) -> None:
        super().__init__(_("Le questionnaire est incomplet."))
        self.completeness = completeness


def move(report: Report, event: str) -> None:
    """Move a report through its lifecycle (app.models.report.TRANSITIONS); an event its status does not
    allow is refused."""
    target = TRANSITIONS[ReportStatus(report.status)].get(event)
    if target is None:
        raise ReportError(_("Cette action n'est pas possible pour un retour dans cet état."))
    report.status = target


def _record(actor: User | None, action: str, report: Report, revision: ReportRevision | None = None, **detail):
    if revision is not None:
        detail["revision"] = revision.number
    audit.record(actor.id if actor else None, action, "report", report.id, **detail)


# Drafts ---------------------------------------------------------------------------------------------

def latest_published_report(establishment_id: int, solution_id: int, exclude_id: int | None = None) -> Report | None:
    query = (sa.select(Report).where(Report.establishment_id == establishment_id, Report.solution_id == solution_id,
                                     Report.status == ReportStatus.PUBLISHED)
             .order_by(Report.first_published_at.desc(), Report.id.desc()).limit(1))
    if exclude_id is not None:
        query = query.where(Report.id != exclude_id)
    return db.session.scalar(query)


def find_created_report(creation_key: str) -> Report | None:
    return db.session.scalar(sa.select(Report).where(Report.creation_key == creation_key))


def new_report(author: User, solution: Solution, creation_key: str | None) -> tuple[Report, bool]:
    """Create a draft (or find the one this form already created). A later report is a follow-up.

    The same form arriving twice at once passes the lookup twice: the unique key makes the second flush or
    commit fail (IntegrityError), and the caller finds the first one's draft with `find_created_report`."""
    if creation_key:
        existing = find_created_report(creation_key)
        if existing is not None:
            return existing, False
    previous = latest_published_report(author.establishment_id, solution.id)
    report = Report(establishment_id=author.establishment_id, solution_id=solution.id, author_id=author.id,
                    status=ReportStatus.DRAFT, creation_key=creation_key or None,
                    previous_report_id=previous.id if previous else None)
    db.session.add(report)
    db.session.flush()
    # A follow-up starts from the establishment's latest published answers, as an update does: the contributor
    # changes what changed. Those answers are the published ones (masked passages stay masked); the free texts
    # are scanned again as the contributor goes through the steps and at submission. Consents are someone else's
    # and are asked again.
    answers = (q.without_consents(previous.published_revision.answers or {})
               if previous and previous.published_revision else {})
    revision = ReportRevision(report_id=report.id, number=1, state=RevisionState.DRAFT, answers=answers,
                              created_by_id=author.id)
    db.session.add(revision)
    db.session.flush()
    report.working_revision = revision
    _record(author, "report.created", report, revision, follow_up_of=report.previous_report_id)
    db.session.flush()
    return report, True


SAVE_ATTEMPTS = 3


def _write_answers(revision: ReportRevision, count: int, answers: dict[str, Any]) -> bool:
    """Store a step's answers if the revision's save count is still `count`, and count the save: a conditional
    update, so that of two saves read at the same count only one writes as is."""
    now = utcnow()
    written = db.session.execute(
        sa.update(ReportRevision).where(ReportRevision.id == revision.id, ReportRevision.edit_count == count)
        .values(answers=answers, edit_count=count + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if written != 1:
        return False
    for name, value in (("answers", answers), ("edit_count", count + 1), ("updated_at", now)):
        set_committed_value(revision, name, value)
    return True


def save_step(revision: ReportRevision, step: int, raw: dict[str, Any], actor: User, seen: int | None = None,
              base: dict[str, str] | None = None, keep_saved: frozenset[str] = frozenset()) -> draft_merge.Merge:
    """Save a step's answers as sent. `seen` is the save count the sending page was shown with: behind the
    revision's, another tab saved in between, and the answers are merged field by field (app.services.draft_merge).
    `keep_saved` names answers whose saved value the contributor chose over the page's."""
    if not revision.editable:
        raise ReportError(_("Cette version du retour n'est plus modifiable."))
    stale = False
    for _attempt in range(SAVE_ATTEMPTS):
        saved, count = dict(revision.answers or {}), revision.edit_count or 0
        posted = {name: saved.get(name, value) if name in keep_saved else value for name, value in raw.items()}
        stale = stale or (seen is not None and seen != count)
        merge = draft_merge.merge_step(saved, posted, base, stale)
        if _write_answers(revision, count, {**saved, **merge.answers}):
            break
        # Another save of this revision was written between the read and this write (two requests at once):
        # this one is merged into it as a stale page's would be, rather than overwriting it.
        db.session.refresh(revision)
        stale = True
    else:
        raise ReportError(_("Ce brouillon est enregistré en même temps ailleurs : enregistrez à nouveau."))
    revision.report.updated_at = revision.updated_at
    if actor.id != revision.report.author_id:
        _record(actor, "report.edited", revision.report, revision, step=step)
    if merge.stale and (merge.kept or merge.conflicts):
        _record(actor, "report.edits_merged", revision.report, revision, step=step, kept=merge.kept,
                conflicts=sorted(merge.conflicts))
    return merge


# Submission -----------------------------------------------------------------------------------------

def find_submission(key: str) -> Submission | None:
    return db.session.scalar(sa.select(Submission).where(Submission.key == key))


def submit(revision: ReportRevision, key: str, actor: User) -> ReportRevision:
    """Submit a complete revision for moderation. The caller handles a duplicate key (IntegrityError)."""
    completeness = q.check_completeness(revision.answers or {})
    if not completeness.complete:
        raise IncompleteReport(completeness)
    # Scanned before the first write: the scan, and in a fresh worker the loading of its model (seconds), must
    # not hold the write lock (on SQLite every other writer would wait, then fail with "database is locked").
    texts = answers_service.revision_texts(revision)
    findings = report_privacy.scan_texts(texts)
    db.session.add(Submission(key=key, revision_id=revision.id, user_id=actor.id))
    db.session.flush()
    # Conditional update: of two concurrent submissions, only one moves the revision on.
    moved = db.session.execute(
        sa.update(ReportRevision).where(ReportRevision.id == revision.id, ReportRevision.state.in_(EDITABLE_STATES))
        .values(state=RevisionState.SUBMITTED, submitted_at=utcnow(), moderator_message=None)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise ReportError(_("Ce retour a déjà été envoyé."))
    db.session.refresh(revision)
    revision.sus_score, revision.nps_rating = answers_service.scores(revision.answers)
    report = revision.report
    move(report, "submit")
    # Texts saved from another tab in the meantime are scanned again.
    _flag_personal_data(revision, findings if answers_service.revision_texts(revision) == texts else None)
    _record(actor, "report.submitted", report, revision, flags=len(revision.open_flags))
    return revision


def _flag_personal_data(revision: ReportRevision, findings: list | None = None) -> None:
    """Replace the revision's flags by a fresh scan (or the `findings` of its current texts); what a moderator
    dismissed stays dismissed."""
    if findings is None:
        findings = report_privacy.scan_texts(answers_service.revision_texts(revision))
    dismissed = {(f.field, f.type, _span_text(revision, f)) for f in revision.flags if f.status == "dismissed"}
    revision.flags.clear()
    db.session.flush()
    for name, finding in findings:
        status = "dismissed" if (name, finding.type, finding.text) in dismissed else "open"
        revision.flags.append(PrivacyFlag(field=name, type=finding.type, start=finding.start, end=finding.end,
                                          status=status))


def _span_text(revision: ReportRevision, flag: PrivacyFlag) -> str:
    return str((revision.answers or {}).get(flag.field) or "")[flag.start:flag.end]


# Moderation -----------------------------------------------------------------------------------------

def _require_submitted(revision: ReportRevision) -> None:
    if revision.state != RevisionState.SUBMITTED:
        raise ReportError(_("Cette version n'attend pas de modération."))


def publish(revision: ReportRevision, moderator: User) -> None:
    _require_submitted(revision)
    if revision.open_flags or any(f.status == "rewrite" for f in revision.flags):
        raise ReportError(_("Des données personnelles possibles restent à traiter : masquez-les, écartez-les "
                            "ou demandez une réécriture avant de publier."))
    report = revision.report
    if report.published_revision is not None:
        report.published_revision.state = RevisionState.SUPERSEDED
        refresh_export_cells(report.published_revision)
    now = utcnow()
    revision.state, revision.decided_at, revision.decided_by_id = RevisionState.PUBLISHED, now, moderator.id
    refresh_export_cells(revision)
    report.published_revision = revision
    report.working_revision = None
    move(report, "publish")
    report.first_published_at = report.first_published_at or now
    db.session.flush()
    refresh_facts({(report.establishment_id, report.solution_id)})
    _record(moderator, "report.published", report, revision)
    notices.establishment_report_published(report)


def request_changes(revision: ReportRevision, moderator: User, message: str) -> None:
    _require_submitted(revision)
    revision.state, revision.decided_at, revision.decided_by_id = RevisionState.CHANGES_REQUESTED, utcnow(), moderator.id
    revision.moderator_message = message.strip()
    for flag in revision.open_flags:
        flag.status, flag.resolved_by_id, flag.resolved_at = "rewrite", moderator.id, utcnow()
    move(revision.report, "request_changes")
    _record(moderator, "report.changes_requested", revision.report, revision)


def reject(revision: ReportRevision, moderator: User, reason: str) -> None:
    _require_submitted(revision)
    revision.state, revision.decided_at, revision.decided_by_id = RevisionState.REJECTED, utcnow(), moderator.id
    revision.moderator_message = reason.strip()
    report = revision.report
    if report.published_revision is not None:
        report.working_revision = None  # the rejected update is dropped; the published version stays
    move(report, "reject")
    _record(moderator, "report.rejected", report, revision)


def _require_flaggable(revision: ReportRevision) -> None:
    # A published revision can get new flags from a re-scan: they are masked or dismissed in place.
    if revision.state not in (RevisionState.SUBMITTED, RevisionState.PUBLISHED):
        raise ReportError(_("Cette version n'attend pas de modération."))


def mask_flag(flag: PrivacyFlag, moderator: User) -> None:
    """Replace the flagged span by a typed placeholder ([NOM]…) and shift the other flags of that answer."""
    from app.services.privacy import PLACEHOLDERS

    revision = flag.revision
    _require_flaggable(revision)
    if flag.status != "open":
        raise ReportError(_("Ce signalement est déjà traité."))
    text = str(revision.answers.get(flag.field) or "")
    placeholder = PLACEHOLDERS.get(flag.type, "[MASQUÉ]")
    revision.answers = {**revision.answers, flag.field: text[:flag.start] + placeholder + text[flag.end:]}
    delta = len(placeholder) - (flag.end - flag.start)
    for other in revision.flags:
        if other is not flag and other.field == flag.field and other.start >= flag.end:
            other.start += delta
            other.end += delta
    flag.end = flag.start + len(placeholder)
    flag.status, flag.resolved_by_id, flag.resolved_at = "masked", moderator.id, utcnow()
    refresh_export_cells(revision)
    _record(moderator, "report.flag_masked", revision.report, revision, field=flag.field, type=flag.type)


def dismiss_flag(flag: PrivacyFlag, moderator: User) -> None:
    _require_flaggable(flag.revision)
    if flag.status != "open":
        raise ReportError(_("Ce signalement est déjà traité."))
    flag.status, flag.resolved_by_id, flag.resolved_at = "dismissed", moderator.id, utcnow()
    refresh_export_cells(flag.revision)
    _record(moderator, "report.flag_dismissed", flag.revision.report, flag.revision, field=flag.field,
            type=flag.type)


# Updates and withdrawal -----------------------------------------------------------------------------

def start_update(report: Report, actor: User) -> ReportRevision:
    """A new revision of a published report, to be moderated again; the published one stays visible."""
    if report.status != ReportStatus.PUBLISHED or report.published_revision is None:
        raise ReportError(_("Seul un retour publié peut être mis à jour."))
    if report.working_revision is not None and report.working_revision.state != RevisionState.REJECTED:
        return report.working_revision
    number = max(r.number for r in report.revisions) + 1
    published = report.published_revision
    # Whoever gave the published revision's consents keeps them; another member of the establishment is asked.
    answers = dict(published.answers or {}) if published.created_by_id == actor.id else q.without_consents(
        published.answers or {})
    revision = ReportRevision(report_id=report.id, number=number, state=RevisionState.DRAFT, created_by_id=actor.id,
                              answers=answers)
    db.session.add(revision)
    db.session.flush()
    report.working_revision = revision
    _record(actor, "report.update_started", report, revision)
    return revision


def withdraw(report: Report, actor: User, reason: str | None = None) -> None:
    """Withdraw a report (the pages ask for a reason; it is shown to the establishment and moderators and kept in
    the audit log). A published one stops counting in the statistics, as a publication starts counting."""
    if report.status == ReportStatus.WITHDRAWN:
        raise ReportError(_("Ce retour est déjà retiré."))
    was_published = report.status == ReportStatus.PUBLISHED
    move(report, "withdraw")
    report.withdrawn_at = utcnow()
    report.withdrawal_reason = (reason or "").strip() or None
    if report.working_revision is not None and report.working_revision.state in (*EDITABLE_STATES,
                                                                                 RevisionState.SUBMITTED):
        report.working_revision.state = RevisionState.REJECTED
        report.working_revision.moderator_message = _("Retiré par l'établissement.")
    if was_published:
        db.session.flush()
        refresh_facts({(report.establishment_id, report.solution_id)})
    _record(actor, "report.withdrawn", report, reason=report.withdrawal_reason)


def can_restore(report: Report) -> bool:
    """A withdrawn report that had been published can be put back: its published version is still whole."""
    return (report.status == ReportStatus.WITHDRAWN and report.published_revision is not None
            and report.published_revision.state == RevisionState.PUBLISHED)


def restore(report: Report, actor: User) -> None:
    """Undo a withdrawal: the published version is read and counted again (the statistics refresh as after a
    publication). An update that the withdrawal stopped stays stopped: the author starts a new one if needed."""
    if not can_restore(report):
        raise ReportError(_("Seul un retour retiré après sa publication peut être rétabli."))
    reason = report.withdrawal_reason
    move(report, "restore")
    report.withdrawn_at = report.withdrawal_reason = None
    if report.working_revision is not None and report.working_revision.state == RevisionState.REJECTED:
        report.working_revision = None
    db.session.flush()
    refresh_facts({(report.establishment_id, report.solution_id)})
    _record(actor, "report.restored", report, withdrawal_reason=reason)


# Drafts typed while the session had expired --------------------------------------------------------

def stash(report_id: int, browser_key: str, step: int, raw: dict[str, Any]) -> None:
    db.session.execute(sa.delete(DraftStash).where(DraftStash.report_id == report_id,
                                                   DraftStash.browser_key == browser_key, DraftStash.step == step))
    db.session.add(DraftStash(report_id=report_id, browser_key=browser_key, step=step, data=raw))


def restore_stash(revision: ReportRevision, browser_key: str, actor: User) -> bool:
    """Merge into the draft what this browser typed before its session expired; True when something was."""
    stashes = db.session.scalars(sa.select(DraftStash).where(DraftStash.report_id == revision.report_id,
                                                             DraftStash.browser_key == browser_key)
                                 .order_by(DraftStash.at)).all()
    for item in stashes:
        save_step(revision, item.step, item.data, actor)
        db.session.delete(item)
    return bool(stashes)
