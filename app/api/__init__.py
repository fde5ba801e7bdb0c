"""The read API /api/v1 (flask-smorest), its documentation page and the analysts' token pages."""

from __future__ import annotations

from flask import Flask

from app.api import docs, routes, tokens  # noqa: F401  # the views, registered on the blueprints
from app.api.blueprint import BEARER_SCHEME, DESCRIPTION, SETTINGS, bp, pages


def init_api(app: Flask) -> None:
    """Configure and bind flask-smorest's Api (called from register_extensions)."""
    from app.api.schemas import ErrorSchema
    from app.extensions import api

    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        # The token is optional: without it, the visitors' (suppressed) view.
        "security": [{}, {"bearerAuth": []}],
    })
    api.ERROR_SCHEMA = ErrorSchema  # our {"code", "message"} errors, documented as every "default" response
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", BEARER_SCHEME)


def register_api(app: Flask) -> None:
    """Register the API (documented in the OpenAPI description) and its HTML pages."""
    from app.extensions import api

    api.register_blueprint(bp)
    app.register_blueprint(pages)

