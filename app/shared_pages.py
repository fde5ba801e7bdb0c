"""Rendered pages shared by every worker and every server, in Redis (SHARED_PAGES_URL, by default REDIS_URL).

Each worker keeps the pages it rendered (app.page_cache), but a worker that never rendered a page, or whose copy
a release made stale, would render it in the reader's request. With a shared store, what one worker (or the
process that made a release) rendered under the current page generation serves every worker at once.

- An entry per page (its key's digest) holds the generation it was rendered under and what app.page_cache keeps
  (a page's blocks, or a whole answer's body, type and headers). A put never replaces an entry rendered under a
  later generation.
- The visitors' pages (rendered for a reader without an account) are listed with how to render them again, most
  recently rendered first: after a release, `app.page_refresh.prerender` renders the most recent of them under
  the new generation, outside any request, so that the first visitors after it are served a page already made.
- Once a release's pages are rendered again, the generation they were rendered under is announced (a Redis
  message, `announce`): every worker listening (app.page_refresh.listen) then brings them into its own memory.
- Redis failing or absent costs nothing but speed: every function answers "nothing shared" and the page is
  rendered as without the store; a failure is logged, and the store is left alone for a while.

Values are JSON (and the raw bytes of a body), never pickles: a reachable Redis cannot make a worker run code.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import current_app
from markupsafe import Markup

PREFIX = "retex:pages:"
PAUSE_AFTER_FAILURE = 30.0  # seconds without the store after it failed

# Keep the entry rendered under the latest generation: a slow rendering of an older one never replaces it
# (generations are non-negative integers: the longer, or the same length and greater, is the later).
_PUT = """
local kept = redis.call('HGET', KEYS[1], 'g')
if kept and (#kept > #ARGV[1] or (#kept == #ARGV[1] and kept > ARGV[1])) then return 0 end
redis.call('HSET', KEYS[1], 'g', ARGV[1], 'meta', ARGV[2], 'body', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

_state: dict[str, Any] = {"url": None, "client": None, "paused_until": 0.0}


def _client() -> Any:
    url = current_app.config.get("SHARED_PAGES_URL")
    if not url or time.monotonic() < _state["paused_until"]:
        return None
    if _state["url"] != url:
        import redis

        _state["client"] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _state["url"] = url
    return _state["client"]


def _failed(what: str) -> None:
    _state["paused_until"] = time.monotonic() + PAUSE_AFTER_FAILURE
    current_app.logger.warning("Shared pages unavailable (%s): pages are rendered by each worker", what,
                               exc_info=True)


def _namespace() -> str:
    """What the entries of this application are kept under: its database (two databases number their
    generations alike) and the code and templates that render the pages (a new version renders them anew)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kept = app.extensions.get("shared_pages_namespace")
    if kept is None:
        root = Path(app.root_path).parent
        fingerprint = hashlib.sha256(str(app.config.get("SQLALCHEMY_DATABASE_URI")).encode())
        for folder in ("app", "templates", "translations"):
            for path in sorted((root / folder).rglob("*")):
                if path.suffix in (".py", ".html", ".mo", ".jinja", ".txt"):
                    fingerprint.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        kept = app.extensions["shared_pages_namespace"] = PREFIX + fingerprint.hexdigest()[:16] + ":"
    return kept


def _index() -> str:
    return _namespace() + "visitors"


def digest(key: tuple) -> str:
    return _namespace() + hashlib.sha256(repr(key).encode()).hexdigest()[:40]


def get(key: tuple) -> tuple[int, dict[str, Any], bytes] | None:
    """(generation, what was kept, body) of a page rendered by any worker, or None."""
    client = _client()
    if client is None:
        return None
    try:
        kept = client.hmget(digest(key), "g", "meta", "body")
    except Exception:  # noqa: BLE001 - the page is rendered as without the store
        _failed("read")
        return None
    if kept[0] is None:
        return None
    return int(kept[0]), json.loads(kept[1]), kept[2] or b""


def put(key: tuple, generation: int, meta: dict[str, Any], body: bytes = b"",
        recipe: dict[str, Any] | None = None) -> None:
    """Share what a worker rendered; `recipe` (a visitors' page): how to render it again after a release."""
    client = _client()
    if client is None:
        return
    config = current_app.config
    try:
        pipe = client.pipeline(transaction=False)
        pipe.eval(_PUT, 1, digest(key), generation, json.dumps(meta), body,
                  int(config.get("SHARED_PAGES_TTL", 24 * 3600)))
        if recipe is not None:
            pipe.zadd(_index(), {json.dumps(recipe, sort_keys=True): time.time()})
            pipe.zremrangebyrank(_index(), 0, -int(config.get("SHARED_PAGES_LISTED", 2000)) - 1)
        pipe.execute()
    except Exception:  # noqa: BLE001 - the page was served; the next reader renders it again
        _failed("write")


def claim(key: tuple, seconds: int = 60) -> bool:
    """Whether this worker is the one to render the page again (one worker per page at a time). Without the
    store, every worker renders its own."""
    client = _client()
    if client is None:
        return True
    try:
        return bool(client.set(digest(key) + ":claim", "1", nx=True, ex=seconds))
    except Exception:  # noqa: BLE001
        _failed("claim")
        return True


def recipes(limit: int) -> list[dict[str, Any]]:
    """How to render the `limit` visitors' pages rendered most recently."""
    client = _client()
    if client is None or limit <= 0:
        return []
    try:
        listed = client.zrevrange(_index(), 0, limit - 1)
    except Exception:  # noqa: BLE001
        _failed("list")
        return []
    return [json.loads(item) for item in listed]


def _channel() -> str:
    return _namespace() + "released"


def announce(generation: int) -> None:
    """Tell every worker listening that the visitors' pages of `generation` are in the store."""
    client = _client()
    if client is None:
        return
    try:
        client.publish(_channel(), str(generation))
    except Exception:  # noqa: BLE001 - the workers fetch the pages from the store at their first reader instead
        _failed("announce")


def announcements(stop: threading.Event) -> Iterator[int | None]:
    """Each generation announced from now on, as it comes, and None for each second without one, until `stop`
    is set; in an application context. Raises when the store fails or is not configured: the caller waits and
    listens again. The connection is checked every half minute: one dropped silently raises too."""
    import redis

    url = current_app.config.get("SHARED_PAGES_URL")
    if not url:
        raise RuntimeError("no shared pages store")
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_keepalive=True, health_check_interval=30)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(_channel())
        while not stop.is_set():
            message = pubsub.get_message(timeout=1.0)
            yield int(message["data"]) if message is not None and message.get("type") == "message" else None
    finally:
        pubsub.close()
        client.close()


def blocks_of(meta: dict[str, Any]) -> dict[str, Markup]:
    """A page's blocks as kept: our own rendered output, escaped by Jinja when it was rendered."""
    return {name: Markup(text) for name, text in meta["blocks"].items()}  # noqa: S704  # nosec B704


def clear() -> None:
    """Forget every shared page (the tests)."""
    client = _client()
    if client is None:
        return
    for name in client.scan_iter(PREFIX + "*"):
        client.delete(name)
