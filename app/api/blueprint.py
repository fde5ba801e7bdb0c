"""The API's blueprints: /api/v1 (flask-smorest) and the HTML pages beside it (documentation, tokens)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_smorest import Blueprint as ApiBlueprint

from app.extensions import csrf, limiter

API_PREFIX = "/api/v1"
DEFAULT_RATE_LIMIT = "120 per minute"

SETTINGS: dict[str, Any] = {
    "API_TITLE": "Retex IA",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    # Hospital workstations have no internet: no page that loads its scripts from a CDN.
    "OPENAPI_SWAGGER_UI_PATH": None,
    "OPENAPI_REDOC_PATH": None,
    "OPENAPI_RAPIDOC_PATH": None,
    "API_RATE_LIMIT": DEFAULT_RATE_LIMIT,
}

DESCRIPTION = (
    "API en lecture seule de Retex IA : catalogue des solutions d'IA et statistiques des retours "
    "d'expérience des établissements de santé. Les statistiques sont publiées sous secret statistique : "
    "une cellule qui repose sur trop peu d'établissements est masquée (`suppressed: true`, `value`, `n` et "
    "`ci` à null). Les analystes obtiennent les valeurs non masquées avec un jeton personnel "
    "(`Authorization: Bearer <jeton>`), créé sur la page /account/api-tokens."
)

BEARER_SCHEME = {"type": "http", "scheme": "bearer",
                 "description": "Jeton personnel d'analyste (page « Jetons d'API » du compte)."}


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


bp = ApiBlueprint("api", __name__, url_prefix=API_PREFIX, description="Catalogue et statistiques")
# The API is read-only and authenticated by token, never by the session cookie: nothing to forge.
csrf.exempt(bp)
limiter.limit(rate_limit)(bp)

# HTML pages: the API's documentation and the analysts' tokens (CSRF applies to their forms).
pages = Blueprint("api_pages", __name__)
