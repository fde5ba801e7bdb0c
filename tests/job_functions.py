"""Jobs for the tests of the queue (tests/test_jobs_worker.py), imported by the worker processes they start. Each
appends a line to a file named by the test, so that the test sees every attempt, in the worker or not."""

from __future__ import annotations

import time
from pathlib import Path

from app.extensions import db
from app.services import audit


def _note(path: str, line: str) -> int:
    """Append a line; the number of lines before it (the attempts made before this one)."""
    file = Path(path)
    before = file.read_text().splitlines() if file.exists() else []
    with file.open("a") as out:
        out.write(line + "\n")
    return len(before)


def write_audit(path: str, label: str) -> None:
    """A job that writes to the database, as the real ones do."""
    audit.record(None, "jobs.test", "job", None, label=label)
    db.session.commit()
    _note(path, f"done {label}")


def fail_first(path: str, failures: int) -> None:
    """Fails the first `failures` times it is run, then succeeds."""
    attempt = _note(path, "attempt")
    if attempt < failures:
        raise RuntimeError(f"Échec voulu, essai {attempt + 1}")


def always_fail(path: str) -> None:
    _note(path, "attempt")
    raise RuntimeError("Serveur de courriel injoignable (essai)")


def slow(path: str, seconds: float) -> None:
    """Says it started, works for a while, says it finished: a worker killed in between leaves 'started' alone."""
    _note(path, "started")
    time.sleep(seconds)
    _note(path, "finished")
