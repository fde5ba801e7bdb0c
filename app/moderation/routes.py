from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app import questionnaire as q
from app.extensions import db
from app.models import PrivacyFlag, ReportRevision
from app.moderation.blueprint import bp
from app.reports.forms import ActionForm, ModerationMessageForm
from app.reports.presenters import answer_rows, flags_as_spans
from app.services import notifications, reminders
from app.services import reports as service
from app.services.report_queries import moderation_queue
from app.views_common import page_arg


@bp.before_request
@permissions.require(permissions.can_moderate)
def only_moderators():
    """Every moderation page: moderators and administrators only."""


@bp.route("/")
def queue():
    view = request.args.get("filter", "waiting")
    order = request.args.get("order", "oldest")
    query = moderation_queue(only_flagged=view == "flagged", newest_first=order == "newest")
    page = page_arg()
    pagination = db.paginate(query, page=page, per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    rows = db.session.execute(query.limit(pagination.per_page).offset((pagination.page - 1) * pagination.per_page)).all()
    return render_template("moderation/queue.html", rows=rows, pagination=pagination, view=view, order=order)


def _submitted_revision(revision_id: int) -> ReportRevision:
    revision = db.get_or_404(ReportRevision, revision_id)
    if not permissions.was_submitted(revision):
        abort(404)  # a draft is its establishment's alone, whatever its id
    return revision


@bp.route("/revisions/<int:revision_id>")
def review(revision_id: int):
    return _review_page(_submitted_revision(revision_id))


def _review_page(revision: ReportRevision, **forms: ModerationMessageForm) -> str:
    """The review page; `forms`: a message form sent with errors, shown again with what was typed."""
    answers = revision.answers or {}
    return render_template("moderation/review.html", revision=revision, report=revision.report,
                           steps={step: answer_rows(step, answers, flags_as_spans(revision.flags)) for step in q.STEPS},
                           action_form=ActionForm(), follow_up_answer=reminders.changes_of(revision.report),
                           changes_form=forms.get("changes_form") or ModerationMessageForm(prefix="changes"),
                           reject_form=forms.get("reject_form") or ModerationMessageForm(prefix="reject"))


def _decide(revision: ReportRevision, action, *args) -> bool:
    try:
        action(revision, current_user, *args)
    except service.ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    notifications.author_of_decision(revision.report, revision)
    db.session.commit()
    return True


@bp.route("/revisions/<int:revision_id>/publish", methods=["POST"])
def publish(revision_id: int):
    revision = _submitted_revision(revision_id)
    if ActionForm().validate_on_submit() and _decide(revision, service.publish):
        flash(_("Retour publié."), "success")
        return redirect(url_for("moderation.queue"))
    return redirect(url_for("moderation.review", revision_id=revision.id))


def _message_decision(revision_id: int, kind: str, decide, done: tuple[str, str], missing: str):
    """Send a submitted revision back (changes, or a refusal) with the moderator's message to its author."""
    revision = _submitted_revision(revision_id)
    form = ModerationMessageForm(prefix=kind)
    if form.validate_on_submit():
        if _decide(revision, decide, form.message.data):
            flash(*done)
            return redirect(url_for("moderation.queue"))
    elif form.message.data:
        # Refused (too long, say): the page again, the text and its error in place.
        return _review_page(revision, **{f"{kind}_form": form})
    else:
        flash(missing, "error")
    return redirect(url_for("moderation.review", revision_id=revision.id))


@bp.route("/revisions/<int:revision_id>/request-changes", methods=["POST"])
def request_changes(revision_id: int):
    return _message_decision(revision_id, "changes", service.request_changes,
                             (_("Modifications demandées à l'auteur."), "success"),
                             _("Écrivez à l'auteur ce qu'il doit modifier."))


@bp.route("/revisions/<int:revision_id>/reject", methods=["POST"])
def reject(revision_id: int):
    return _message_decision(revision_id, "reject", service.reject, (_("Retour refusé."), "info"),
                             _("Indiquez la raison du refus : elle sera transmise à l'auteur."))


def _flag_action(flag_id: int, action, message: str):
    flag = db.get_or_404(PrivacyFlag, flag_id)
    if ActionForm().validate_on_submit():
        try:
            action(flag, current_user)
            db.session.commit()
            flash(message, "success")
        except service.ReportError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("moderation.review", revision_id=flag.revision_id) + "#flags")


@bp.route("/flags/<int:flag_id>/mask", methods=["POST"])
def mask_flag(flag_id: int):
    return _flag_action(flag_id, service.mask_flag, _("Passage masqué."))


@bp.route("/flags/<int:flag_id>/dismiss", methods=["POST"])
def dismiss_flag(flag_id: int):
    return _flag_action(flag_id, service.dismiss_flag, _("Signalement écarté : ce n'est pas une donnée personnelle."))
