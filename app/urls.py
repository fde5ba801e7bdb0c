r"""Addresses the site hands out: absolute links for mails and the API's answers, and redirect targets.

Absolute links are built from PUBLIC_URL, never from the request: its Host header is whatever the sender wrote,
and a password-reset link built from it would send the reset token to the sender's own server.

A redirect to a page named by the request (`?next=`, a form's `next` field, the Referer) goes only to a path of
this site, as the browser will read it: browsers drop tabs and line breaks anywhere in a URL and control
characters and spaces around it, and read a backslash as a slash, so `/\t/evil.example` and `/\evil.example`
both mean `//evil.example`, another site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for

# What the WHATWG URL parser removes before reading a URL: tabs and line breaks anywhere, C0 controls and spaces
# at both ends.
_REMOVED_ANYWHERE = str.maketrans("", "", "\t\n\r")
_STRIPPED_AT_ENDS = "".join(chr(code) for code in range(0x21))


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a view at PUBLIC_URL (`url_for(endpoint, **values, _external=True)` as the site's
    users reach it), in a request or outside one (a command, a mail sent after the commit)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def safe_redirect_target(target: str | None, default: str | None = None) -> str:
    """`target` if a browser would read it as a path of this site (then as the browser reads it), else `default`
    (the home page). For every redirect to an address the request supplied."""
    fallback = default if default is not None else url_for("main.index")
    if not target:
        return fallback
    path = target.translate(_REMOVED_ANYWHERE).strip(_STRIPPED_AT_ENDS).replace("\\", "/")
    if (not path.startswith("/") or path.startswith("//")
            or any(ord(char) < 0x20 or ord(char) == 0x7F for char in path)):
        return fallback
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return fallback
    return path


def referrer_path() -> str | None:
    """The page of this site the request was sent from (path and query, safe to redirect to), or None."""
    referrer = (request.referrer or "").translate(_REMOVED_ANYWHERE).strip(_STRIPPED_AT_ENDS)
    parts = urlsplit(referrer)
    # The host alone: behind a TLS proxy not declared in PROXY_COUNT, the request's scheme is not the page's.
    if parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    safe = safe_redirect_target(path, default="")
    return safe or None
