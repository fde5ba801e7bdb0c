from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import form_stash, oidc, timeouts
from app.auth.blueprint import bp
from app.auth.forms import (
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    LogoutForm,
    RegistrationForm,
    ResetPasswordForm,
    ResumeForm,
)
from app.extensions import db, limiter
from app.models import Establishment, User
from app.security import no_store, rotate_csrf_token
from app.services import accounts, audit, establishment_requests, notifications
from app.services.finess import normalise_finess
from app.services.mail import send_mail
from app.urls import public_url, safe_redirect_target


def _failed_login(response) -> bool:
    # Only refused attempts count towards the limit; a successful login redirects.
    return response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_key() -> str:
    # Per address and account: colleagues behind one hospital gateway do not lock each other out.
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"{get_remote_address()}|{email}"


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def _answered_registration(response) -> bool:
    # A registration answered (and mailed about) counts; a form sent back with its errors does not.
    return response.status_code == 302


def _registration_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _registration_email_limit() -> str:
    return current_app.config["REGISTER_EMAIL_RATE_LIMIT"]


def _registration_email_key() -> str:
    # Whatever the sender's address: the owner of an address is not flooded with notices about it.
    return "register|" + (request.form.get("email") or "").strip().lower()[:254]


def start_session(user: User, remember: bool = False) -> None:
    """Open a session for a user who proved who they are (password today, single sign-on later)."""
    user.login_at = timeouts.now()  # before login_user, which writes the login's id (User.get_id)
    login_user(user, remember=remember)
    timeouts.mark_login()
    rotate_csrf_token()
    accounts.record_login(user)


def inactive_account_message(user: User) -> tuple[str, str]:
    """Why an account that proved who it is may not log in yet (message, category), whatever the way in."""
    if user.status == "pending" and user.establishment_id is None:
        return (_("Votre établissement n'est pas encore inscrit sur Retex IA : l'équipe examine votre demande "
                  "d'ajout. Vous recevrez un message à chaque étape, jusqu'à l'activation de votre compte."),
                "warning")
    if user.status == "pending":
        return (_("Votre compte attend la validation du référent de votre établissement ou d'un administrateur. "
                  "Vous recevrez un message dès qu'il sera activé."), "warning")
    return _("Ce compte n'est pas actif. Contactez le référent de votre établissement."), "error"


