"""Security headers on every response, and the per-request nonce of the Content-Security-Policy.

Answers for a logged-in user (or an API token) and pages showing a secret (a reset or invitation link's page)
are never stored by a browser or a proxy (`Cache-Control: no-store`): a shared workstation's back button or disk
cache would otherwise show them to the next person. Public pages keep their caching; the app's own page cache
(app.page_cache) works on the server and is not concerned.

Pages may only run the scripts and styles served from our own origin, or carrying the nonce of the request.
The nonce is written by the layout (templates/base.html) only, never inside a page's `title` or `content`
blocks: those blocks are kept by app.page_cache and served again to other readers, whose
requests have other nonces.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request, session

# Non-HTML answers (JSON, CSV, static files) load nothing and are never framed.
NON_HTML_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# A PDF is shown by the browser's own viewer, which `object-src`, `default-src` or `sandbox` on the PDF's
# answer can disable; it runs no script of ours, so only framing is refused.
PDF_POLICY = "frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"
# What the server says it is (the Server header): not the software and version behind it (gunicorn, Werkzeug,
# Python), which tell an attacker which published flaws to try.
SERVER_BANNER = "Retex IA"
# Features the site never uses (only names Chromium knows: an unknown one is reported in the console).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def csp_nonce() -> str:
    """The nonce of this request (in templates: `nonce="{{ csp_nonce() }}"`, in templates/base.html only)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def html_policy(nonce: str, form_targets: str = "") -> str:
    return (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            f"form-action 'self'{form_targets}")


# The national identity providers (app.auth.oidc): the logout form's answer sends the browser on to the provider's
# logout (RP-initiated logout), a redirection that browsers check against form-action.
IDENTITY_PROVIDERS = ("PROCONNECT", "PROSANTECONNECT")


def identity_provider_origins() -> str:
    """The origins of the configured identity providers, each after a space (nothing when none is configured)."""
    config = current_app.config
    origins = []
    for prefix in IDENTITY_PROVIDERS:
        issuer = (config.get(f"{prefix}_ISSUER") or "").strip()
        if issuer and config.get(f"{prefix}_CLIENT_ID") and config.get(f"{prefix}_CLIENT_SECRET"):
            parts = urlsplit(issuer)
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.append(f"{parts.scheme}://{parts.netloc}")
    return "".join(f" {origin}" for origin in dict.fromkeys(origins))


def content_security_policy(response: Response) -> str:
    if response.mimetype == "text/html":
        return html_policy(csp_nonce(), identity_provider_origins())
    if response.mimetype == "application/pdf":
        return PDF_POLICY
    return NON_HTML_POLICY


def rotate_csrf_token() -> None:
    """A new CSRF token for this session, from the next form rendered on. At every login and logout: a token
    seen before the login (on a shared workstation, or planted with a session cookie) must not be good for
    forging the requests of the user who logs in afterwards. Forms rendered earlier, in other tabs, are refused
    once (the CSRF page asks for a reload)."""
    name = current_app.config["WTF_CSRF_FIELD_NAME"]
    session.pop(name, None)
    g.pop(name, None)  # Flask-WTF's token of this request, signed from the old one


def no_store(view: Callable) -> Callable:
    """For a view whose page shows a secret (a token, a link that is a credential), even to a visitor."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        g.no_store = True
        return view(*args, **kwargs)

    return wrapper


def is_private() -> bool:
    """Whether this answer is for someone logged in (or holding an API token), or shows a secret."""
    if g.get("no_store") or g.get("api_user") is not None:
        return True
    if request.endpoint == "static":
        return False  # the same files for everyone
    user = g.get("_login_user")
    if user is not None:
        return user.is_authenticated
    # The view never asked who the user is: the session says whether someone is logged in.
    return "_user_id" in session


def add_security_headers(response: Response) -> Response:
    # setdefault: a view that needs another value for one of them sets it itself.
    response.headers.setdefault("Content-Security-Policy", content_security_policy(response))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("HSTS_ENABLED"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if is_private():
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
    return response


def hide_server_banner() -> None:
    """Werkzeug's server (`flask run`, development) writes its own Server header, `Werkzeug/… Python/…`, whatever
    the app answers: its request handler is told our banner instead. (gunicorn's: app.wsgi.)"""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: SERVER_BANNER  # type: ignore[method-assign]  # noqa: ARG005


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    hide_server_banner()
