"""Logging in with ProConnect or Pro Santé Connect (app.auth.oidc), and the first login of an identity."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.auth import oidc, timeouts
from app.auth.blueprint import bp
from app.auth.forms import IdentityRequestForm, LinkIdentityForm
from app.auth.oidc import Identity, OidcError
from app.auth.routes import (
    _address_limit,
    _answer_registration,
    _failed_login,
    inactive_account_message,
    lock_message,
    start_session,
)
from app.extensions import db, limiter
from app.models import User
from app.security import no_store
from app.services import accounts, audit, establishment_requests, identities, notifications
from app.services.finess import normalise_finess
from app.urls import public_url, safe_redirect_target

# The identity vouched for by the provider, while its owner chooses an account (for PENDING_MINUTES at most).
PENDING = "oidc_pending"
PENDING_MINUTES = 15
NEXT = "oidc_next"


def _failure_message(reason: str, label: str) -> str:
    messages = {
        "state": _("La connexion avec %(provider)s n'a pas abouti : la réponse ne correspond à aucune demande de "
                   "connexion de ce navigateur (lien ancien ou ouvert ailleurs). Recommencez.", provider=label),
        "replayed": _("La connexion avec %(provider)s n'a pas abouti : cette réponse a déjà servi. Recommencez.",
                      provider=label),
        "code": _("La connexion avec %(provider)s n'a pas abouti : l'autorisation a expiré ou a déjà servi. "
                  "Recommencez.", provider=label),
        "unknown_issuer": _("La connexion avec %(provider)s n'a pas abouti : la réponse ne vient pas du "
                            "fournisseur d'identité attendu.", provider=label),
        "unreachable": _("%(provider)s ne répond pas pour le moment. Réessayez dans quelques minutes, ou "
                         "connectez-vous avec votre mot de passe.", provider=label),
        "refused": _("La connexion avec %(provider)s a été annulée ou refusée.", provider=label),
    }
    return messages.get(reason, _("La connexion avec %(provider)s n'a pas abouti : la réponse du fournisseur "
                                  "d'identité n'a pas pu être vérifiée. Recommencez.", provider=label))


def _provider_or_404(name: str) -> oidc.Provider:
    provider = oidc.configured_provider(name)
    if provider is None:
        abort(404)
    return provider


@bp.route("/login/<provider>")
def oidc_login(provider: str):
    chosen = _provider_or_404(provider)
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    session[NEXT] = safe_redirect_target(request.args.get("next"))
    try:
        return oidc.authorize_redirect(chosen, public_url("auth.oidc_callback", provider=chosen.name))
    except OidcError as error:
        flash(_failure_message(error.reason, str(chosen.label)), "error")
        return redirect(url_for("auth.login"))


@bp.route("/login/<provider>/callback")
@no_store
def oidc_callback(provider: str):
    chosen = _provider_or_404(provider)
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    try:
        identity, nonce = oidc.complete_login(chosen)
        if not identities.use_nonce(nonce):
            raise OidcError("replayed")
    except OidcError as error:
        db.session.rollback()
        audit.record(None, "user.identity_login_refused", "user", None, provider=chosen.name, reason=error.reason)
        db.session.commit()
        flash(_failure_message(error.reason, str(chosen.label)), "error")
        return redirect(url_for("auth.login"))
    db.session.commit()  # the nonce is spent, whatever comes next
    linked = identities.find_identity(identity.provider, identity.subject)
    if linked is None:
        session[PENDING] = {**identity.as_dict(), "at": timeouts.now()}
        return redirect(url_for("auth.oidc_first_login"))
    return _log_in(linked.user, identity, lambda: identities.record_login(linked, identity.rpps))


def _log_in(user: User, identity: Identity, record) -> object:
    if user.status != "active":
        flash(*inactive_account_message(user))
        return redirect(url_for("auth.login"))
    record()
    start_session(user)
    session.pop(PENDING, None)
    session[oidc.SESSION_KEY] = {"provider": identity.provider, "id_token": identity.id_token}
    db.session.commit()
    return redirect(safe_redirect_target(session.pop(NEXT, None)))


def _pending_identity() -> Identity | None:
    data = session.get(PENDING)
    if not isinstance(data, dict) or timeouts.now() - int(data.get("at") or 0) > PENDING_MINUTES * 60:
        session.pop(PENDING, None)
        return None
    return Identity.from_dict(data)


def _first_login_page(identity: Identity, link_form: LinkIdentityForm, request_form: IdentityRequestForm,
                      status: int = 200):
    suggested = identities.establishment_for_siret(identity.siret)
    if request.method == "GET":
        link_form.email.data = identity.email
        request_form.full_name.data = identity.full_name
        request_form.email.data = identity.email
        if suggested is not None:
            request_form.finess.data = suggested.finess
    provider = oidc.PROVIDERS[identity.provider]
    return render_template("auth/identity_first_login.html", identity=identity, provider_label=provider.label,
                           link_form=link_form, request_form=request_form, suggested=suggested), status


def _expired_identity():
    flash(_("Votre connexion avec l'identité professionnelle a expiré. Recommencez."), "warning")
    return redirect(url_for("auth.login"))


@bp.route("/login/identity")
@no_store
def oidc_first_login():
    identity = _pending_identity()
    if identity is None or current_user.is_authenticated:
        return _expired_identity() if not current_user.is_authenticated else redirect(url_for("main.index"))
    return _first_login_page(identity, LinkIdentityForm(prefix="link"), IdentityRequestForm(prefix="request"))


@bp.route("/login/identity/link", methods=["POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed_login)
@no_store
def oidc_link():
    identity = _pending_identity()
    if identity is None or current_user.is_authenticated:
        return _expired_identity() if not current_user.is_authenticated else redirect(url_for("main.index"))
    form = LinkIdentityForm(prefix="link")
    if form.validate_on_submit():
        attempt = accounts.attempt_login(form.email.data, form.password.data, get_remote_address())
        db.session.commit()  # failed attempts count, as on the login page
        user = attempt.user
        if attempt.locked:
            flash(lock_message(), "error")
        elif user is None:
            form.password.errors.append(_("Adresse électronique ou mot de passe incorrect."))
        elif identities.find_identity(identity.provider, identity.subject) is not None:
            flash(_("Cette identité est déjà liée à un compte."), "error")
            return redirect(url_for("auth.login"))
        elif any(linked.provider == identity.provider for linked in identities.identities_of(user)):
            form.email.errors.append(_("Ce compte est déjà lié à une autre identité %(provider)s.",
                                       provider=oidc.PROVIDERS[identity.provider].label))
        elif user.status != "active":
            flash(*inactive_account_message(user))
        else:
            response = _log_in(user, identity,
                               lambda: identities.link(user, identity.provider, identity.subject, identity.rpps))
            flash(_("Votre identité %(provider)s est liée à votre compte : elle suffit désormais pour vous "
                    "connecter.", provider=oidc.PROVIDERS[identity.provider].label), "success")
            return response
    return _first_login_page(identity, form, IdentityRequestForm(prefix="request", formdata=None), 400)


@bp.route("/login/identity/request", methods=["POST"])
@no_store
def oidc_request():
    identity = _pending_identity()
    if identity is None or current_user.is_authenticated:
        return _expired_identity() if not current_user.is_authenticated else redirect(url_for("main.index"))
    form = IdentityRequestForm(prefix="request")
    if form.validate_on_submit():
        if identities.find_identity(identity.provider, identity.subject) is not None:
            flash(_("Cette identité est déjà liée à un compte."), "error")
            return redirect(url_for("auth.login"))
        establishment = accounts.find_establishment_by_finess(form.finess.data)
        name = " ".join((form.establishment_name.data or "").split())
        if establishment is None and not name:
            form.establishment_name.errors.append(_("Aucun établissement de Retex IA ne porte ce numéro FINESS : "
                                                    "indiquez son nom, pour que l'équipe puisse l'ajouter."))
        else:
            user = identities.request_account(identity.provider, identity.subject, identity.rpps, form.email.data,
                                              form.full_name.data, establishment, form.finess.data, name,
                                              form.establishment_type.data)
            _answer_registration(user, form.email.data)
            if user is not None and establishment is not None:
                notifications.approvers_of_registration(user)
            elif user is not None:
                request_ = establishment_requests.request_of(user)
                notifications.admins_of_establishment_request(request_)
                notifications.requester_of_establishment_request(request_)
            db.session.commit()
            session.pop(PENDING, None)
            session["registered_at"] = establishment.name if establishment is not None else name
            if establishment is None:
                session["registered_request"] = normalise_finess(form.finess.data)
            return redirect(url_for("auth.registered"))
    return _first_login_page(identity, LinkIdentityForm(prefix="link", formdata=None), form, 400)


@bp.route("/logout/done")
def oidc_logged_out():
    """Where a provider sends the browser back after ending its own session."""
    return redirect(url_for("main.index"))
