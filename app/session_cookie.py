"""The session cookie: lasting PERMANENT_SESSION_LIFETIME, and sent only in an answer that changed the session.

Flask sends a "permanent" session's cookie again with every answer, and marks such a session with a `_permanent`
key: a session made permanent on every request, to outlive a closed browser, was never empty, so every answer,
/healthz and a visitor's first page included, set a cookie. Here every session lasts PERMANENT_SESSION_LIFETIME
after it was last written, with no marker in it, and an answer sets the cookie only when the request changed the
session: a visitor who has nothing in it gets no cookie, and a page that changes nothing sends none. A logged-in
user's every request writes the moment of that request (app.auth.timeouts, the idle limit), so their cookie is
renewed as before.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin


class SessionInterface(SecureCookieSessionInterface):
    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime:  # noqa: ARG002
        return datetime.now(UTC) + app.permanent_session_lifetime

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:  # noqa: ARG002
        return session.modified
