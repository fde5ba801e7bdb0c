"""The job queue with real worker processes (`flask jobs worker`) on a Redis database of the tests' own
(RETEX_TEST_REDIS_URL), each test on a queue of its own: a job run by the worker with the application's database,
a failing job tried again after its delay, the failed jobs (dead letters) shown to administrators to retry or
delete, and a worker killed with SIGKILL in the middle of a job whose job is run again by the next worker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog
from app.services import jobs, jobs_admin
from tests.factories import make_user
from tests.live_server import BIN, REDIS_URL, ROOT

pytestmark = pytest.mark.resilience
WAIT = 60  # seconds a test waits for a worker at most (the machine may be busy); it never waits once done


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except OSError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis unreachable at {REDIS_URL}: {error}", pytrace=False)
        pytest.skip(f"Redis unreachable at {REDIS_URL}")


@pytest.fixture
def queue_app(app, database_url):
    """The test application on a queue of its own; its workers see the same database."""
    _redis_or_skip()
    app.config.update(JOBS_MODE="queue", JOBS_REDIS_URL=REDIS_URL, JOBS_QUEUE=f"test-{uuid.uuid4().hex[:12]}",
                      JOBS_RETRY_INTERVALS=(1, 1))
    assert jobs.redis_available(app)
    yield app
    queue = jobs.redis_queue(app)
    for registry in (queue.failed_job_registry, queue.scheduled_job_registry, queue.finished_job_registry):
        for job_id in registry.get_job_ids():
            with contextlib.suppress(ValueError, KeyError):  # a killed worker's execution, expired or expiring
                registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)


class Worker:
    """`flask jobs worker` in a process group of its own (its forked job child and scheduler with it)."""

    def __init__(self, app, database_url: str, log: Path, burst: bool = False) -> None:
        env = {**os.environ, "RETEX_ENV": "testing", "FLASK_APP": "app:create_app", "TEST_DATABASE_URL": database_url,
               "JOBS_REDIS_URL": REDIS_URL, "JOBS_ABANDONED_AFTER": "3", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
        command = [str(BIN / "flask"), "jobs", "worker", "--queue", app.config["JOBS_QUEUE"]]
        self.log = log
        with log.open("a") as out:
            self.process = subprocess.Popen([*command, *(["--burst"] if burst else [])], cwd=ROOT, env=env,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def wait(self) -> int:
        try:
            return self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the worker did not finish; its log:\n{self.log.read_text()}") from None

    def kill_everything(self) -> None:
        """SIGKILL to the worker and every process it started (RQ puts each job's child in a group of its own):
        a machine lost, nothing left to finish or clean up."""
        processes = descendants(self.process.pid)
        for pid in [self.process.pid, *processes]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def wait_for(condition, log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {WAIT} s; worker log:\n{log.read_text()}")
        time.sleep(0.1)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_a_worker_runs_a_job_with_the_application_and_its_database(queue_app, database_url, tmp_path):
    notes = tmp_path / "notes"
    job_id = jobs.enqueue("tests.job_functions.write_audit", str(notes), "premier")
    assert job_id is not None
    assert lines(notes) == []  # the enqueuing process ran nothing
    assert Worker(queue_app, database_url, tmp_path / "worker.log", burst=True).wait() == 0
    assert lines(notes) == ["done premier"]
    db.session.expire_all()
    labels = db.session.scalars(sa.select(AuditLog.detail).where(AuditLog.action == "jobs.test")).all()
    assert labels == [{"label": "premier"}]
    assert jobs.redis_queue(queue_app).fetch_job(job_id).get_status() == "finished"


def test_a_failing_job_is_tried_again_after_its_delay_and_then_succeeds(queue_app, database_url, tmp_path):
    notes, log = tmp_path / "notes", tmp_path / "worker.log"
    job_id = jobs.enqueue("tests.job_functions.fail_first", str(notes), 1)
    worker = Worker(queue_app, database_url, log)
    try:
        job = jobs.redis_queue(queue_app).fetch_job(job_id)
        wait_for(lambda: job.get_status(refresh=True) == "finished", log, "the job retried and finished")
    finally:
        worker.kill(signal.SIGTERM)
    assert lines(notes) == ["attempt", "attempt"]
    job.refresh()
    assert job.retries_left == 1  # one of the two retries used
    assert "Échec voulu, essai 1" in log.read_text()
    assert jobs_admin.failed_jobs(queue_app) == []


def test_a_job_that_keeps_failing_lands_with_the_failed_jobs_for_an_admin_to_retry_or_delete(
        queue_app, database_url, tmp_path, client, auth, no_csrf):
    queue_app.config["JOBS_RETRY_INTERVALS"] = (0, 0)  # retried at once: the burst worker sees all three attempts
    notes, log = tmp_path / "notes", tmp_path / "worker.log"
    job_id = jobs.enqueue("tests.job_functions.always_fail", str(notes))
    Worker(queue_app, database_url, log, burst=True).wait()
    assert lines(notes) == ["attempt"] * 3
    [failed] = jobs_admin.failed_jobs(queue_app)
    assert (failed.id, failed.function) == (job_id, "tests.job_functions.always_fail")
    assert failed.error == "RuntimeError: Serveur de courriel injoignable (essai)"

    admin = make_user("admin")
    db.session.commit()
    auth.login(admin.email)
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Tâches en échec" in page and "tests.job_functions.always_fail" in page
    assert "Serveur de courriel injoignable (essai)" in page

    response = client.post(f"/admin/jobs/{job_id}/retry")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/jobs"
    assert jobs_admin.failed_jobs(queue_app) == [] and jobs.redis_queue(queue_app).count == 1
    Worker(queue_app, database_url, log, burst=True).wait()
    assert lines(notes) == ["attempt"] * 4  # run again, once: its retries were spent
    assert [job.id for job in jobs_admin.failed_jobs(queue_app)] == [job_id]

    assert client.post(f"/admin/jobs/{job_id}/delete").status_code == 302
    assert jobs_admin.failed_jobs(queue_app) == []
    assert jobs.redis_queue(queue_app).fetch_job(job_id) is None
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Aucune tâche en échec." in page
    # A job already gone: said, not an error.
    page = client.post(f"/admin/jobs/{job_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "plus parmi les tâches en échec" in page


def test_a_job_whose_worker_is_killed_mid_job_is_run_again_by_the_next_worker(queue_app, database_url, tmp_path):
    # No retry delay: the killed worker held the queue's scheduler lock, which outlives it by a minute.
    queue_app.config["JOBS_RETRY_INTERVALS"] = (0, 0)
    notes, log = tmp_path / "notes", tmp_path / "worker.log"
    job_id = jobs.enqueue("tests.job_functions.slow", str(notes), 4)
    first = Worker(queue_app, database_url, log)
    try:
        wait_for(lambda: lines(notes) == ["started"], log, "the first worker started the job")
    finally:
        first.kill_everything()
    job = jobs.redis_queue(queue_app).fetch_job(job_id)
    assert job.get_status() == "started"  # as the dead worker left it
    second = Worker(queue_app, database_url, log)
    try:
        wait_for(lambda: job.get_status(refresh=True) == "finished", log, "the next worker ran the job again")
    finally:
        second.kill(signal.SIGTERM)
    assert lines(notes) == ["started", "started", "finished"]
