"""The job API without a worker: jobs run at once in the tests (JOBS_MODE inline), enqueued only after the commit
they belong to, run in the process with a warning when Redis does not answer, put on Redis as RQ jobs otherwise;
the periodic-job registry; the jobs of the platform (notices, guide PDFs, the nightly rescan)."""

from __future__ import annotations

import logging
import uuid

import pytest

from app.extensions import db
from app.jobs_worker import make_scheduler, parse_schedule, periodic_jobs
from app.services import guide_pdf, guides, jobs
from app.services.mail import send_after_commit
from tests.factories import make_user
from tests.live_server import REDIS_URL
from tests.test_guide_pdf import published_version

CALLS: list[tuple] = []


def remember(*args, **kwargs) -> None:
    CALLS.append((args, kwargs))


def explode() -> None:
    raise RuntimeError("Panne voulue")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    jobs.wait_in_process_jobs()


def test_in_the_tests_a_job_runs_at_once_and_its_failure_is_logged_not_raised(app, caplog):
    assert jobs.enqueue(remember, 1, "deux", trois=[3]) is None
    assert CALLS == [((1, "deux"), {"trois": [3]})]
    with caplog.at_level(logging.ERROR):
        jobs.enqueue("tests.test_jobs.explode")
    assert "Job tests.test_jobs.explode failed" in caplog.text and "Panne voulue" in caplog.text


def test_a_job_takes_json_values_and_a_module_level_function(app):
    with pytest.raises(TypeError):
        jobs.enqueue(remember, make_user())  # an ORM object: pass its id
    with pytest.raises(ValueError, match="module-level"):
        jobs.enqueue(lambda: None)
    assert CALLS == []


def test_a_job_after_commit_waits_for_the_commit_and_is_dropped_by_a_rollback(app):
    jobs.enqueue_after_commit(remember, "annulé")
    assert CALLS == []
    db.session.rollback()
    db.session.commit()
    assert CALLS == []
    jobs.enqueue_after_commit(remember, "gardé")
    with db.session.begin_nested():
        make_user()
    assert CALLS == []  # a savepoint is not the commit
    db.session.commit()
    assert CALLS == [(("gardé",), {})]


