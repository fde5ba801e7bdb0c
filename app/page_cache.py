"""Rendered read pages, kept by each worker until the published data change.

The statistics pages, the catalogue and the guides cost far more to render (queries, SVG charts, hundreds of
table cells) than to serve, and they change only when data are published: a report, a guide version, a
catalogue edit. A view decorated with `@cached_page` renders its page once per (page, query string,
language, audience) and keeps the page's own blocks (title and content); the next readers get them inside a
freshly rendered layout, so that what is personal (navigation, CSRF tokens, flashed messages) never comes
from the cache.

Validity: the single row of `page_generation` (app.services.page_generation) holds a number that changes in
the same transaction as any change to what these pages show (`bump`: called when statistics are invalidated
or released, and on every flush that touches the catalogue, an establishment or a guide). A worker compares
it with the number its pages were rendered under, one primary-key read per request, so every worker and every
server sees a publication at once.

Audience: a page is kept per audience, never per person. Each view names the permission predicates that decide
what its blocks show (`@cached_page(audience=[permissions.can_see_unsuppressed_statistics])`: analysts see
unsuppressed figures); readers for whom those predicates answer alike share the page. The audience is worked out
from the reader's account at every request, so a role changed by an administrator changes the pages the next
request gets: no page is kept for a person, hence none outlives their role. A view whose blocks showed something
of the reader's own (a name, their establishment's drafts) could not share them this way, and must not be cached.
"""

from __future__ import annotations

import secrets
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import current_app, g, make_response, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app import page_layout, page_refresh, shared_pages
from app.page_refresh import FROM_STORE, RENDER_NOW
from app.services.page_generation import Generation, current_state

BLOCKS = ("title", "content")
MAX_QUERY_LENGTH = 400  # longer query strings are rendered without the cache
MAX_KEPT_BODY = 4 * 1024 * 1024  # larger answers (a very long guide's PDF) are served without the cache

_lock = threading.Lock()
# key -> (generation, what is kept, its size in memory, in bytes); _size["bytes"] is the sum of the sizes.
_pages: OrderedDict[tuple, tuple[int, Any, int]] = OrderedDict()
_size = {"bytes": 0}
_MARK = "\x00page-cache-" + secrets.token_hex(4)


def clear() -> None:
    with _lock:
        _pages.clear()
        _size["bytes"] = 0
    page_layout.clear()


def _keep(key: tuple, generation: int, kept: Any, nbytes: int) -> None:
    """Keep an entry (caller holds _lock), within PAGE_CACHE_SIZE entries and PAGE_CACHE_BYTES bytes."""
    config = current_app.config
    max_entries, max_bytes = config.get("PAGE_CACHE_SIZE", 0), config.get("PAGE_CACHE_BYTES", 64 * 1024 * 1024)
    if nbytes > max_bytes:
        return  # served, not kept: it would push every other page out
    old = _pages.pop(key, None)
    if old is not None:
        _size["bytes"] -= old[2]
    _pages[key] = (generation, kept, nbytes)
    _size["bytes"] += nbytes
    while _pages and (len(_pages) > max_entries or _size["bytes"] > max_bytes):
        _, (_, _, dropped) = _pages.popitem(last=False)
        _size["bytes"] -= dropped


Predicate = Callable[[Any], bool]


def _anonymous(audience: Sequence[Predicate]) -> tuple[bool, ...]:
    """The audience of a reader without an account: the only one whose pages are rendered again in the
    background (app.page_refresh renders as such a reader)."""
    return audience_of(current_app.login_manager.anonymous_user(), audience)  # type: ignore[attr-defined]


def _stale_window() -> float:
    return current_app.config.get("PAGE_STALE_SECONDS", 0)


def audience_of(user: Any, audience: Sequence[Predicate]) -> tuple[bool, ...]:
    """What a reader may see of a page: the answers of the predicates that decide its content, nothing of who
    the reader is."""
    return tuple(bool(predicate(user)) for predicate in audience)


def _key(audience: Sequence[Predicate]) -> tuple | None:
    query = request.query_string.decode("latin-1")
    if len(query) > MAX_QUERY_LENGTH:
        return None
    args = tuple(sorted(request.args.items(multi=True)))
    return (request.endpoint, request.path, args, str(get_locale()), audience_of(current_user, audience))


def _kept_blocks(key: tuple, state: Generation, visitors: bool) -> dict | None:
    """The blocks to serve for this page: this worker's or the shared copy rendered under the current
    generation; else, for visitors within PAGE_STALE_SECONDS of a statistics change, the previous rendering,
    while the page is rendered again (app.page_refresh); else None (render it)."""
    with _lock:
        kept = _pages.get(key)
        if kept is not None and kept[0] == state.value:
            _pages.move_to_end(key)
            return kept[1]
    shared = shared_pages.get(key)
    if shared is not None and shared[0] == state.value and "blocks" in shared[1]:
        blocks = shared_pages.blocks_of(shared[1])
        with _lock:
            _keep(key, shared[0], blocks, sum(sys.getsizeof(block) for block in blocks.values()))
        return blocks
    if not visitors:
        return None
    window = _stale_window()
    candidates = [(kept[0], kept[1]) for kept in (kept,) if kept is not None]
    if shared is not None and "blocks" in shared[1]:
        candidates.append((shared[0], None))
    for generation, blocks in sorted(candidates, key=lambda item: item[0], reverse=True):
        if state.refreshable(generation, window):
            if shared_pages.claim(key):
                page_refresh.schedule(key, request.endpoint, request.path, request.query_string,
                                      dict(request.view_args or {}))
            return blocks if blocks is not None else shared_pages.blocks_of(shared[1])  # type: ignore[index]
    return None