def lock_message() -> str:
    # Said whether or not the password was right, and whether or not the account exists.
    return _("Trop de tentatives de connexion infructueuses avec cette adresse électronique depuis votre "
             "réseau : la connexion y est suspendue pour un temps. Réessayez plus tard, ou choisissez un "
             "nouveau mot de passe avec « Mot de passe oublié » : le lien reçu par courriel lève ce blocage.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_key, methods=["POST"], deduct_when=_failed_login)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = accounts.attempt_login(form.email.data, form.password.data, get_remote_address())
        user = attempt.user
        db.session.commit()  # failed attempts count, and may lock this e-mail from this address
        if attempt.locked:
            flash(lock_message(), "error")
        elif user is None:
            flash(_("Adresse électronique ou mot de passe incorrect."), "error")
        elif user.status != "active":
            flash(*inactive_account_message(user))
        else:
            start_session(user, remember=form.remember.data)
            resume = form_stash.pending(user) is not None  # (a kept form too old is dropped here)
            db.session.commit()
            if resume:
                return redirect(url_for("auth.resume_form"))
            return redirect(safe_redirect_target(request.args.get("next")))
        return render_template("auth/login.html", form=form, providers=oidc.configured_providers()), 200
    return render_template("auth/login.html", form=form, providers=oidc.configured_providers())


@bp.route("/resume")
@login_required
def resume_form():
    """The form sent after the last session had expired: read it, send it again, or drop it."""
    stash = form_stash.pending(current_user)
    db.session.commit()
    if stash is None:
        flash(_("Aucun formulaire n'est en attente d'envoi."), "info")
        return redirect(url_for("main.index"))
    # Every field is shown: what was written (several words) first, then the choices, numbers and codes.
    shown = [(name, value) for name, value in stash.fields if len(value.split()) > 1]
    others = [(name, value) for name, value in stash.fields if value.strip() and len(value.split()) <= 1]
    return render_template("auth/resume.html", stash=stash, shown=shown, others=others, form=ResumeForm(),
                           moment=format_datetime(stash.at, "short"), action_label=form_stash.action_label(stash),
                           resumed_field=form_stash.RESUMED_FIELD, action=safe_redirect_target(stash.action),
                           origin=safe_redirect_target(stash.origin) if stash.origin else None)


@bp.route("/resume/discard", methods=["POST"])
@login_required
def discard_form():
    form = ResumeForm()
    if form.validate_on_submit():
        stash = form_stash.pending(current_user)
        origin = stash.origin if stash is not None else None
        form_stash.discard(current_user)
        db.session.commit()
        flash(_("Le formulaire conservé a été abandonné."), "info")
        return redirect(safe_redirect_target(origin))
    return redirect(url_for("auth.resume_form"))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        # Logging out closes every session of this user, on every device.
        accounts.revoke_sessions(current_user)
        db.session.commit()
        logout_user()
        # Logged out on purpose: text typed in this browser afterwards is no longer kept for this user.
        session.pop(timeouts.LAST_USER, None)
        session.pop(timeouts.BROWSER_KEY, None)
        provider_session = session.pop(oidc.SESSION_KEY, None)
        rotate_csrf_token()
        flash(_("Vous êtes déconnecté."), "info")
        if isinstance(provider_session, dict):
            # Logged in through a national identity: its provider's session ends too (RP-initiated logout).
            ending = oidc.logout_redirect(str(provider_session.get("provider")),
                                          str(provider_session.get("id_token") or ""),
                                          public_url("auth.oidc_logged_out"))
            if ending is not None:
                return ending
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"], deduct_when=_answered_registration)
@limiter.limit(_registration_email_limit, key_func=_registration_email_key, methods=["POST"],
               deduct_when=_answered_registration)
@no_store
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    unknown_finess = False
    if form.validate_on_submit():
        establishment = accounts.find_establishment_by_finess(form.finess.data)
        if establishment is None:
            # A valid number the platform does not hold yet: the person may ask for the establishment to be added.
            unknown_finess = True
            name = " ".join((form.establishment_name.data or "").split())
            if form.request_establishment.data == "1" and not name:
                form.establishment_name.errors.append(_("Indiquez le nom de l'établissement, pour que l'équipe "
                                                        "puisse l'ajouter."))
            elif form.request_establishment.data == "1":
                user = establishment_requests.request_establishment(
                    form.email.data, form.password.data, form.full_name.data, form.finess.data, name,
                    form.establishment_type.data)
                _answer_registration(user, form.email.data)
                if user is not None:
                    request_ = establishment_requests.request_of(user)
                    notifications.admins_of_establishment_request(request_)
                    notifications.requester_of_establishment_request(request_)
                db.session.commit()
                session["registered_at"] = name
                session["registered_request"] = normalise_finess(form.finess.data)
                return redirect(url_for("auth.registered"))
            form.request_establishment.data = "1"
        else:
            user = accounts.register_user(form.email.data, form.password.data, form.full_name.data, establishment)
            _answer_registration(user, form.email.data)
            if user is not None:
                notifications.approvers_of_registration(user)
            db.session.commit()
            session["registered_at"] = establishment.name
            return redirect(url_for("auth.registered"))
    return render_template("auth/register.html", form=form, unknown_finess=unknown_finess,
                           finess=normalise_finess(form.finess.data or ""))


def _answer_registration(user: User | None, email: str) -> None:
    """An address that has an account: nothing was created, the page answers the same, its owner is told."""
    if user is None:
        owner = accounts.find_user_by_email(email)
        audit.record(None, "user.registration_attempted", "user", owner.id)
        notifications.owner_of_registered_address(owner)


@bp.route("/register/done")
def registered():
    """After a registration (POST/redirect/GET, so that reloading sends nothing twice)."""
    name = session.pop("registered_at", None)
    requested_finess = session.pop("registered_request", None)
    if name is None:
        return redirect(url_for("auth.register"))
    return render_template("auth/registered.html", establishment_name=name, requested_finess=requested_finess)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        if user is not None and user.status == "active":
            token = accounts.make_reset_token(user)
            db.session.commit()  # the link works as soon as the mail arrives
            link = public_url("auth.reset_password", token=token)
            send_mail(user.email, _("Retex IA : réinitialisation du mot de passe"),
                      _("Pour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure) :\n%(link)s\n\n"
                        "Si vous n'avez rien demandé, ignorez ce message.", link=link))
        # The same answer whether or not the address has an account.
        flash(_("Si un compte actif existe pour cette adresse, un lien de réinitialisation vient d'y être envoyé. "
                "Il est valable une heure."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@no_store
def reset_password(token: str):
    user = accounts.user_from_reset_token(token)
    if user is None:
        return render_template("auth/invalid_link.html", title=_("Lien de réinitialisation invalide"),
                               message=_("Ce lien a expiré ou a déjà servi. Demandez-en un nouveau."),
                               retry=url_for("auth.forgot_password")), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.change_password(user, form.password.data)
        db.session.commit()
        flash(_("Votre mot de passe a été changé. Connectez-vous avec le nouveau."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@no_store
def accept_invitation(token: str):
    invitation = accounts.read_invitation_token(token)
    establishment = db.session.get(Establishment, invitation.establishment_id) if invitation else None
    if invitation is None or establishment is None:
        return render_template("auth/invalid_link.html", title=_("Invitation invalide"),
                               message=_("Ce lien d'invitation a expiré ou n'est pas valide. "
                                         "Demandez au référent de votre établissement de vous inviter à nouveau.")), 400
    if accounts.find_user_by_email(invitation.email) is not None:
        flash(_("Un compte existe déjà pour %(email)s : connectez-vous.", email=invitation.email), "info")
        return redirect(url_for("auth.login"))
    form = InvitationForm()
    if form.validate_on_submit():
        user = accounts.accept_invitation(invitation, form.password.data, form.full_name.data)
        start_session(user)
        db.session.commit()
        flash(_("Bienvenue ! Votre compte est actif."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/invitation.html", form=form, invitation=invitation, establishment=establishment)
