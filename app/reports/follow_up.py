"""The page a follow-up reminder links to: three questions that create a follow-up report in one step."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import permissions
from app.extensions import db
from app.reports.blueprint import bp
from app.reports.forms import FollowUpForm
from app.services import reminders, report_privacy
from app.services import reports as report_service


@bp.route("/follow-up/<token>", methods=["GET", "POST"])
@permissions.require(permissions.can_write_reports)
def follow_up(token: str):
    try:
        invitation = reminders.read_link(token, current_user)
    except reminders.ReminderLinkError as error:
        return render_template("reports/follow_up_invalid.html", message=str(error)), 400
    done = reminders.answered_follow_up(invitation.reminder)
    if done is not None:
        flash(_("Vous avez déjà répondu à ce rappel : voici le retour de suivi créé."), "info")
        return redirect(url_for("reports.view", report_id=done.id))
    form = FollowUpForm()
    if not form.is_submitted():
        form.submission_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        found = report_privacy.scan_texts({"changes": form.changes.data or ""})
        if found:
            form.changes.errors = [_("Ce texte semble contenir des données personnelles (%(kinds)s) : retirez-les.",
                                     kinds=", ".join(sorted({str(f.type) for _name, f in found})))]
        else:
            given = reminders.Answer(still_in_use=form.still_in_use.data, changes=form.changes.data or "",
                                     choose_again=form.choose_again.data,
                                     stop_reasons=list(form.stop_reasons.data or []))
            try:
                report = reminders.answer(invitation, current_user, given, (form.submission_key.data or "")[:64])
                db.session.commit()
            except report_service.IncompleteReport as incomplete:
                # The answers it starts from miss what today's questionnaire asks: the draft is kept, with the
                # three answers, for the person to finish.
                db.session.rollback()
                report = _keep_draft(invitation, given)
                step = incomplete.completeness.first_incomplete_step
                flash(_("Votre retour de suivi est enregistré comme brouillon : complétez l'étape %(step)d puis "
                        "envoyez-le.", step=step), "info")
                return redirect(url_for("reports.step", report_id=report.id, step=step))
            except (IntegrityError, report_service.ReportError):
                db.session.rollback()
                done = reminders.answered_follow_up(invitation.reminder)
                if done is None:
                    raise
                flash(_("Vous avez déjà répondu à ce rappel : voici le retour de suivi créé."), "info")
                return redirect(url_for("reports.view", report_id=done.id))
            flash(_("Merci ! Votre retour de suivi est envoyé à la modération. Vous serez prévenu(e) de sa "
                    "publication."), "success")
            return redirect(url_for("reports.view", report_id=report.id))
    return render_template("reports/follow_up.html", form=form, report=invitation.report,
                           milestone=invitation.reminder.milestone)


def _keep_draft(invitation: reminders.Invitation, given: reminders.Answer):
    """The follow-up as a draft carrying the three answers (submission refused: something else is missing)."""
    from app.models import ReportReminder

    reminder = db.session.get(ReportReminder, invitation.reminder.id)
    invitation = reminders.Invitation(reminder, reminder.report)
    report = reminders.prepare(invitation, current_user, given)
    db.session.commit()
    return report
