"""Follow-up reminders: six and twelve months after a report's publication, its author (or the establishment's
referent, when the author has left or is no longer active) is asked three questions (still in use? what changed?
would you choose it again?) through a signed link that creates a follow-up report in one step.

`send_due_reminders` is a job: the command `flask reports reminders` and the periodic scheduler call it. Each
reminder is recorded before its mail leaves, under a unique (report, milestone) key, and committed on its own:
a second run, or two at once, sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app import permissions
from app.extensions import db
from app.models import Report, ReportReminder, User
from app.models._types import utcnow
from app.models.report import ReportStatus
from app.services import audit
from app.services.freshness import add_months
from app.services.mail import send_after_commit
from app.urls import public_url

MILESTONES = (6, 12)  # months after publication
# A milestone is due for this many months after it is reached: a job that did not run for a while (or a first run
# on old data) does not send reminders about reports published years ago.
WINDOW = 6
LINK_SALT = "follow-up-reminder"
LINK_MAX_AGE = 60 * 24 * 3600  # seconds: two months to answer
# Reports that count as newer news of the establishment on the solution (an abandoned draft does not).
NEWER = (ReportStatus.SUBMITTED, ReportStatus.CHANGES_REQUESTED, ReportStatus.PUBLISHED)


def recipient(report: Report) -> User | None:
    """The author while they still write for the report's establishment; otherwise its longest-standing active
    referent; None when the establishment has no one to ask."""
    author = report.author
    if author is not None and permissions.is_member_of(author, report):
        return author
    return db.session.scalar(sa.select(User).where(User.establishment_id == report.establishment_id,
                                                   User.role == "referent", User.status == "active")
                             .order_by(User.id).limit(1))


def _newer_report_exists(report: type[Report] | sa.orm.util.AliasedClass) -> sa.Exists:
    newer = aliased(Report)
    return sa.exists().where(newer.establishment_id == report.establishment_id,
                             newer.solution_id == report.solution_id, newer.id != report.id,
                             newer.created_at > report.created_at, newer.status.in_(NEWER))


def due_reminders(now: datetime | None = None) -> list[tuple[Report, int]]:
    """(report, milestone) for every reminder due at `now`: a published report that reached the milestone within
    the window, was not reminded of it yet, and has no newer report of its establishment on its solution."""
    now = now or utcnow()
    out = []
    for milestone in MILESTONES:
        reached_after = add_months(now, -(milestone + WINDOW))
        reached_before = add_months(now, -milestone)
        reminded = sa.exists().where(ReportReminder.report_id == Report.id, ReportReminder.milestone == milestone)
        query = (sa.select(Report).where(Report.status == ReportStatus.PUBLISHED,
                                         Report.first_published_at > reached_after,
                                         Report.first_published_at <= reached_before,
                                         ~reminded, ~_newer_report_exists(Report))
                 .order_by(Report.id))
        out += [(report, milestone) for report in db.session.scalars(query)]
    return out


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def make_link_token(reminder: ReportReminder) -> str:
    return _serializer().dumps({"r": reminder.report_id, "m": reminder.milestone, "u": reminder.recipient_id})


class ReminderLinkError(Exception):
    """A link that is forged, expired, or meant for someone else; the message is for the user."""


@dataclass
class Invitation:
    reminder: ReportReminder
    report: Report


def read_link(token: str, user: User) -> Invitation:
    """The reminder a link is for, if it is genuine, not expired, and `user` is the person it was sent to and
    still writes for the report's establishment."""
    max_age = current_app.config.get("REMINDER_LINK_MAX_AGE", LINK_MAX_AGE)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ReminderLinkError(_("Ce lien de suivi a expiré. Vous pouvez écrire un retour de suivi depuis "
                                  "la page « Nouveau retour ».")) from error
    except BadSignature as error:
        raise ReminderLinkError(_("Ce lien de suivi n'est pas valide.")) from error
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in ("r", "m", "u")):
        raise ReminderLinkError(_("Ce lien de suivi n'est pas valide."))
    reminder = db.session.scalar(sa.select(ReportReminder).where(ReportReminder.report_id == data["r"],
                                                                 ReportReminder.milestone == data["m"]))
    if reminder is None or reminder.recipient_id != data["u"] or data["u"] != user.id:
        raise ReminderLinkError(_("Ce lien de suivi a été envoyé à une autre personne : connectez-vous avec le "
                                  "compte qui l'a reçu."))
    if not permissions.is_member_of(user, reminder.report):
        raise ReminderLinkError(_("Vous n'écrivez plus pour cet établissement : ce lien de suivi n'est plus "
                                  "valable."))
    return Invitation(reminder, reminder.report)


