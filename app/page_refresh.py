"""Visitors' pages rendered again outside the request, after a publication or a release.

A publication or a statistics release makes every page a worker keeps stale (app.page_cache). Rendering a
scorecard again costs several times what serving it does, and the first visitor after each release would pay
for it. Instead, within PAGE_STALE_SECONDS of a change that touched only statistics (see
`page_generation.bump(statistics_only=True)`), a visitor asking for a stale page gets the rendering they could
have read a moment earlier (the previous release: as protected as the new one), and the page is rendered again
here, in a thread of the worker, for the next readers. Only pages of the visitors' audience are served this way:
analysts always get the current figures. A change to anything else (the catalogue, a guide, an establishment)
never lets a stale page out.

After a release, the process that made it renders the visitors' most read pages again into the shared store
(`prerender`) and announces it. Every worker listens (`listen`, started by app.wsgi after the fork) and reads
those pages at once as a visitor would (`warm`), in a thread of its own: they come into the worker's memory,
and its database connection and code are in use again, before the first visitor asks. A worker that missed
the announcement serves the same pages from the shared store, a few milliseconds later.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app, g
from werkzeug.exceptions import HTTPException

from app.extensions import db

RENDER_NOW = object()  # in g.page_refresh: render whatever page the request names, and keep it
FROM_STORE = object()  # in g.page_refresh: keep the page if the shared store has it as current, never render it

_lock = threading.Lock()
_pending: dict[tuple, tuple[Any, ...]] = {}  # key -> (app, endpoint, path, query string, view arguments)
_worker: dict[str, threading.Thread | None] = {"thread": None}
_idle = threading.Event()
_idle.set()


def schedule(key: tuple, endpoint: str | None, path: str, query_string: bytes, view_args: dict) -> None:
    """Render this visitors' page again soon, once however many readers asked for it meanwhile."""
    if endpoint is None:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        if key in _pending:
            return
        _pending[key] = (app, endpoint, path, query_string, view_args)
        _idle.clear()
        thread = _worker["thread"]
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_run, name="page-refresh", daemon=True)
            _worker["thread"] = thread
            thread.start()


def wait(timeout: float = 30) -> bool:
    """Until every scheduled page is rendered again (for the tests and the benchmark's checks)."""
    return _idle.wait(timeout)


def _run() -> None:
    while True:
        with _lock:
            if not _pending:
                _worker["thread"] = None
                _idle.set()
                return
            key = next(iter(_pending))
            item = _pending[key]
        try:
            _render(key, *item)
        finally:
            with _lock:
                _pending.pop(key, None)


def _render(key: tuple, app: Flask, endpoint: str, path: str, query_string: bytes, view_args: dict) -> None:
    _render_as_visitor(app, key, endpoint, path, query_string, view_args, key[3])


def _render_as_visitor(app: Flask, mark: object, endpoint: str, path: str, query_string: bytes, view_args: dict,
                       locale: str) -> bool:
    try:
        # As an anonymous visitor reading in the page's language: the page's audience is the visitors'. In an
        # application context of its own: the caller's database session (a command's, a job's) is left alone.
        # The query string goes in as WSGI carries it (bytes read as Latin-1), so that the request made here has
        # exactly the reader's query string, hence the reader's page key.
        with app.app_context(), app.test_request_context(
                path, base_url=app.config["PUBLIC_URL"], headers={"Accept-Language": locale},
                environ_overrides={"QUERY_STRING": query_string.decode("latin-1")}):
            try:
                g.page_refresh = mark
                app.view_functions[endpoint](**view_args)
            finally:
                g.pop("page_refresh", None)
                db.session.remove()
        return True
    except HTTPException:
        return False  # the page is gone (a solution archived, a guide hidden): nothing to render
    except Exception:  # noqa: BLE001 - the page stays stale and its next reader renders it; logged
        app.logger.exception("Rendering %s again failed", path)
        return False


def prerender(limit: int | None = None) -> int:
    """After a release (a command or the job that follows a publication, never a request): render again, under
    the current generation, the visitors' pages that any worker rendered most recently (app.shared_pages), so
    that their first readers after it are served a page already made; then announce them to the workers, unless
    the generation changed meanwhile. Answers how many were rendered."""
    from app import shared_pages

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if limit is None:
        limit = int(app.config.get("PRERENDER_PAGES", 300))
    before = _generation(app)
    done = _as_visitor(app, RENDER_NOW, shared_pages.recipes(limit))
    if done and _generation(app) == before:
        shared_pages.announce(before)
    return done


def _generation(app: Flask) -> int:
    """The current page generation, read in an application context (hence a database session) of its own."""
    from app.services.page_generation import current_state

    with app.app_context():
        return current_state().value


def warm(app: Flask, generation: int | None = None, limit: int | None = None) -> int:
    """In a worker, after a release announced under `generation` (ignored if it is no longer current): take into
    this worker's memory the visitors' pages rendered most recently, as the shared store holds them under the
    current generation, reading each as a visitor would. Nothing is rendered here: a page the store lacks is
    left to its first reader. Answers how many pages were read."""
    from app import shared_pages

    if generation is not None and _generation(app) != generation:
        return 0
    with app.app_context():
        if limit is None:  # at most half of what a worker keeps: its other pages (PDFs, analysts') stay
            limit = min(int(app.config.get("PRERENDER_PAGES", 300)), int(app.config.get("PAGE_CACHE_SIZE", 0)) // 2)
        recipes = shared_pages.recipes(limit)
    # The most recently read last: the last the worker's memory would drop.
    return _as_visitor(app, FROM_STORE, list(reversed(recipes)))


def _as_visitor(app: Flask, mark: object, recipes: list[dict[str, Any]]) -> int:
    """Each listed page requested as a visitor, under `mark`; answers how many were."""
    done = 0
    for recipe in recipes:
        if recipe.get("endpoint") not in app.view_functions:
            continue  # a page of an earlier version of the application
        done += _render_as_visitor(app, mark, recipe["endpoint"], recipe["path"],
                                   recipe["query"].encode("latin-1"), recipe["view_args"], recipe["locale"])
    return done


def listen(app: Flask, stop: threading.Event | None = None) -> threading.Thread | None:
    """Start this worker's listener (app.wsgi): each release announced, `warm`; until `stop` is set (never, in a
    worker). Without a shared store, nothing."""
    if not app.config.get("SHARED_PAGES_URL") or not app.config.get("PAGE_CACHE_SIZE"):
        return None
    thread = threading.Thread(target=_listen, args=(app, stop or threading.Event()), name="page-warm-up",
                              daemon=True)
    thread.start()
    return thread


def _listen(app: Flask, stop: threading.Event) -> None:
    from app import shared_pages

    pause = 1.0
    while not stop.is_set():
        try:
            with app.app_context():
                for generation in shared_pages.announcements(stop):
                    pause = 1.0  # listening again
                    if generation is not None:
                        warm(app, generation)
        except Exception:  # noqa: BLE001 - pages are then fetched from the store by their first reader
            app.logger.warning("Listening for releases failed: again in %.0f s", pause, exc_info=True)
            stop.wait(pause)
            pause = min(pause * 2, 60.0)
