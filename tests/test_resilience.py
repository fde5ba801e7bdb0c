"""Under load, through a crash and through database faults: the app as production runs it.

The app is served by gunicorn (two sync workers, RETEX_ENV=production, rate limits in Redis) in a subprocess,
on a scratch database of the backend under test: a SQLite file (WAL) in the SQLite pass, a scratch PostgreSQL
database in the PostgreSQL pass. Browsers are threads of this process speaking HTTP, each with its own session.

The browsers and what they left in the database are in tests/resilience_helpers.py; the checks that need no server,
in tests/test_resilience_in_process.py.

Each test prints its figures (shown even under `pytest -q`).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import uuid
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_ADMIN_URL, _postgres_database, backend
from tests.factories import COMPLETE_STEPS
from tests.live_server import Client, Server, flush_redis, integrity_problems, location_path, prepare_database
from tests.resilience_helpers import (
    Live,
    Tally,
    as_dict,
    assert_unavailable_json,
    assert_unavailable_page,
    reports_of,
    run_browsers,
    start_draft,
    submissions_found,
)

BACKEND = backend()
pytestmark = pytest.mark.resilience

LOAD_CLIENTS, LOAD_REPORTS = 20, 10  # 200 complete reports written at once
CRASH_CLIENTS, CRASH_REPORTS, CRASH_DRAFT_EVERY = 8, 8, 4  # every 4th report stays a draft


@pytest.fixture(scope="module", params=[pytest.param(BACKEND, marks=getattr(pytest.mark, BACKEND))])
def live(request, tmp_path_factory):
    """A scratch database the subprocess can see, its users, and gunicorn serving it."""
    folder = tmp_path_factory.mktemp("live")
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(contextlib.contextmanager(_postgres_database)())
        else:
            url = f"sqlite:///{folder / 'live.db'}"
        flush_redis()
        groups = {"load": LOAD_CLIENTS, "crash": CRASH_CLIENTS, "faults": 2}
        prepared = prepare_database(url, contributors=sum(groups.values()), solutions=5)
        emails, users = iter(prepared["emails"]), {}
        for group, count in groups.items():
            users[group] = [next(emails) for _ in range(count)]
        server = Server(url, folder / "gunicorn.log").start()
        stack.callback(server.stop)
        engine = sa.create_engine(url, pool_pre_ping=True)  # the faults test drops its connections too
        stack.callback(engine.dispose)
        yield Live(request.param, url, server, users, prepared["password"], prepared["solutions"], engine)


def report_figures(capsys, title: str, figures: dict) -> None:
    with capsys.disabled():
        print(f"\n[{BACKEND}] {title}: " + ", ".join(f"{name} {value}" for name, value in figures.items()))


# --------------------------------------------------------------------------------------------------- tests

def test_concurrent_browsers_submit_every_report_once(live, capsys):
    tally = Tally()
    cpu = time.process_time()
    elapsed, _ = run_browsers(live, "load", LOAD_REPORTS, tally)
    cpu = time.process_time() - cpu

    rows = reports_of(live, "load")
    expected = LOAD_CLIENTS * LOAD_REPORTS
    submitted = [row for row in rows if row.status == "submitted" and row.state == "submitted"]
    with live.engine.connect() as connection:
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar() if BACKEND == "sqlite" else "-"
    report_figures(capsys, "concurrent submissions", {
        "journal": journal, "clients": LOAD_CLIENTS, "reports": expected, "requests": sum(tally.statuses.values()),
        "duplicate requests sent": tally.duplicates_sent, "submitted found": len(submitted),
        "reports found": len(rows), "duplicates found": sum(max(row.submissions - 1, 0) for row in rows),
        "5xx": len(tally.server_errors), "elapsed": f"{elapsed:.1f} s",
        "requests/s": f"{sum(tally.statuses.values()) / elapsed:.0f}", "browsers' CPU": f"{cpu:.1f} s"})
    assert not tally.failures, (tally.failures[:5], live.server.state())
    assert not tally.server_errors, tally.server_errors[:5]
    assert tally.duplicates_sent > 0
    assert len(tally.acknowledged) == expected
    assert len(rows) == expected, "a creation sent twice made two reports"
    assert len(submitted) == expected
    assert all(row.submissions == 1 for row in rows), "a submission sent twice was recorded twice"
    assert submissions_found(live, list(tally.acknowledged)) == tally.acknowledged
    assert integrity_problems(live.engine) == []
    assert journal in ("wal", "-")


def test_acknowledged_submissions_and_drafts_survive_a_killed_server(live, capsys):
    expected_total = CRASH_CLIENTS * CRASH_REPORTS
    expected_drafts = CRASH_CLIENTS * (CRASH_REPORTS // CRASH_DRAFT_EVERY)
    tally = Tally()

    def crash_midway() -> dict:
        """SIGKILL the master and its workers once a third of the submissions are acknowledged; start again."""
        deadline = time.monotonic() + 300
        while len(tally.acknowledged) < (expected_total - expected_drafts) // 3:
            if tally.failures or time.monotonic() > deadline:
                return {"killed processes": 0}  # the browsers' failures tell why
            time.sleep(0.02)
        acknowledged_before = len(tally.acknowledged)
        killed = live.server.kill()
        down = time.perf_counter()
        time.sleep(1)  # browsers find the door closed and keep trying
        live.server.start()
        return {"killed processes": killed, "acknowledged before the kill": acknowledged_before,
                "downtime": f"{time.perf_counter() - down:.1f} s"}

    elapsed, incident = run_browsers(live, "crash", CRASH_REPORTS, tally, draft_every=CRASH_DRAFT_EVERY,
                                     during=crash_midway)

    rows = {row.id: row for row in reports_of(live, "crash")}
    found = submissions_found(live, list(tally.acknowledged))
    drafts_intact = [report_id for report_id, saved in tally.drafts.items()
                     if report_id in rows and rows[report_id].status == "draft" and rows[report_id].state == "draft"
                     and all(as_dict(rows[report_id].answers).get(k) == v for k, v in saved.items())]
    problems = integrity_problems(live.engine)
    report_figures(capsys, "killed server", {
        "clients": CRASH_CLIENTS, "reports": expected_total - expected_drafts, "drafts": expected_drafts,
        **incident, "requests cut mid-way": tally.cut, "attempts refused": tally.refused,
        "requests re-sent": tally.resent,
        "duplicate requests sent": tally.duplicates_sent, "acknowledged": len(tally.acknowledged),
        "found": len(found), "drafts intact": f"{len(drafts_intact)}/{len(tally.drafts)}",
        "5xx": len(tally.server_errors), "integrity problems": len(problems), "elapsed": f"{elapsed:.1f} s"})
    assert not tally.failures, (tally.failures[:5], live.server.state())
    assert incident["killed processes"] >= 3
    assert tally.cut > 0, "the kill happened while no request was in flight"
    assert found == tally.acknowledged, "an acknowledged submission is missing"
    assert len(tally.acknowledged) == expected_total - expected_drafts
    assert len(rows) == expected_total, "a creation re-sent after the crash made two reports"
    assert all(row.submissions <= 1 for row in rows.values())
    assert len(tally.drafts) == expected_drafts
    assert sorted(drafts_intact) == sorted(tally.drafts), "a draft lost acknowledged answers"
    assert not tally.server_errors, tally.server_errors[:5]
    assert problems == []


# ------------------------------------------------------------------------------------- database faults

@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL connection faults: the PostgreSQL pass")
def test_dropped_and_refused_postgresql_connections_answer_503_then_heal(live, capsys):
    name = live.url.rsplit("/", 1)[1]
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def terminate(keep: int = 0) -> int:
        with admin.connect() as connection:
            return connection.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name "
                "AND pid <> pg_backend_pid() AND pid <> :keep"), {"name": name, "keep": keep}).scalar()

    browser = Client(live.server.port)
    browser.login(live.users["faults"][0], live.password)
    report, token = start_draft(browser, live.solutions)
    workers = sorted(live.server.worker_pids())
    figures = {}
    try:
        # 1. Idle pooled connections dropped: the pool's pre-ping notices and reconnects; nobody sees it.
        for _ in range(6):
            assert browser.get("/reports/")[0] == 200
        figures["idle connections dropped"] = terminate()
        after_drop = Counter(browser.get(path)[0] for path in ("/reports/", f"{report}/step/2", "/healthz") * 4)
        figures["answers after the drop"] = dict(after_drop)
        assert after_drop == Counter({200: 12})

        # 2. A connection dropped mid-request: that request answers 503 (nothing of it is committed) and the
        # user's retry goes through. The request is held on a lock so that it is in flight when dropped.
        locker = sa.create_engine(live.url)
        answer: list = []
        step2 = {**COMPLETE_STEPS[2], "nav": "next", "csrf_token": token}
        with locker.connect() as lock:
            lock.execute(sa.text("LOCK TABLE report_revision IN ACCESS EXCLUSIVE MODE"))
            keep = lock.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            request = threading.Thread(target=lambda: answer.append(browser.post(f"{report}/step/2", step2)))
            request.start()
            deadline = time.monotonic() + 20
            with admin.connect() as watch:
                while not watch.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                                                "AND wait_event_type = 'Lock'"), {"name": name}).scalar():
                    assert time.monotonic() < deadline, "the request never waited on the lock"
                    time.sleep(0.05)
            figures["connections dropped mid-request"] = terminate(keep)
            lock.rollback()
        locker.dispose()
        request.join(30)
        assert_unavailable_page(answer[0])
        retry = browser.post(f"{report}/step/2", step2)
        assert (retry[0], location_path(retry[2])) == (302, f"{report}/step/3")

        # 3. The database refuses every connection: clear 503 answers (French page, JSON for /healthz and the
        # API), fast, and the same workers keep serving.
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        figures["connections dropped, database closed"] = terminate()
        started = time.perf_counter()
        assert_unavailable_page(browser.get("/reports/"))
        assert_unavailable_page(browser.get("/catalogue"))
        assert_unavailable_page(browser.post(f"{report}/step/3", {**COMPLETE_STEPS[3], "nav": "next",
                                                                  "csrf_token": token}))
        assert_unavailable_json(browser.get("/healthz"), {"status": "error", "database": "error"})
        assert_unavailable_json(browser.get("/api/v1/solutions"), {
            "code": "service_unavailable",
            "message": "Service momentanément indisponible : réessayez dans quelques instants."})
        figures["503 answers while closed"] = f"5 in {time.perf_counter() - started:.2f} s"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()

    # 4. The database is back: the same workers answer again, without a restart, and the draft is whole.
    started = time.perf_counter()
    assert browser.get("/healthz")[0] == 200
    healed = Counter(browser.get(path)[0] for path in ("/reports/", f"{report}/step/3", "/catalogue") * 4)
    figures["answers once back"] = dict(healed)
    figures["recovered in"] = f"{time.perf_counter() - started:.2f} s"
    report_figures(capsys, "database faults", figures)
    assert healed == Counter({200: 12})
    assert sorted(live.server.worker_pids()) == workers, "a worker died or was restarted"
    with live.engine.connect() as connection:
        answers = as_dict(connection.execute(sa.text(
            "SELECT v.answers FROM report r JOIN report_revision v ON v.id = r.working_revision_id "
            "WHERE r.id = :id"), {"id": int(report.rsplit("/", 1)[1])}).scalar())
    assert {**answers, **COMPLETE_STEPS[1], **COMPLETE_STEPS[2]} == answers


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite locking: the SQLite pass")
def test_a_sqlite_database_locked_too_long_answers_503_then_works(live, capsys):
    """A writer holding the database longer than busy_timeout (5 s): 'database is locked' is a 503 to retry."""
    browser = Client(live.server.port)
    browser.login(live.users["faults"][0], live.password)
    report, token = start_draft(browser, live.solutions)
    step2 = {**COMPLETE_STEPS[2], "nav": "next", "csrf_token": token}
    path = live.url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.perf_counter()
        blocked = browser.post(f"{report}/step/2", step2)
        waited = time.perf_counter() - started
        reading = browser.get(f"{report}/step/2")  # WAL: readers are not blocked by the writer
    finally:
        holder.rollback()
        holder.close()
    retry = browser.post(f"{report}/step/2", step2)
    report_figures(capsys, "database locked", {"write answered": blocked[0], "after": f"{waited:.1f} s",
                                               "read meanwhile": reading[0], "retry": retry[0]})
    assert_unavailable_page(blocked)
    assert reading[0] == 200
    assert (retry[0], location_path(retry[2])) == (302, f"{report}/step/3")


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's single writer: the SQLite pass")
def test_a_fresh_workers_first_submission_does_not_stall_the_other_writers(live, capsys):
    """A fresh worker's first submission scans the free texts: never while holding SQLite's write lock (the
    model itself is loaded by gunicorn's master before the fork: app.wsgi)."""
    author, other = Client(live.server.port), Client(live.server.port)
    author.login(live.users["faults"][0], live.password)
    other.login(live.users["faults"][1], live.password)
    report, token = start_draft(author, live.solutions)
    for step, data in COMPLETE_STEPS.items():  # saved and valid: redirected without any scan
        assert author.post(f"{report}/step/{step}", {**data, "nav": "next", "csrf_token": token})[0] == 302
    draft, other_token = start_draft(other, live.solutions)
    live.server.stop()
    live.server.start()  # fresh workers

    stop, saves = threading.Event(), []

    def keep_saving():
        while not stop.is_set():
            started = time.perf_counter()
            status = other.post(f"{draft}/step/1", {**COMPLETE_STEPS[1], "nav": "next", "csrf_token": other_token})[0]
            saves.append((status, time.perf_counter() - started))

    saver = threading.Thread(target=keep_saving)
    saver.start()
    time.sleep(0.3)
    started = time.perf_counter()
    submitted = author.post(f"{report}/summary", {"submission_key": uuid.uuid4().hex, "csrf_token": token})
    submission_time = time.perf_counter() - started
    time.sleep(0.3)
    stop.set()
    saver.join()
    slowest = max(seconds for _, seconds in saves)
    report_figures(capsys, "first submission of a fresh worker", {
        "submission": f"{submitted[0]} in {submission_time:.1f} s", "saves meanwhile": len(saves),
        "their answers": dict(Counter(status for status, _ in saves)), "slowest save": f"{slowest:.2f} s"})
    assert (submitted[0], location_path(submitted[2])) == (302, report)
    assert {status for status, _ in saves} == {302}
    assert slowest < max(1.0, submission_time / 3), "the saves waited for the submission's lock"
