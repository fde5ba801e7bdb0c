"""`flask jobs …`: the background job processes (app.jobs_worker) and a look at the queue."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs on Redis: worker, scheduler of periodic jobs.")


def _require_redis() -> None:
    from app.services import jobs

    if not jobs.redis_available(current_app):
        click.echo(f"Redis is not reachable at {current_app.config['JOBS_REDIS_URL']}: {jobs.INSTALL_HINT}. "
                   f"Without it, the web process runs the jobs itself.", err=True)
        sys.exit(1)


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--queue", "queue_names", multiple=True, help="Queue to serve (default: JOBS_QUEUE).")
@click.option("--name", default=None, help="The worker's name (default: host and process id).")
@click.option("--fork/--no-fork", default=True, show_default=True,
              help="Run each job in a forked child (isolated), or in the worker itself (faster for short jobs).")
def worker_command(burst: bool, queue_names: tuple[str, ...], name: str | None, fork: bool) -> None:
    """Run the jobs of the queue, and move the retries whose delay has passed back to it."""
    from app.jobs_worker import make_worker

    _require_redis()
    worker = make_worker(current_app._get_current_object(), list(queue_names) or None, name, fork)
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Enqueue the periodic jobs of PERIODIC_JOBS when they are due (run exactly one)."""
    from app.jobs_worker import make_scheduler

    _require_redis()
    scheduler = make_scheduler(current_app._get_current_object())
    for job in scheduler.get_jobs():
        click.echo(f"Periodic job {job.name}: {job.cron or f'every {job.interval} s'}")
    scheduler.start()


@jobs_cli.command("status")
def status_command() -> None:
    """Jobs waiting, running, waiting for a retry, and failed."""
    from app.services import jobs_admin

    _require_redis()
    for label, count in jobs_admin.counts(current_app._get_current_object()).items():
        click.echo(f"{label}: {count}")
