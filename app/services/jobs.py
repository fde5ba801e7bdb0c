"""Background jobs: work that leaves the request (mail, statistics releases, guide PDFs, patient-data rescans,
reminders, digests) and runs in a worker process, on a Redis queue (RQ).

The whole API, for any module:

    from app.services import jobs

    jobs.enqueue("app.services.mail.deliver_notices", [["a@hopital.test", "Sujet", "Corps"]])
    jobs.enqueue(some_module_level_function, 42, kind="weekly")   # a function, or its dotted path
    jobs.enqueue_after_commit("app.services.guide_pdf.store_pdf", version.id)  # only if the transaction commits

- The function must be importable at module level, take JSON values (ids, strings, numbers, lists, dicts; never
  an ORM object: pass its id and read it again) and commit its own database work. It runs inside an application
  context, with a fresh database session.
- A job that raises is tried again after each of JOBS_RETRY_INTERVALS (seconds; the backoff), then lands in the
  failed jobs that administrators see at /admin/jobs (error and traceback, retry or delete), kept
  JOBS_FAILED_KEEP_DAYS days. A job whose worker dies mid-job (killed, machine lost) is run again once the worker
  has missed its heartbeats for JOBS_ABANDONED_AFTER seconds: jobs must tolerate being run twice.
- Periodic jobs: add (dotted path, cron schedule or seconds) to PERIODIC_JOBS in config.py; `flask jobs
  scheduler` enqueues them (app.jobs_worker).

Modes (JOBS_MODE): "queue" puts jobs on Redis at JOBS_REDIS_URL; when Redis does not answer, the job runs in a
thread of the enqueuing process instead, and a warning says so (development without Redis). "inline" runs the job
at once, in the caller, its failure logged and not raised: the tests, where what a request triggers is settled
when it returns. "thread" runs jobs in a thread of the enqueuing process, without Redis (no retry, lost if the
process stops: for a test server or a single-process trial).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.utils import import_string

from app.extensions import db

log = logging.getLogger(__name__)

AFTER_COMMIT, COMMITTED = "retex_jobs_after_commit", "retex_jobs_committed"  # keys of Session.info
REDIS_CHECK_SECONDS = 30  # an unreachable Redis is asked again after this long
INSTALL_HINT = ("install and start Redis (Debian: apt-get install redis-server; then redis-server --daemonize yes), "
                "or set JOBS_REDIS_URL")

REDIS_DOWN = (OSError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

_state: dict[str, Any] = {"down_until": 0.0, "executor": None, "connections": {}}


def path_of(function: Callable | str) -> str:
    if isinstance(function, str):
        return function
    if "<" in function.__qualname__ or "." in function.__qualname__:
        raise ValueError(f"A job must be a module-level function, not {function.__qualname__}")
    return f"{function.__module__}.{function.__qualname__}"


def enqueue(function: Callable | str, *args: Any, **kwargs: Any) -> str | None:
    """Run function(*args, **kwargs) in the background; returns the job's id when it went to the queue."""
    path = path_of(function)
    json.dumps([args, kwargs])  # refuses an ORM object or a date here, in the caller, not in the worker
    app = current_app._get_current_object()
    mode = app.config["JOBS_MODE"]
    if mode == "inline":
        run_now(path, *args, **kwargs)
        return None
    queue = redis_queue(app) if mode == "queue" else None
    if queue is not None:
        try:
            return queue.enqueue_call(path, args=args, kwargs=kwargs, **job_options(app)).id
        except REDIS_DOWN:
            _mark_down(app)
        except redis.exceptions.RedisError:  # answering but refusing (read-only replica, out of memory)
            app.logger.exception("Redis refused job %s: it runs in this process", path)
    _in_process().submit(_run_in_app, app, path, args, kwargs)
    return None


def enqueue_after_commit(function: Callable | str, *args: Any, **kwargs: Any) -> None:
    """enqueue() once the session's outermost transaction commits; nothing if it is rolled back."""
    path_of(function)
    json.dumps([args, kwargs])
    db.session.connection()  # the transaction the job belongs to is open, so that its rollback drops it
    db.session.info.setdefault(AFTER_COMMIT, []).append((function, args, kwargs))


