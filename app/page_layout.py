"""The layout around a kept page, for visitors: rendered once per worker and filled in at each request.

A kept page (app.page_cache) is served inside a layout rendered for its reader, since the layout is personal:
navigation by role, CSRF tokens, flashed messages, the follow button. For a visitor without an account almost
none of it is: the layout depends only on the language, the page's endpoint and address, and the demo banner,
plus the session's CSRF token. Rendering it took about as long as the rest of the request, so a worker keeps it
for those readers, with slots for the page's title, its content and the token, and fills the slots in.

Whatever could differ from one visitor to the next either keys the layout or sends the reader to a full
rendering: a logged-in reader, messages waiting in the session, an empty title (the layout's separator depends on
it). tests/test_page_layout.py checks that the filled-in layout is the page a full rendering gives.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from flask import current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

MAX_LAYOUTS = 512  # per worker: one per (language, address); made-up query strings push out the oldest

_lock = threading.Lock()
_layouts: OrderedDict[tuple, tuple[str, ...]] = OrderedDict()
_SLOT = "\x00layout-slot-" + secrets.token_hex(4) + "-"
_TITLE, _CONTENT, _TOKEN = (_SLOT + name + "\x00" for name in ("title", "content", "token"))


def clear() -> None:
    with _lock:
        _layouts.clear()


def _for_everyone() -> bool:
    """Whether this request's layout is the one every visitor gets for its address."""
    return (not current_user.is_authenticated and not session.get("_flashes")
            and not current_app.config.get("TEMPLATES_AUTO_RELOAD"))


def _parts(key: tuple) -> tuple[str, ...]:
    """The layout cut at its slots: text, slot name, text, slot name, ..., text."""
    with _lock:
        parts = _layouts.get(key)
        if parts is not None:
            _layouts.move_to_end(key)
            return parts
    slots = {"title": Markup(_TITLE), "content": Markup(_CONTENT)}  # noqa: S704  # nosec B704  # our own markers
    html = render_template("_cached_page.html", cached=slots, csrf_token=lambda: _TOKEN)
    pieces: list[str] = []
    for chunk in html.split(_SLOT):
        name, sep, text = chunk.partition("\x00")
        if sep and name in ("title", "content", "token"):
            pieces += [name, text]
        else:
            pieces.append(chunk)
    parts = tuple(pieces) if len(pieces) > 1 else (html,)
    with _lock:
        _layouts[key] = parts
        while len(_layouts) > MAX_LAYOUTS:
            _layouts.popitem(last=False)
    return parts


def render(blocks: dict) -> str:
    """The kept page's blocks inside the layout of this request's reader."""
    if not blocks.get("title") or not _for_everyone():
        return render_template("_cached_page.html", cached=blocks)
    key = (str(get_locale()), request.endpoint, request.script_root, request.full_path,
           current_app.config.get("DEMO_BANNER"))
    parts = _parts(key)
    values = {"title": str(blocks["title"]), "content": str(blocks["content"])}
    if "token" in parts[1::2]:
        values["token"] = str(escape(generate_csrf()))
    return "".join(part if index % 2 == 0 else values[part] for index, part in enumerate(parts))
