"""Small helpers shared by the views."""

from __future__ import annotations

from flask import request

MAX_PAGE = 10_000


def page_arg() -> int:
    """The requested page number, kept within what a database integer and a person can use."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
