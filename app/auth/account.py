"""The account page ("Mon compte"): name, e-mail address (confirmed by a link sent to the new one), password, and
deleting the account."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.auth import oidc, timeouts
from app.auth.account_forms import ConfirmForm, DeleteAccountForm, EmailChangeForm, NameForm
from app.auth.blueprint import bp
from app.auth.forms import ChangePasswordForm
from app.auth.routes import start_session
from app.extensions import db, limiter
from app.models import User
from app.security import no_store, rotate_csrf_token
from app.services import account_self, accounts, identities
from app.services.mail import send_after_commit, send_mail
from app.urls import public_url

EMAIL_FORM = "new"  # the prefix of the e-mail form's fields: the password form beside it has a password field too

ERRORS = {
    "email_taken": lambda: _("Cette adresse est déjà celle d'un autre compte."),
    "last_admin": lambda: _("Vous êtes le dernier administrateur : nommez-en un autre avant de supprimer votre "
                            "compte."),
    "last_ethics_reviewer": lambda: _("Vous êtes le dernier référent éthique de la plateforme : les alertes sur "
                                      "les retours ne parviendraient plus à personne. Demandez à un administrateur "
                                      "d'en nommer un autre avant de supprimer votre compte."),
    "successor_required": lambda: _("Choisissez le membre qui deviendra référent de l'établissement."),
}


def _password_error(user: User) -> str:
    if user.password_hash is None:  # an account made through a national login (ProConnect, Pro Santé Connect)
        return _("Votre compte n'a pas encore de mot de passe : choisissez-en un avec « Mot de passe oublié ? » "
                 "sur la page de connexion (un lien est envoyé à votre adresse), puis recommencez.")
    return _("Mot de passe actuel incorrect.")


def _page(name_form=None, email_form=None, password_form=None, status: int = 200):
    user = current_user
    return render_template("auth/account.html", name_form=name_form or NameForm(full_name=user.full_name),
                           email_form=email_form or EmailChangeForm(prefix=EMAIL_FORM),
                           form=password_form or ChangePasswordForm(),
                           pending_email=session.get("email_change_sent"),
                           identities=identities.identities_of(user),
                           provider_labels={name: provider.label for name, provider in oidc.PROVIDERS.items()}), status


@bp.route("/account")
@login_required
@no_store
def account():
    return _page()


@bp.route("/account", methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not accounts.verify_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("Mot de passe actuel incorrect."))
        else:
            user = current_user._get_current_object()
            accounts.change_password(user, form.password.data)
            # Every other session is now revoked; this one continues with the new token.
            start_session(user)
            db.session.commit()
            flash(_("Mot de passe changé. Vos autres sessions ont été fermées."), "success")
            return redirect(url_for("auth.account"))
    return _page(password_form=form)


@bp.route("/account/name", methods=["POST"])
@login_required
def rename():
    form = NameForm()
    if not form.validate_on_submit():
        return _page(name_form=form)
    account_self.rename(current_user, form.full_name.data)
    db.session.commit()
    flash(_("Votre nom est enregistré."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/email", methods=["POST"])
@login_required
@limiter.limit("5 per hour", methods=["POST"], key_func=lambda: f"email-change|{getattr(current_user, 'id', None)}")
def request_email_change():
    form = EmailChangeForm(prefix=EMAIL_FORM)
    if not form.validate_on_submit():
        return _page(email_form=form)
    if not accounts.verify_password(current_user, form.password.data):
        form.password.errors.append(_password_error(current_user))
        return _page(email_form=form)
    if accounts.normalise_email(form.email.data) == current_user.email:
        form.email.errors.append(_("C'est déjà votre adresse."))
        return _page(email_form=form)
    try:
        token = account_self.email_change_token(current_user, form.email.data)
    except account_self.SelfServiceError as error:
        form.email.errors.append(ERRORS[str(error)]())
        return _page(email_form=form)
    db.session.commit()
    new_email = accounts.normalise_email(form.email.data)
    send_mail(new_email, _("Retex IA : confirmez votre nouvelle adresse"),
              _("Pour que cette adresse devienne celle de votre compte Retex IA, ouvrez ce lien (valable 24 heures) :"
                "\n%(link)s\n\nSi vous n'avez rien demandé, ignorez ce message : rien ne changera.",
                link=public_url("auth.confirm_email_change", token=token)))
    session["email_change_sent"] = new_email
    flash(_("Un lien de confirmation vient d'être envoyé à %(email)s. Votre adresse changera quand vous l'aurez "
            "ouvert.", email=new_email), "info")
    return redirect(url_for("auth.account"))


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@no_store
def confirm_email_change(token: str):
    change = account_self.read_email_change_token(token)
    if change is None:
        return render_template("auth/invalid_link.html", title=_("Lien de confirmation invalide"),
                               message=_("Ce lien a expiré ou a déjà servi. Demandez-en un nouveau depuis la page "
                                         "« Mon compte »."), retry=url_for("auth.account")), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        old = change.old
        try:
            account_self.change_email(change)
        except account_self.SelfServiceError as error:
            db.session.rollback()
            flash(ERRORS[str(error)](), "error")
            return redirect(url_for("auth.account"))
        send_after_commit(old, _("Retex IA : l'adresse de votre compte a changé"),
                          _("L'adresse électronique de votre compte Retex IA est désormais %(new)s. Les messages ne "
                            "seront plus envoyés à celle-ci.\n\nSi vous n'êtes pas à l'origine de ce changement, "
                            "contactez sans attendre le référent de votre établissement ou l'équipe Retex IA.",
                            new=change.new))
        db.session.commit()
        session.pop("email_change_sent", None)
        flash(_("Votre adresse électronique est désormais %(email)s.", email=change.new), "success")
        return redirect(url_for("auth.account") if current_user.is_authenticated else url_for("auth.login"))
    return render_template("auth/confirm_email.html", form=form, change=change)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@no_store
def delete_account():
    user: User = current_user._get_current_object()
    candidates = account_self.successor_candidates(user)
    form = DeleteAccountForm()
    form.successor.choices = [(0, _("— Choisissez un membre —"))] + [
        (c.id, f"{c.full_name} ({c.email})") for c in candidates]
    if form.validate_on_submit():
        successor = next((c for c in candidates if c.id == form.successor.data), None)
        if not accounts.verify_password(user, form.password.data):
            form.password.errors.append(_password_error(user))
        elif candidates and successor is None:
            form.successor.errors.append(ERRORS["successor_required"]())
        else:
            old_email = user.email
            try:
                account_self.delete_account(user, successor)
            except account_self.SelfServiceError as error:
                db.session.rollback()
                flash(ERRORS[str(error)](), "error")
                return redirect(url_for("auth.account"))
            send_after_commit(old_email, _("Retex IA : votre compte est supprimé"),
                              _("Votre compte Retex IA est supprimé. Les retours que vous avez écrits restent "
                                "publiés au nom de votre établissement, sans votre nom ni votre adresse."))
            if successor is not None:
                send_after_commit(successor.email, _("Retex IA : vous êtes référent de votre établissement"),
                                  _("La personne qui était référente de votre établissement a supprimé son compte "
                                    "et vous a désigné(e) pour reprendre ce rôle : vous validez désormais les "
                                    "comptes de vos collègues.\n%(link)s", link=public_url("team.members")))
            db.session.commit()
            logout_user()
            session.pop(timeouts.LAST_USER, None)
            session.pop(timeouts.BROWSER_KEY, None)
            session.pop("email_change_sent", None)
            rotate_csrf_token()
            flash(_("Votre compte est supprimé. Vos retours restent, sans votre nom."), "info")
            return redirect(url_for("main.index"))
    refused = account_self.leaving_refused(user)
    return render_template("auth/delete_account.html", form=form, candidates=candidates,
                           last_referent=account_self.is_last_referent(user),
                           refused=ERRORS[refused]() if refused else None)