def job_options(app: Flask) -> dict[str, Any]:
    from rq import Retry

    intervals = list(app.config["JOBS_RETRY_INTERVALS"])
    return {"retry": Retry(max=len(intervals), interval=intervals) if intervals else None,
            "timeout": app.config["JOBS_TIMEOUT"], "failure_ttl": app.config["JOBS_FAILED_KEEP_DAYS"] * 86400,
            "result_ttl": 3600}


def run(path: str, args: tuple | list = (), kwargs: dict | None = None) -> Any:
    """Call the job's function (the caller provides the application context)."""
    return import_string(path)(*args, **(kwargs or {}))


def run_logged(path: str, args: tuple | list = (), kwargs: dict | None = None) -> None:
    try:
        run(path, args, kwargs)
    except Exception:  # noqa: BLE001 - a failed job never fails its caller; logged
        db.session.rollback()
        current_app.logger.exception("Job %s failed", path)


def run_now(function: Callable | str, *args: Any, **kwargs: Any) -> None:
    """Run the job at once, in this thread, as a worker would: in an application context of its own (a database
    session of its own: the caller's may be committing), its failure logged."""
    _run_in_app(current_app._get_current_object(), path_of(function), args, kwargs)


def _run_in_app(app: Flask, path: str, args: tuple, kwargs: dict) -> None:
    with app.app_context():
        try:
            run_logged(path, args, kwargs)
        finally:
            db.session.remove()


def _in_process() -> ThreadPoolExecutor:
    """One thread runs the jobs that Redis could not take, one after the other, as they came."""
    if _state["executor"] is None:
        _state["executor"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jobs-in-process")
    return _state["executor"]


def wait_in_process_jobs() -> None:
    """Wait for the jobs run in this process (tests, and `flask` commands before they exit)."""
    executor, _state["executor"] = _state["executor"], None
    if executor is not None:
        executor.shutdown(wait=True)


# Redis ----------------------------------------------------------------------------------------------------------

def connection(url: str):
    """One client per URL and process (redis-py pools its connections); short timeouts: a request never waits."""
    if url not in _state["connections"]:
        _state["connections"][url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    return _state["connections"][url]


def _mark_down(app: Flask) -> None:
    _state["down_until"] = time.monotonic() + REDIS_CHECK_SECONDS
    app.logger.warning("Redis is not reachable at %s: background jobs run inside this process for now, and are "
                       "lost if it stops. To run them in a worker: %s.", app.config["JOBS_REDIS_URL"], INSTALL_HINT)


def redis_queue(app: Flask, name: str | None = None):
    """The queue, or None when Redis does not answer (asked again REDIS_CHECK_SECONDS later)."""
    url = app.config["JOBS_REDIS_URL"]
    if not url.startswith(("redis://", "rediss://", "unix://")):
        if not _state["down_until"]:
            _mark_down(app)
        _state["down_until"] = float("inf")
        return None
    if time.monotonic() < _state["down_until"]:
        return None
    from rq import Queue

    client = connection(url)
    if not _state.get("checked", {}).get(url):
        try:
            client.ping()
        except REDIS_DOWN:
            _mark_down(app)
            return None
        _state.setdefault("checked", {})[url] = True
    return Queue(name or app.config["JOBS_QUEUE"], connection=client)


def redis_available(app: Flask) -> bool:
    _state.get("checked", {}).pop(app.config["JOBS_REDIS_URL"], None)
    _state["down_until"] = 0.0
    return redis_queue(app) is not None


# After the commit -------------------------------------------------------------------------------------------------

@event.listens_for(Session, "after_commit")
def _mark_committed(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info[COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _enqueue_or_drop(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint or a subtransaction: the outermost transaction decides
    committed = session.info.pop(COMMITTED, False)
    pending = session.info.pop(AFTER_COMMIT, None)
    if committed and pending:
        for function, args, kwargs in pending:
            enqueue(function, *args, **kwargs)
