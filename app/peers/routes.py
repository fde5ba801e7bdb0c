"""Peer contact: write to an establishment that agreed to be contacted about a solution, read and answer the
conversations of one's establishment, withdraw one's consent."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app import permissions
from app.extensions import db, limiter
from app.models import Establishment, PeerConversation, Report, Solution
from app.peers.blueprint import bp
from app.peers.forms import ConfirmForm, MessageForm
from app.security import no_store
from app.services import peer_messages, peers
from app.services.privacy import TYPE_LABELS

ERRORS = {
    "not_contactable": lambda: _("Cet établissement n'accepte plus d'être contacté au sujet de cette solution."),
    "not_allowed": lambda: _("Vous ne pouvez pas écrire dans cet échange."),
    "length": lambda: _("Le message est vide ou trop long."),
    "no_consent": lambda: _("Ce retour ne porte pas d'accord de contact."),
}


def _message_limit() -> str:
    return current_app.config["PEER_MESSAGE_RATE_LIMIT"]


def _sender_key() -> str:
    # Per account: colleagues behind one hospital gateway do not share a quota.
    who = current_user.id if current_user.is_authenticated else get_remote_address()
    return f"peer-message|{who}"


def _sent(response) -> bool:
    return response.status_code == 302  # a message sent redirects; a form shown again costs nothing


def _checked(form: MessageForm) -> list[dict] | None:
    """The guard's findings to show before sending, or None when the message may go."""
    if not form.validate_on_submit():
        return []
    findings = peer_messages.patient_data_warnings(form.body.data)
    if findings and not form.checked.data:
        return [{"type": str(TYPE_LABELS.get(f.type, f.type)), "text": f.text} for f in findings]
    return None


def _contactable_or_404(solution_id: int, establishment_id: int) -> tuple[Solution, Establishment]:
    solution = db.session.get(Solution, solution_id)
    establishment = db.session.get(Establishment, establishment_id)
    if (solution is None or establishment is None or establishment.id == current_user.establishment_id
            or not peers.is_contactable(solution.id, establishment.id)):
        abort(404)
    return solution, establishment


@bp.route("/solutions/<int:solution_id>/establishments/<int:establishment_id>", methods=["GET", "POST"])
@permissions.require(permissions.can_contact_peers)
@limiter.limit(_message_limit, key_func=_sender_key, methods=["POST"], deduct_when=_sent)
def write(solution_id: int, establishment_id: int):
    solution, establishment = _contactable_or_404(solution_id, establishment_id)
    form = MessageForm()
    warnings = _checked(form)
    if warnings is None:
        try:
            conversation = peer_messages.start(current_user, solution, establishment.id, form.body.data)
        except peers.PeerError as error:
            db.session.rollback()
            flash(ERRORS[str(error)](), "error")
            return redirect(url_for("catalogue.solution", key=solution.slug))
        db.session.commit()
        flash(_("Message envoyé à %(name)s. Vous serez prévenu(e) par courriel de sa réponse.",
                name=establishment.name), "success")
        return redirect(url_for("peers.conversation", conversation_id=conversation.id))
    return render_template("peers/write.html", solution=solution, establishment=establishment, form=form,
                           warnings=warnings)


@bp.route("/")
@permissions.require(permissions.can_contact_peers)
def conversations():
    return render_template("peers/conversations.html", conversations=peer_messages.conversations_of(current_user))


@bp.route("/<int:conversation_id>", methods=["GET", "POST"])
@permissions.require(permissions.can_contact_peers)
@limiter.limit(_message_limit, key_func=_sender_key, methods=["POST"], deduct_when=_sent)
@no_store
def conversation(conversation_id: int):
    thread = db.session.get(PeerConversation, conversation_id)
    if thread is None or not permissions.can_read_conversation(current_user, thread):
        abort(404)  # another establishments' conversation: its existence is not revealed
    form = MessageForm()
    warnings = _checked(form)
    if warnings is None:
        try:
            peer_messages.reply(thread, current_user, form.body.data)
        except peers.PeerError as error:
            db.session.rollback()
            flash(ERRORS[str(error)](), "error")
            return redirect(url_for("peers.conversation", conversation_id=thread.id))
        db.session.commit()
        flash(_("Message envoyé."), "success")
        return redirect(url_for("peers.conversation", conversation_id=thread.id) + "#last")
    mine_is_recipient = current_user.establishment_id == thread.recipient_establishment_id
    other = thread.sender_establishment if mine_is_recipient else thread.recipient_establishment
    return render_template("peers/conversation.html", thread=thread, other=other, form=form, warnings=warnings,
                           messages=peer_messages.shown_messages(thread, current_user),
                           awaiting_answer=thread.answered_at is None, recipient_side=mine_is_recipient)


@bp.route("/reports/<int:report_id>/consent", methods=["GET", "POST"])
@permissions.require(permissions.can_contact_peers)
def withdraw_consent(report_id: int):
    report = db.session.get(Report, report_id)
    if report is None or not permissions.can_withdraw_contact_consent(current_user, report):
        abort(404)
    if not peers.has_consent_to_withdraw(report):
        flash(ERRORS["no_consent"](), "info")
        return redirect(url_for("reports.view", report_id=report.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        peers.withdraw_consent(report, current_user)
        db.session.commit()
        flash(_("Votre accord est retiré : votre établissement n'apparaît plus parmi les pairs à contacter pour "
                "cette solution, et ce retour ne le nomme plus."), "success")
        return redirect(url_for("reports.view", report_id=report.id))
    return render_template("peers/withdraw_consent.html", report=report, form=form)
