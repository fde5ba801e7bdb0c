"""Session timeouts: a login ends after SESSION_IDLE_MINUTES without a request, and SESSION_ABSOLUTE_HOURS
after it began.

Both moments are signed, so the browser cannot change them: an old cookie played again carries its old moments.
The login's beginning is part of the login's id (User.get_id, Unix seconds), which the session and the
"remember me" cookie both carry: a remembered login restored from its cookie keeps the moment it was proved, so
the cookie dies twelve hours after it was issued, however often the owner logs in elsewhere. The last request
is in the session (`_seen_at`). Every request of a logged-in user counts as activity, the questionnaire's
autosave too.

An expired login is closed before the view runs. The questionnaire's own views then see a visitor and keep
what was sent for after the next login (app.reports.routes, DraftStash); every other request is sent to the
login page, with a message and the page to come back to, and a form it carried is kept for its author to
send again after the login (app.auth.form_stash).
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user, user_loaded_from_cookie

from app.auth.blueprint import bp
from app.urls import referrer_path

SEEN_AT = "_seen_at"
# Who last logged in with this browser (kept after the login ends): text the questionnaire receives once the
# login has ended is kept only for a report that user may edit (app.reports.routes).
LAST_USER = "_last_user"
# This browser, for the questionnaire text kept after a login ended (app.reports.routes, DraftStash).
BROWSER_KEY = "bk"
# Views that handle an expired login themselves, by keeping the answers sent (they run as for a visitor).
STASHING_ENDPOINTS = frozenset({"reports.step", "reports.autosave"})
# The JSON API and its description authenticate by token, never by the session: they neither end nor
# prolong a login.
API_BLUEPRINTS = frozenset({"api", "api-docs"})


def now() -> int:
    return int(time.time())


def mark_login() -> None:
    """At every login proved by the user (password, invitation), once logged in: the idle clock starts again (the
    login's own moment is in its id)."""
    session[SEEN_AT] = now()
    session[LAST_USER] = current_user.id


def forget() -> None:
    session.pop(SEEN_AT, None)


@user_loaded_from_cookie.connect
def _restored_from_cookie(sender, user) -> None:  # noqa: ARG001
    """The "remember me" cookie opened a new session: a new idle clock, the login's moment as the cookie says."""
    session[SEEN_AT] = now()
    session[LAST_USER] = user.id


def expiry() -> str | None:
    """Why this login has ended ("idle" or "absolute"), or None while it lasts."""
    config = current_app.config
    moment = now()
    if moment - current_user.login_at > config["SESSION_ABSOLUTE_HOURS"] * 3600:
        return "absolute"
    if moment - session.get(SEEN_AT, moment) > config["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    return None


def _come_back_to() -> str | None:
    """The page to open after the next login: this one, or for a form sent, the page it was sent from."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    return referrer_path()


@bp.before_app_request
def end_expired_sessions():
    if request.endpoint == "static" or request.blueprint in API_BLUEPRINTS or not current_user.is_authenticated:
        return None
    reason = expiry()
    if reason is None:
        session[SEEN_AT] = now()
        return None
    user_id = current_user.id
    logout_user()
    forget()
    if request.endpoint in STASHING_ENDPOINTS and request.method == "POST":
        return None
    from app.auth import form_stash

    kept = form_stash.keep_sent_form(user_id)
    if reason == "idle":
        flash(ngettext("Votre session a expiré après %(num)d minute sans activité. Reconnectez-vous pour continuer.",
                       "Votre session a expiré après %(num)d minutes sans activité. Reconnectez-vous pour continuer.",
                       current_app.config["SESSION_IDLE_MINUTES"]), "warning")
    else:
        flash(ngettext("Votre session a expiré : une connexion dure au plus %(num)d heure. "
                       "Reconnectez-vous pour continuer.",
                       "Votre session a expiré : une connexion dure au plus %(num)d heures. "
                       "Reconnectez-vous pour continuer.", current_app.config["SESSION_ABSOLUTE_HOURS"]), "warning")
    if kept:
        flash(_("Le formulaire que vous venez d'envoyer n'a pas été enregistré, mais ce que vous y aviez saisi est "
                "conservé : vous pourrez le renvoyer après vous être reconnecté."), "info")
    return redirect(url_for("auth.login", next=None if request.endpoint == "auth.login" else _come_back_to()))