def test_without_redis_jobs_run_in_the_process_with_a_warning_saying_what_to_install(app, caplog):
    app.config.update(JOBS_MODE="queue", JOBS_REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert not jobs.redis_available(app)
    with caplog.at_level(logging.WARNING):
        assert jobs.enqueue(remember, "sans redis") is None
        jobs.wait_in_process_jobs()
    assert CALLS == [(("sans redis",), {})]
    assert "Redis is not reachable at redis://127.0.0.1:1/0" in caplog.text
    assert "apt-get install redis-server" in caplog.text


@pytest.fixture
def redis_queue(app):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except OSError:
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    app.config.update(JOBS_MODE="queue", JOBS_REDIS_URL=REDIS_URL, JOBS_QUEUE=f"test-{uuid.uuid4().hex[:12]}")
    assert jobs.redis_available(app)
    queue = jobs.redis_queue(app)
    yield queue
    queue.delete(delete_jobs=True)


def test_with_redis_each_notice_becomes_a_job_after_the_commit_with_retries(app, redis_queue):
    """One job per message: a retry after a mail server failure half-way never sends a message twice."""
    with app.test_request_context():
        send_after_commit("a@hopital.test", "Sujet\nsur deux lignes", "Corps")
        send_after_commit("b@hopital.test", "Autre", "Corps")
        assert redis_queue.count == 0
        db.session.commit()
    first, second = redis_queue.jobs
    assert {first.func_name, second.func_name} == {"app.services.mail.deliver_notices"}
    assert (first.args, second.args) == (([["a@hopital.test", "Sujet sur deux lignes", "Corps"]],),
                                         ([["b@hopital.test", "Autre", "Corps"]],))
    for job in (first, second):
        assert job.retries_left == len(app.config["JOBS_RETRY_INTERVALS"]) and job.retry_intervals == [60, 300, 1800]
        assert job.failure_ttl == app.config["JOBS_FAILED_KEEP_DAYS"] * 86400


def test_a_release_due_becomes_a_job_when_not_inline(app, redis_queue):
    from app.services import publication_jobs

    app.config["RELEASES_INLINE"] = False
    publication_jobs.run_after_commit({3, 1})
    [job] = redis_queue.jobs
    assert (job.func_name, job.args) == ("app.services.publication_jobs.release", ([1, 3],))


def test_a_published_guide_version_gets_its_pdf_from_a_job_after_the_commit(app, monkeypatch):
    app.config["GUIDE_PDF_AFTER_PUBLICATION"] = True
    rendered = []
    monkeypatch.setattr(guide_pdf, "render_pdf", lambda version: rendered.append(version.number) or b"%PDF-1.7 job")
    version = published_version(narrative="Qualité")  # published and committed
    assert rendered == [1]
    db.session.expire_all()
    assert db.session.get(type(version), version.id).pdf == b"%PDF-1.7 job"
    guide, analyst = db.session.get(type(version), version.id).guide, make_user("analyst")
    guides.update_sections(guide, {"evidence": {"narrative": "Autre texte"}}, analyst)
    guides.publish(guide, analyst)
    db.session.rollback()  # a publication rolled back makes no PDF
    assert rendered == [1]


@pytest.mark.parametrize(("schedule", "expected"), [
    ("30 2 * * *", {"cron": "30 2 * * *"}), (3600, {"interval": 3600}), ("600", {"interval": 600}),
])
def test_a_periodic_schedule_is_a_cron_expression_or_seconds(schedule, expected):
    assert parse_schedule(schedule) == expected


@pytest.mark.parametrize("schedule", ["tous les jours", "61 2 * * *", "* * * *", 0, "-5"])
def test_a_wrong_periodic_schedule_is_refused_at_the_start(schedule):
    with pytest.raises(ValueError):
        parse_schedule(schedule)


def test_the_periodic_registry_is_read_from_the_configuration_and_checked(app):
    assert ("app.services.report_privacy.nightly_rescan", {"cron": "30 2 * * *"}) in periodic_jobs(app)
    app.config["PERIODIC_JOBS"] = (*app.config["PERIODIC_JOBS"], ("tests.test_jobs.remember", 300))
    registered = {job.name: (job.cron, job.interval, job.queue_name) for job in make_scheduler(app).get_jobs()}
    queue = app.config["JOBS_QUEUE"]
    assert registered == {"app.services.report_privacy.nightly_rescan": ("30 2 * * *", None, queue),
                          "app.services.reminders.send_due_reminders": ("0 7 * * *", None, queue),
                          "app.services.notices.send_weekly_digests": ("0 6 * * 1", None, queue),
                          "tests.test_jobs.remember": (None, 300, queue)}
    app.config["PERIODIC_JOBS"] = (("app.services.nowhere.nothing", 60),)
    with pytest.raises(ImportError):
        periodic_jobs(app)


def test_the_nightly_rescan_runs_as_a_job_and_logs_what_it_read(app, caplog):
    with caplog.at_level(logging.INFO):
        jobs.enqueue("app.services.report_privacy.nightly_rescan")
    assert "Patient-data rescan: 0 versions read, 0 new flags" in caplog.text


def test_the_reminders_and_the_weekly_digest_run_as_periodic_jobs_without_arguments(app, caplog):
    for path in ("app.services.reminders.send_due_reminders", "app.services.notices.send_weekly_digests"):
        assert path in dict(periodic_jobs(app))
        jobs.enqueue(path)  # inline in the tests: run now, as the scheduler's job would be
    assert "failed" not in caplog.text


def test_a_redis_that_refuses_a_job_leaves_it_to_this_process(app, redis_queue, monkeypatch, caplog):
    import redis

    def refuse(*args, **kwargs):
        raise redis.exceptions.ResponseError("READONLY You can't write against a read only replica.")

    monkeypatch.setattr(type(redis_queue), "enqueue_call", refuse)
    with caplog.at_level(logging.ERROR):
        assert jobs.enqueue(remember, "refusé") is None
        jobs.wait_in_process_jobs()
    assert CALLS == [(("refusé",), {})]
    assert "Redis refused job" in caplog.text


def test_the_failed_jobs_page_never_shows_to_whom_or_what_a_mail_job_sends(app):
    from types import SimpleNamespace

    from app.services import jobs_admin

    def job(func_name, args):
        return SimpleNamespace(id="j", func_name=func_name, args=args, kwargs={}, enqueued_at=None, ended_at=None,
                               latest_result=lambda: None)

    mail = jobs_admin._described(job("app.services.mail.deliver_notices",
                                     [[["auteur@hopital.test", "Alerte", "Corps secret"]] * 2]))
    assert "auteur@hopital.test" not in mail.arguments and "secret" not in mail.arguments
    assert mail.arguments.startswith("2 messages")
    other = jobs_admin._described(job("app.services.guide_pdf.store_pdf", [42]))
    assert other.arguments == "42"
