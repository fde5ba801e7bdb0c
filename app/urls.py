"""Addresses that leave the request: absolute links to the site, for mails and the API's answers.

They are built from PUBLIC_URL, never from the request: its Host header is whatever the sender wrote, and a
password-reset link built from it would send the reset token to the sender's own server.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a view at PUBLIC_URL (`url_for(endpoint, **values, _external=True)` as the site's
    users reach it), in a request or outside one (a command, a mail sent after the commit)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
