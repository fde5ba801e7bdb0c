"""The administrators' view of the job queue: counts, and the failed jobs (tried JOBS_RETRY_INTERVALS times, the
dead letters) with their error, to be run again or deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from flask_babel import ngettext

from app.services import jobs

ARGUMENTS_SHOWN = 300  # characters of a job's arguments shown (a mail's body is long)


@dataclass(frozen=True)
class FailedJob:
    id: str
    function: str
    arguments: str
    enqueued_at: datetime | None
    failed_at: datetime | None
    error: str  # the exception's last line
    traceback: str


def _queue(app: Flask):
    queue = jobs.redis_queue(app)
    if queue is None:
        raise ConnectionError(app.config["JOBS_REDIS_URL"])
    return queue


def counts(app: Flask) -> dict[str, int]:
    queue = _queue(app)
    return {"queued": queue.count, "started": queue.started_job_registry.count,
            "scheduled": queue.scheduled_job_registry.count, "failed": queue.failed_job_registry.count}


# Jobs whose arguments are personal (the mails of one commit): never shown on the page of failed jobs.
PRIVATE_ARGUMENTS = frozenset({"app.services.mail.deliver_notices"})


def _described(job) -> FailedJob:
    traceback = ""
    result = job.latest_result()
    if result is not None and result.exc_string:
        traceback = result.exc_string
    error = next((line for line in reversed(traceback.strip().splitlines()) if line.strip()), "")
    if job.func_name in PRIVATE_ARGUMENTS:
        # A mail's recipient and text may say who raised an ethics alert, or anything else administrators are not
        # to read: the page says how many messages the job carries, not to whom nor what.
        count = len(job.args[0]) if job.args and isinstance(job.args[0], list) else 0
        arguments = ngettext("%(num)d message (destinataire et texte masqués)",
                             "%(num)d messages (destinataires et textes masqués)", count)
    else:
        arguments = ", ".join([*(repr(a) for a in job.args), *(f"{k}={v!r}" for k, v in job.kwargs.items())])
    if len(arguments) > ARGUMENTS_SHOWN:
        arguments = arguments[:ARGUMENTS_SHOWN] + "…"
    return FailedJob(id=job.id, function=job.func_name, arguments=arguments, enqueued_at=job.enqueued_at,
                     failed_at=job.ended_at, error=error[:500], traceback=traceback)


def failed_jobs(app: Flask, limit: int = 200) -> list[FailedJob]:
    """The most recent failures first."""
    from rq.job import Job

    registry = _queue(app).failed_job_registry
    ids = list(reversed(registry.get_job_ids()))[:limit]
    return [_described(job) for job in Job.fetch_many(ids, connection=registry.connection) if job is not None]


def retry(app: Flask, job_id: str) -> bool:
    """Put a failed job back on the queue; False when it is no longer among the failed ones."""
    from rq.exceptions import InvalidJobOperation, NoSuchJobError

    registry = _queue(app).failed_job_registry
    if job_id not in registry.get_job_ids():
        return False
    try:
        registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError):
        return False
    return True


def delete(app: Flask, job_id: str) -> bool:
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.job import Job

    registry = _queue(app).failed_job_registry
    if job_id not in registry.get_job_ids():
        return False
    try:
        registry.remove(Job.fetch(job_id, connection=registry.connection), delete_job=True)
    except (InvalidJobOperation, NoSuchJobError):
        return False
    return True
