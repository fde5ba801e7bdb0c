"""Error pages in the site's look, with a French message (JSON for /api and /healthz)."""

from __future__ import annotations

import math
import time

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from app.extensions import db, limiter, login_manager

# The database cannot be reached or dropped the connection (restart, failover, network): nothing the request did
# is committed, and the pool (pool_pre_ping) reconnects by itself once the database is back. SQLite's
# "database is locked" is an OperationalError too: the same answer (try again shortly) fits it.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                        sa_exc.TimeoutError)
RETRY_AFTER_SECONDS = 10


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Requête invalide"), _("La requête n'a pas pu être traitée. Revenez à la page précédente et réessayez.")),
        403: (_("Accès refusé"), _("Vous n'avez pas les droits nécessaires pour accéder à cette page.")),
        404: (_("Page introuvable"), _("Cette page n'existe pas ou n'est plus disponible.")),
        405: (_("Méthode non autorisée"), _("Cette action n'est pas possible sur cette page.")),
        413: (_("Envoi trop volumineux"), _("Le texte envoyé dépasse la taille autorisée. Revenez à la page "
                                            "précédente, raccourcissez votre saisie et réessayez.")),
        429: (_("Trop de tentatives"), _("Vous avez fait trop de tentatives en peu de temps. "
                                         "Patientez une minute avant de réessayer.")),
        500: (_("Erreur interne"), _("Une erreur inattendue s'est produite. L'équipe a été prévenue ; "
                                     "réessayez dans quelques instants.")),
        503: (_("Service momentanément indisponible"),
              _("Le service est momentanément indisponible. Patientez quelques instants puis réessayez : rechargez "
                "la page ou renvoyez le formulaire. Ce qui était déjà enregistré est conservé.")),
    }


def _rate_limit_wait() -> str | None:
    """For a limit counted over more than a minute (registrations, per hour), how long to wait."""
    limit = limiter.current_limit
    seconds = limit.reset_at - time.time() if limit is not None else 0
    if seconds <= 60:
        return None
    return ngettext("Vous avez fait trop de tentatives en peu de temps. Patientez %(num)d minute avant de réessayer.",
                    "Vous avez fait trop de tentatives en peu de temps. Patientez %(num)d minutes avant de réessayer.",
                    math.ceil(seconds / 60))


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, _messages()[500])
    try:
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code
    except DATABASE_UNAVAILABLE:
        # The layout needed the user (navigation) and the database is away: the same page, as to a visitor.
        _forget_database_state()
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def _forget_database_state() -> None:
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        pass  # the connection is already gone: the pool replaces it at the next checkout
    login_manager._update_request_context_with_user()  # anonymous: loading the user would query again


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # noqa: ARG001
        if request.headers.get("X-Requested-With") == "fetch":
            # The questionnaire's autosave (static/js/draft.js): after a login in another tab (a new token), it
            # reads the session's new token from one of our pages and sends again.
            return jsonify(status="csrf"), 400
        return render_error(400, _("Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
                                   "Rechargez la page : ce que vous aviez saisi vous sera redemandé."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            from app.api.errors import api_error

            return api_error(error)
        code = error.code or 500
        if code not in _messages():
            return error
        return render_error(code, _rate_limit_wait() if code == 429 else None)

    def database_unavailable(error: Exception):
        _forget_database_state()
        # The statement and its parameters (answers typed by a user) stay out of the log.
        app.logger.warning("Database unavailable on %s %s: %s: %s", request.method, request.path,
                           error.__class__.__name__, str(getattr(error, "orig", None) or "").split("\n", 1)[0])
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            from app.api.errors import api_error

            response, code = api_error(503)
            response.headers.update(headers)
            return response, code
        if request.path == "/healthz":
            return jsonify(status="error", database="error"), 503, headers
        # The page is shown as to a visitor (_forget_database_state): loading the user would query again.
        page, code = render_error(503)
        return page, code, headers

    for exception in DATABASE_UNAVAILABLE:
        app.register_error_handler(exception, database_unavailable)

    if app.testing:
        return  # tests see the real exception

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if request.path.startswith("/api/"):
            from app.api.errors import api_error

            return api_error(500)
        return render_error(500)
