"""An administrator finds a job that failed after its retries, reads its error, runs it again, then deletes it.

The live application is pointed, for this journey, at a queue of its own on the tests' Redis; the failing job is
run by an in-process RQ worker (`flask jobs worker --no-fork --burst` does the same)."""

from __future__ import annotations

import os
import uuid

import pytest
from playwright.sync_api import expect

from app.jobs_worker import make_worker
from app.services import jobs

pytestmark = pytest.mark.e2e
REDIS_URL = os.environ.get("RETEX_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def queue_app(live_app, tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis unreachable at {REDIS_URL}", pytrace=False)
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    saved = dict(live_app.config)
    live_app.config.update(JOBS_MODE="queue", JOBS_REDIS_URL=REDIS_URL, JOBS_QUEUE=f"e2e-{uuid.uuid4().hex[:12]}",
                           JOBS_RETRY_INTERVALS=())
    try:
        yield live_app
    finally:
        with live_app.app_context():
            queue = jobs.redis_queue(live_app)
            for job_id in queue.failed_job_registry.get_job_ids():
                queue.failed_job_registry.remove(job_id, delete_job=True)
            queue.delete(delete_jobs=True)
        live_app.config.clear()
        live_app.config.update(saved)


def fail_a_job(app, notes: str) -> None:
    with app.app_context():
        jobs.enqueue("tests.job_functions.always_fail", notes)
        make_worker(app, fork=False).work(burst=True)


def test_an_admin_runs_a_failed_job_again_then_deletes_it(page, queue_app, tmp_path, live_server, check_page, login):
    fail_a_job(queue_app, str(tmp_path / "notes"))
    login(page, "admin@demo.retex-ia.test")
    page.goto(f"{live_server}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Tâches en échec").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tâches en échec")
    table = page.get_by_role("table", name="Tâches en échec, les plus récentes d'abord")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("tests.job_functions.always_fail")
    expect(table).to_contain_text("RuntimeError: Serveur de courriel injoignable (essai)")
    table.get_by_text("Détail de l'erreur").click()
    expect(table.locator("pre")).to_contain_text("Traceback")
    check_page(page, "failed-jobs")

    table.get_by_role("button", name="Relancer").click()
    expect(page.get_by_role("status")).to_contain_text("La tâche est remise dans la file d'attente.")
    expect(page.get_by_role("table", name="Tâches en échec, les plus récentes d'abord")).to_contain_text(
        "Aucune tâche en échec.")
    check_page(page, "failed-job-retried")

    with queue_app.app_context():
        make_worker(queue_app, fork=False).work(burst=True)  # it fails again
    page.reload()
    table = page.get_by_role("table", name="Tâches en échec, les plus récentes d'abord")
    table.get_by_role("button", name="Supprimer").click()
    expect(page.get_by_role("status")).to_contain_text("La tâche est supprimée.")
    expect(page.get_by_role("table", name="Tâches en échec, les plus récentes d'abord")).to_contain_text(
        "Aucune tâche en échec.")
    check_page(page, "failed-job-deleted")
    assert (tmp_path / "notes").read_text().splitlines() == ["attempt", "attempt"]