def cached_page(*, audience: Sequence[Predicate]) -> Callable[[Callable], Callable]:
    """Serve the view's page from the worker's pages while the data have not changed, one page per audience:
    `audience` lists every permission predicate the page's blocks depend on ([] when they are the same for
    everyone)."""
    audience = tuple(audience)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            size = current_app.config.get("PAGE_CACHE_SIZE", 0)
            key = _key(audience) if size else None
            if key is None:
                return view(*args, **kwargs)
            state = current_state()
            refreshing = g.pop("page_refresh", None)
            visitors = key[-1] == _anonymous(audience)
            if refreshing is None or refreshing is FROM_STORE:
                blocks = _kept_blocks(key, state, visitors and refreshing is None)
                if blocks is not None:
                    return page_layout.render(blocks)
                if refreshing is FROM_STORE:
                    return None  # not in the store as current: left to its first reader
            elif refreshing is not RENDER_NOW and refreshing != key:
                return None  # the page redone would not be the one asked for: leave it to the next reader
            g.page_cache = (key, state.value, size, visitors)
            return view(*args, **kwargs)

        wrapper.page_audience = audience  # type: ignore[attr-defined]  # read by the tests of shared pages
        return wrapper

    return decorator


def page_cache_mark(name: str) -> str:
    """In the layout, around each block of the page: a marker while the page is being kept, else nothing."""
    return f"{_MARK}{name}\x00" if g.get("page_cache") else ""


def _recipe(locale: str) -> dict[str, Any]:
    """How app.page_refresh renders this request's page again, as a visitor, outside any request."""
    return {"endpoint": request.endpoint, "path": request.path, "query": request.query_string.decode("latin-1"),
            "view_args": dict(request.view_args or {}), "locale": locale}


def render_page(template_name: str, **context: Any) -> str:
    """render_template for the views under @cached_page: keeps the page's blocks for the next readers."""
    pending = g.pop("page_cache", None)
    if pending is None:
        return render_template(template_name, **context)
    g.page_cache = pending  # the markers are written while this page renders
    try:
        html = render_template(template_name, **context)
    finally:
        g.pop("page_cache", None)
    key, generation, size, visitors = pending
    blocks = {}
    for name in BLOCKS:
        start, end = f"{_MARK}{name}\x00", f"{_MARK}/{name}\x00"
        # Our own rendered output, escaped by Jinja when it was rendered.
        blocks[name] = Markup(html.split(start, 1)[1].split(end, 1)[0])  # noqa: S704  # nosec B704  # our own output
    with _lock:
        _keep(key, generation, blocks, sum(sys.getsizeof(block) for block in blocks.values()))
    shared_pages.put(key, generation, {"blocks": {name: str(block) for name, block in blocks.items()}},
                     recipe=_recipe(key[3]) if visitors else None)
    # The reader of the first rendering gets the page exactly as the next readers will.
    return page_layout.render(blocks)


def _visitor_request() -> bool:
    return not current_user.is_authenticated and "Authorization" not in request.headers


def _kept_response(key: tuple, state: Generation, statistics: bool) -> tuple | None:
    def valid(generation: int) -> bool:
        return generation == state.value or (not statistics and state.same_except_statistics(generation))

    with _lock:
        kept = _pages.get(key)
        if kept is not None and valid(kept[0]):
            _pages.move_to_end(key)
            return kept[1]
    shared = shared_pages.get(key)
    if shared is None or "mimetype" not in shared[1] or not valid(shared[0]):
        return None
    answer = (shared[2], shared[1]["mimetype"], [tuple(header) for header in shared[1]["headers"]])
    with _lock:
        _keep(key, shared[0], answer, len(answer[0]))
    return answer


def cached_response(reader: Callable[[], str], by_query: bool = True,
                    statistics: bool = True) -> Callable[[Callable], Callable]:
    """For GET views answering a whole document (the API's JSON, a guide's stored PDF; between the route and
    its other decorators): the 200 answer (body, type and headers) is kept per (path, query string,
    language, `reader()`) under the same generation as the pages. Without `by_query`, for a document that
    depends on neither the query string nor the language, per path and reader only: made-up query strings
    then cannot fill the worker's memory with copies. Without `statistics`, for a document that shows no
    published figure: a change to the figures alone leaves it valid."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            size = current_app.config.get("PAGE_CACHE_SIZE", 0)
            query = request.query_string.decode("latin-1")
            if not size or len(query) > MAX_QUERY_LENGTH:
                return view(*args, **kwargs)
            key = ((request.endpoint, request.path, tuple(sorted(request.args.items(multi=True))),
                    str(get_locale()), reader()) if by_query else (request.endpoint, request.path, reader()))
            state = current_state()
            refreshing = g.pop("page_refresh", None)
            if refreshing is not RENDER_NOW:
                kept = _kept_response(key, state, statistics)
                if kept is not None:
                    body, mimetype, headers = kept
                    return current_app.response_class(body, mimetype=mimetype, headers=headers)
                if refreshing is FROM_STORE:
                    return None  # not in the store as current: left to its first reader
            response = make_response(view(*args, **kwargs))
            if (response.status_code == 200 and not response.is_streamed
                    and (response.content_length or 0) <= MAX_KEPT_BODY):
                kept_headers = [(name, value) for name, value in response.headers.items()
                                if name.lower() not in ("content-type", "content-length", "set-cookie", "vary")]
                body = response.get_data()
                with _lock:
                    _keep(key, state.value, (body, response.mimetype, kept_headers), len(body))
                shared_pages.put(key, state.value, {"mimetype": response.mimetype, "headers": kept_headers}, body,
                                 recipe=_recipe(str(get_locale())) if _visitor_request() else None)
            return response

        return wrapper

    return decorator