def _mail(reminder: ReportReminder, person: User) -> None:
    report = reminder.report
    link = public_url("reports.follow_up", token=make_link_token(reminder))
    published = report.first_published_at.date().strftime("%d/%m/%Y")
    send_after_commit(
        person.email,
        _("Retex IA : où en êtes-vous avec %(solution)s ?", solution=report.solution.name),
        _("Il y a %(months)d mois, votre établissement publiait un retour sur %(solution)s (le %(date)s).\n\n"
          "Trois questions suffisent pour le tenir à jour :\n"
          "- La solution est-elle toujours en usage ?\n"
          "- Qu'est-ce qui a changé ?\n"
          "- La choisiriez-vous à nouveau ?\n\n"
          "Vos réponses créent un retour de suivi, repris de votre dernier retour publié, qui passe par la "
          "modération comme tout retour :\n%(link)s\n\n"
          "Ce lien est personnel et valable deux mois ; il vous demandera de vous connecter.",
          months=reminder.milestone, solution=report.solution.name, date=published, link=link))


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every reminder due at `now` (default: the current time); returns how many were sent.

    A job's entry point: each reminder is committed with its mail, so a run stopped half-way keeps what it sent
    and a second run finds it recorded."""
    now = now or utcnow()
    sent = 0
    for report, milestone in due_reminders(now):
        person = recipient(report)
        try:
            with db.session.begin_nested():
                reminder = ReportReminder(report_id=report.id, milestone=milestone, sent_at=now,
                                          recipient_id=person.id if person else None)
                db.session.add(reminder)
                db.session.flush()
        except IntegrityError:
            continue  # another run recorded it first
        audit.record(None, "report.reminder_sent" if person else "report.reminder_skipped", "report", report.id,
                     milestone=milestone, recipient=person.id if person else None)
        if person is not None:
            _mail(reminder, person)
            sent += 1
        db.session.commit()
    return sent


# The answer ------------------------------------------------------------------------------------------

STILL_IN_USE = ("yes", "no")


@dataclass
class Answer:
    still_in_use: str  # "yes" or "no"
    changes: str
    choose_again: str  # a code of the questionnaire's yes / no / unsure
    stop_reasons: list[str]


def creation_key(reminder: ReportReminder) -> str:
    return f"reminder-{reminder.report_id}-{reminder.milestone}"


def answer(invitation: Invitation, actor: User, given: Answer, submission_key: str) -> Report:
    """Create the follow-up report from the establishment's latest published answers and the three answers, and
    submit it to moderation. Raises reports.IncompleteReport when the answers it starts from are not complete
    under today's questionnaire (the draft is kept: the caller sends the person to finish it)."""
    from app.services import notifications
    from app.services import reports as report_service

    follow_up = prepare(invitation, actor, given)
    revision = follow_up.working_revision
    report_service.submit(revision, submission_key, actor)
    notifications.moderators_of_new_submission(follow_up, revision)
    return follow_up


def prepare(invitation: Invitation, actor: User, given: Answer) -> Report:
    """The follow-up draft: the establishment's latest published answers with the three answers over them."""
    from app.services import reports as report_service

    reminder = invitation.reminder
    follow_up, _created = report_service.new_report(actor, invitation.report.solution, creation_key(reminder))
    revision = follow_up.working_revision
    answers = dict(revision.answers or {})
    if given.still_in_use == "no":
        answers["stage"] = "stopped"
        answers["stop_reasons"] = list(given.stop_reasons)
    elif answers.get("stage") in (None, "", "stopped"):
        answers["stage"] = "production"  # back in use after it had stopped
    answers["choose_again"] = given.choose_again
    revision.answers = answers
    reminder.follow_up_id = follow_up.id
    reminder.changes = given.changes.strip() or None
    reminder.answered_at = utcnow()
    db.session.flush()
    return follow_up


def answered_follow_up(reminder: ReportReminder) -> Report | None:
    """The follow-up this reminder already created and sent (a second click on the link shows it)."""
    follow_up = reminder.follow_up
    if follow_up is None or follow_up.status in (ReportStatus.DRAFT, ReportStatus.WITHDRAWN):
        return None
    return follow_up


def changes_of(report: Report) -> ReportReminder | None:
    """The reminder this follow-up answered (what changed, said in its answer), if any."""
    return db.session.scalar(sa.select(ReportReminder).where(ReportReminder.follow_up_id == report.id).limit(1))
