"""Error pages in the site's look, with a French message (JSON for /api and /healthz)."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Requête invalide"), _("La requête n'a pas pu être traitée. Revenez à la page précédente et réessayez.")),
        403: (_("Accès refusé"), _("Vous n'avez pas les droits nécessaires pour accéder à cette page.")),
        404: (_("Page introuvable"), _("Cette page n'existe pas ou n'est plus disponible.")),
        405: (_("Méthode non autorisée"), _("Cette action n'est pas possible sur cette page.")),
        429: (_("Trop de tentatives"), _("Vous avez fait trop de tentatives en peu de temps. "
                                         "Patientez une minute avant de réessayer.")),
        500: (_("Erreur interne"), _("Une erreur inattendue s'est produite. L'équipe a été prévenue ; "
                                     "réessayez dans quelques instants.")),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, _messages()[500])
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):  # noqa: ARG001
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
        return render_error(code)

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
