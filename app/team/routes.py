from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import permissions
from app.extensions import db
from app.models import User
from app.services import accounts, audit, notifications
from app.services.mail import send_mail
from app.services.wording import of_name
from app.team.blueprint import bp
from app.team.forms import DecisionForm, InviteForm
from app.urls import public_url


@bp.route("/")
@permissions.require(permissions.can_manage_team)
def members():
    establishment_id = current_user.establishment_id
    users = db.session.scalars(sa.select(User).where(User.establishment_id == establishment_id)
                               .order_by(User.status.desc(), User.full_name)).all()
    return render_template("team/members.html", users=users, invite_form=InviteForm(), decision_form=DecisionForm())


def _pending_user_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not permissions.can_approve_user(current_user, user):
        # Another establishment's user, or not pending: nothing to see here.
        abort(404)
    return user


def _decide(user_id: int, approved: bool):
    """Approve or refuse a pending account of the referent's establishment, and tell its owner."""
    user = _pending_user_or_404(user_id)
    if DecisionForm().validate_on_submit():
        (accounts.approve_user if approved else accounts.reject_user)(user, current_user)
        notifications.account_decision(user, approved=approved)
        db.session.commit()
        name = user.full_name or user.email
        if approved:
            flash(_("Le compte %(of_name)s est activé.", of_name=of_name(name)), "success")
        else:
            flash(_("La demande %(of_name)s est refusée.", of_name=of_name(name)), "info")
    return redirect(url_for("team.members"))


@bp.route("/<int:user_id>/approve", methods=["POST"])
@permissions.require(permissions.can_manage_team)
def approve(user_id: int):
    return _decide(user_id, approved=True)


@bp.route("/<int:user_id>/reject", methods=["POST"])
@permissions.require(permissions.can_manage_team)
def reject(user_id: int):
    return _decide(user_id, approved=False)


@bp.route("/invite", methods=["POST"])
@permissions.require(permissions.can_manage_team)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        email = accounts.normalise_email(form.email.data)
        if accounts.find_user_by_email(email) is not None:
            form.email.errors.append(_("Cette adresse a déjà un compte Retex IA."))
        else:
            establishment = current_user.establishment
            token = accounts.make_invitation_token(email, establishment, current_user)
            days = current_app.config["INVITATION_MAX_AGE"] // 86400
            send_mail(email, _("Retex IA : invitation %(of_name)s",
                                 of_name=of_name(current_user.full_name or current_user.email)),
                      _("Vous êtes invité(e) à partager sur Retex IA les retours d'expérience de votre établissement, "
                        "%(establishment)s.\n"
                        "Créez votre compte avec ce lien (valable %(validity)s) : %(link)s",
                        establishment=establishment.name,
                        validity=ngettext("%(num)d jour", "%(num)d jours", days),
                        link=public_url("auth.accept_invitation", token=token)))
            audit.record(current_user.id, "user.invited", "establishment", establishment.id, email=email)
            db.session.commit()
            flash(_("Invitation envoyée à %(email)s.", email=email), "success")
            return redirect(url_for("team.members"))
    users = db.session.scalars(sa.select(User).where(User.establishment_id == current_user.establishment_id)
                               .order_by(User.full_name)).all()
    return render_template("team/members.html", users=users, invite_form=form, decision_form=DecisionForm())
