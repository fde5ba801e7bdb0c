"""JSON errors for everything under /api/: {"code": "not_found", "message": "<French message>"}."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         429: "too_many_requests", 500: "internal_error", 503: "service_unavailable"}


def _messages() -> dict[int, str]:
    return {
        400: _("Paramètres de la requête invalides."),
        401: _("Jeton d'API invalide ou révoqué. Vérifiez l'en-tête « Authorization: Bearer <jeton> »."),
        403: _("Accès refusé."),
        404: _("Ressource introuvable."),
        405: _("Méthode non autorisée : l'API est en lecture seule (GET)."),
        429: _("Trop de requêtes : patientez une minute avant de réessayer."),
        500: _("Erreur interne du serveur. Réessayez dans quelques instants."),
        503: _("Service momentanément indisponible : réessayez dans quelques instants."),
    }


def _field_errors(messages: Any) -> dict[str, list[str]] | None:
    """webargs nests errors by location ({"query": {"page": [...]}}): keep field → messages."""
    if not isinstance(messages, dict):
        return None
    flat: dict[str, list[str]] = {}
    for location_errors in messages.values():
        items = location_errors.items() if isinstance(location_errors, dict) else [("_", location_errors)]
        for name, errors in items:
            flat[str(name)] = [str(e) for e in errors] if isinstance(errors, list) else [str(errors)]
    return flat or None


def api_error(error: HTTPException | int, message: str | None = None) -> tuple[Response, int]:
    """The JSON answer for an HTTP error (or a bare status code) raised under /api/."""
    code = error if isinstance(error, int) else (error.code or 500)
    data = getattr(error, "data", None) or {}
    body: dict[str, Any] = {
        "code": CODES.get(code) or (error.name.lower().replace(" ", "_") if isinstance(error, HTTPException)
                                    else "error"),
        "message": message or data.get("message") or _messages().get(code) or _messages()[500],
    }
    errors = _field_errors(data.get("messages"))
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    if isinstance(error, HTTPException):
        # Allow (405), Retry-After (429), WWW-Authenticate (401)…: everything but the HTML content type.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        response.headers.update(data.get("headers") or {})
    return response, code
