"""The processes that run the background jobs of app.services.jobs: `flask jobs worker` (RQ workers, any number)
and `flask jobs scheduler` (exactly one: it enqueues the periodic jobs of PERIODIC_JOBS).

Each worker forks a child per job, as RQ does; the child runs the job inside the application's context with
database connections of its own. The worker beats every JOBS_ABANDONED_AFTER / 3 seconds while a job runs; a job
whose worker stopped beating for JOBS_ABANDONED_AFTER seconds (killed, machine lost) is put back on the queue by
another worker's regular maintenance (RQ's StartedJobRegistry clean-up, which uses the job's retries). The worker
also runs RQ's scheduler (`--with-scheduler`): it moves the jobs whose retry delay has passed back to the queue.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker
from rq.cron import CronScheduler
from werkzeug.utils import import_string

from app.extensions import db
from app.services import jobs


class AppWorker(Worker):
    """An RQ worker whose jobs run in the application's context, and whose silence means death sooner."""

    flask_app: Flask
    abandoned_after: int = 90
    forks = True

    def perform_job(self, job, queue) -> bool:  # runs in the forked child
        with self.flask_app.app_context():
            if self.forks:
                db.engine.dispose(close=False)  # the parent's pooled connections are not the child's to use
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()

    def get_heartbeat_ttl(self, job) -> int:  # noqa: ARG002 - the same for every job
        return self.abandoned_after


class InProcessAppWorker(AppWorker, SimpleWorker):
    """Jobs run in the worker process itself, without a fork each: several times the rate of short jobs (mail), at
    the price of the isolation (a job that leaks memory or crashes the interpreter takes the worker with it; its
    job is then run again as any abandoned job)."""

    forks = False


def make_worker(app: Flask, queue_names: list[str] | None = None, name: str | None = None,
                fork: bool = True) -> AppWorker:
    from rq import Queue

    abandoned_after = max(3, int(app.config["JOBS_ABANDONED_AFTER"]))
    connection = jobs.connection(app.config["JOBS_REDIS_URL"])
    queues = [Queue(queue_name, connection=connection) for queue_name in queue_names or [app.config["JOBS_QUEUE"]]]
    worker = (AppWorker if fork else InProcessAppWorker)(queues, connection=connection, name=name,
                       job_monitoring_interval=max(1, abandoned_after // 3),
                       # the idle worker wakes up (and cleans the registries) every abandoned_after seconds
                       maintenance_interval=abandoned_after, worker_ttl=abandoned_after + 15)
    worker.flask_app = app
    worker.abandoned_after = abandoned_after
    return worker


def parse_schedule(schedule: str | int) -> dict[str, Any]:
    """A PERIODIC_JOBS schedule: seconds (an int, or digits) or a five-field cron expression, in UTC."""
    from croniter import croniter

    if isinstance(schedule, int) or str(schedule).strip().isdigit():
        seconds = int(schedule)
        if seconds < 1:
            raise ValueError(f"A periodic job's interval must be at least one second, not {schedule!r}")
        return {"interval": seconds}
    if not croniter.is_valid(str(schedule)) or len(str(schedule).split()) != 5:
        raise ValueError(f"Not a five-field cron schedule: {schedule!r}")
    return {"cron": str(schedule)}


def periodic_jobs(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    """The registry, checked: each function importable, each schedule valid (a mistake stops the scheduler at
    its start, not at 2:30 one night)."""
    checked = []
    for path, schedule in app.config.get("PERIODIC_JOBS", ()):
        import_string(path)
        checked.append((path, parse_schedule(schedule)))
    return checked


def make_scheduler(app: Flask) -> CronScheduler:
    scheduler = CronScheduler(connection=jobs.connection(app.config["JOBS_REDIS_URL"]), name="")
    for path, schedule in periodic_jobs(app):
        scheduler.register(import_string(path), app.config["JOBS_QUEUE"], name=path,
                           job_timeout=app.config["JOBS_TIMEOUT"],
                           failure_ttl=app.config["JOBS_FAILED_KEEP_DAYS"] * 86400, **schedule)
    return scheduler
