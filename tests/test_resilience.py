"""Under load, through a crash and through database faults: the app as production runs it.

The app is served by gunicorn (two sync workers, RETEX_ENV=production, rate limits in Redis) in a subprocess,
on a scratch database of the backend under test: a SQLite file (WAL) in the SQLite pass, a scratch PostgreSQL
database in the PostgreSQL pass. Browsers are threads of this process speaking HTTP, each with its own session.

Each test prints its figures (shown even under `pytest -q`).
"""

from __future__ import annotations

import contextlib
import html
import json
import random
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app import create_app
from tests.conftest import POSTGRES_ADMIN_URL, _postgres_database, backend
from tests.factories import COMPLETE_STEPS, text
from tests.live_server import (
    BrokenRequest,
    Client,
    Server,
    ServerDown,
    flush_redis,
    form_value,
    integrity_problems,
    location_path,
    prepare_database,
)

BACKEND = backend()
pytestmark = pytest.mark.resilience

LOAD_CLIENTS, LOAD_REPORTS = 20, 25  # 500 complete reports written at once
CRASH_CLIENTS, CRASH_REPORTS, CRASH_DRAFT_EVERY = 8, 8, 4  # every 4th report stays a draft
RETRY_SHARE = 0.2  # of creations and of submissions sent twice: at once (two tabs) or again after the answer
PATIENCE = 90  # seconds a browser keeps re-sending a request whose connection broke (server down)

ADVICE = [
    "Prévoir du temps pour la formation des manipulateurs.",
    "Le Dr Lemoine a porté le projet ; joindre le service au 04 72 11 22 33.",
    "Vérifier la qualité des données du PACS avant le pilote.",
]


@dataclass
class Live:
    backend: str
    url: str
    server: Server
    users: dict[str, list[str]]
    password: str
    solutions: list[int]
    engine: sa.Engine


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


# ------------------------------------------------------------------------------------------- the browsers

@dataclass
class Tally:
    """What every browser saw, added up (threads write here under the lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    duplicates_sent: int = 0  # requests sent twice on purpose
    cut: int = 0  # requests whose connection broke while the server had them (killed mid-request)
    refused: int = 0  # attempts refused while nothing listened
    resent: int = 0  # requests answered only once sent again
    acknowledged: dict[str, int] = field(default_factory=dict)  # submission key → report id, for each 302
    drafts: dict[int, dict] = field(default_factory=dict)  # report id → answers whose save was acknowledged
    failures: list[str] = field(default_factory=list)

    def add(self, **counts) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class Browser:
    """One contributor writing reports through the questionnaire, as a browser sends it."""

    def __init__(self, live: Live, email: str, tally: Tally, seed: int) -> None:
        self.live, self.email, self.tally = live, email, tally
        self.rng = random.Random(seed)
        self.client = Client(live.server.port)
        self.token = ""

    def send(self, method: str, path: str, form: dict | None = None, client: Client | None = None):
        """Send until an answer comes: a broken connection (server killed) is re-sent as is, as a user would."""
        client = client or self.client
        deadline, attempts = time.monotonic() + PATIENCE, 0
        while True:
            attempts += 1
            try:
                status, page, headers = client.request(method, path, form)
            except (ServerDown, BrokenRequest) as error:
                if time.monotonic() > deadline:
                    raise
                self.tally.add(**{"refused" if isinstance(error, ServerDown) else "cut": 1})
                time.sleep(0.25)
                continue
            with self.tally.lock:
                self.tally.resent += attempts > 1
                self.tally.statuses[status] += 1
                if status >= 500:
                    self.tally.server_errors.append(f"{status} {method} {path}: {page[:300]!r}")
            return status, page, headers

    def expect(self, status: int, method: str, path: str, form: dict | None = None):
        answer = self.send(method, path, form)
        if answer[0] != status:
            raise AssertionError(f"{method} {path}: {answer[0]} instead of {status}")
        return answer

    def maybe_twice(self, path: str, form: dict) -> list[tuple[int, str, dict]]:
        """A POST sent once, or twice: at once from two tabs, or again once the first answer came (a retry)."""
        draw = self.rng.random()
        if draw >= RETRY_SHARE:
            return [self.send("POST", path, form)]
        self.tally.add(duplicates_sent=1)
        if draw < RETRY_SHARE / 2:
            return [self.send("POST", path, form), self.send("POST", path, form)]
        twin, answers = self.client.twin(), [None, None]

        def in_other_tab():
            try:
                answers[1] = self.send("POST", path, form, client=twin)
            except Exception as error:  # raised again in this browser's thread, below
                answers[1] = error

        other = threading.Thread(target=in_other_tab)
        other.start()
        answers[0] = self.send("POST", path, form)
        other.join()
        if isinstance(answers[1], Exception):
            raise answers[1]
        return answers

    def answers(self, index: int) -> dict[int, dict]:
        steps = {step: dict(data) for step, data in COMPLETE_STEPS.items()}
        steps[1]["services"] = f"Imagerie, {self.email}, retour {index}"
        steps[6]["advice"] = f"{self.rng.choice(ADVICE)} (retour {index})"
        return steps

    def write(self, index: int, draft_steps: int | None = None) -> None:
        """Create, fill the six steps, review and submit one report; or stop after `draft_steps` (a draft).

        Nine requests: the creation form's page is fetched once per browser (its CSRF token lasts as long as
        the session), and each creation carries a fresh key, as each load of that form would."""
        token = self.token
        creation = {"solution_id": self.rng.choice(self.live.solutions), "csrf_token": token,
                    "creation_key": uuid.uuid4().hex}
        created = self.maybe_twice("/reports/new", creation)
        targets = {location_path(headers) for _, _, headers in created}
        statuses = [status for status, _, _ in created]
        if set(statuses) != {302} or len(targets) != 1 or not re.fullmatch(r"/reports/[0-9]+/step/1", *targets):
            raise AssertionError(f"new report: {statuses} → {targets}")
        report = targets.pop().rsplit("/step/", 1)[0]
        report_id = int(report.rsplit("/", 1)[1])
        saved: dict = {}
        for step, data in self.answers(index).items():
            if draft_steps is not None and step > draft_steps:
                return
            _, _, headers = self.expect(302, "POST", f"{report}/step/{step}", {**data, "nav": "next", "csrf_token": token})
            following = f"{report}/step/{step + 1}" if step < 6 else f"{report}/summary"
            assert location_path(headers) == following, (step, headers.get("location"))
            if draft_steps is not None:
                saved.update(data)
                with self.tally.lock:
                    self.tally.drafts[report_id] = dict(saved)
        _, page, _ = self.expect(200, "GET", f"{report}/summary")
        key = form_value(page, "submission_key")
        submitted = self.maybe_twice(f"{report}/summary", {"submission_key": key,
                                                           "csrf_token": form_value(page, "csrf_token")})
        results = [(status, location_path(headers)) for status, _, headers in submitted]
        if any(result != (302, report) for result in results):
            raise AssertionError(f"submission of {report}: {results}")
        with self.tally.lock:
            self.tally.acknowledged[key] = report_id

    def run(self, reports: int, draft_every: int | None = None) -> None:
        try:
            self.client.login(self.email, self.live.password)
            _, page, _ = self.expect(200, "GET", "/reports/new")
            self.token = form_value(page, "csrf_token")
            for index in range(reports):
                draft = draft_every and index % draft_every == draft_every - 1
                self.write(index, draft_steps=self.rng.randint(1, 5) if draft else None)
        except Exception as error:  # reported by the test, with every other browser's
            with self.tally.lock:
                self.tally.failures.append(f"{self.email}: {error.__class__.__name__}: {error}")


def run_browsers(live: Live, group: str, reports: int, tally: Tally, draft_every: int | None = None,
                 during: Callable[[], dict] | None = None) -> tuple[float, dict]:
    """The group's browsers at once, each writing `reports`; `during` runs meanwhile (an incident)."""
    browsers = [Browser(live, email, tally, seed=n) for n, email in enumerate(live.users[group])]
    threads = [threading.Thread(target=b.run, args=(reports, draft_every)) for b in browsers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    try:
        incident = during() if during else {}
    finally:
        for thread in threads:
            thread.join()
    return time.perf_counter() - started, incident


# ----------------------------------------------------------------------------------------------- queries

def reports_of(live: Live, group: str) -> list[sa.Row]:
    """The reports written by a group's users: id, status, working revision state and answers, submission keys."""
    with live.engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT r.id, r.status, v.state, v.answers, "
            "  (SELECT count(*) FROM report_submission s JOIN report_revision w ON w.id = s.revision_id "
            "   WHERE w.report_id = r.id) AS submissions "
            "FROM report r JOIN user_account u ON u.id = r.author_id "
            "LEFT JOIN report_revision v ON v.id = r.working_revision_id "
            "WHERE u.email IN :emails ORDER BY r.id").bindparams(
                sa.bindparam("emails", expanding=True)), {"emails": live.users[group]}).all()


def submissions_found(live: Live, keys: list[str]) -> dict[str, int]:
    with live.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT s.key, v.report_id FROM report_submission s JOIN report_revision v ON v.id = s.revision_id "
            "WHERE s.key IN :keys").bindparams(sa.bindparam("keys", expanding=True)), {"keys": keys}).all()
    return dict(rows)


def as_dict(answers) -> dict:
    return json.loads(answers) if isinstance(answers, str) else (answers or {})


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

UNAVAILABLE = "Service momentanément indisponible"


def assert_unavailable_page(answer: tuple[int, str, dict]) -> None:
    status, page, headers = answer
    assert status == 503, (status, page[:300])
    page = html.unescape(page)
    assert UNAVAILABLE in page and "Patientez quelques instants puis réessayez" in page
    assert headers.get("retry-after") and "text/html" in headers["content-type"]


def assert_unavailable_json(answer: tuple[int, str, dict], body: dict) -> None:
    status, page, headers = answer
    assert (status, json.loads(page)) == (503, body)
    assert headers["content-type"] == "application/json" and headers.get("retry-after")


def start_draft(browser: Client, solutions: list[int]) -> tuple[str, str]:
    """A draft with its first step saved: its path and the form's CSRF token."""
    _, page, _ = browser.get("/reports/new")
    token = form_value(page, "csrf_token")
    status, _, headers = browser.post("/reports/new", {"solution_id": solutions[0], "csrf_token": token,
                                                       "creation_key": form_value(page, "creation_key")})
    assert status == 302
    report = location_path(headers).rsplit("/step/", 1)[0]
    assert browser.post(f"{report}/step/1", {**COMPLETE_STEPS[1], "nav": "next", "csrf_token": token})[0] == 302
    return report, token


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


# Where nothing answers: a closed PostgreSQL port, an SQLite file in a folder that does not exist.
UNREACHABLE_DATABASES = pytest.mark.parametrize(
    "url", ["postgresql+psycopg://retex@127.0.0.1:1/retex?connect_timeout=2", "sqlite:////nonexistent-folder/retex.db"],
    ids=["postgresql-port-closed", "sqlite-missing-folder"])


@UNREACHABLE_DATABASES
def test_an_unreachable_database_answers_a_french_503_page(url):
    """The pool pointed where nothing answers: every page a clear 503 in French (English when asked)."""
    # The test client asks for "localhost": the platform's public address here.
    app = create_app("production", {"SECRET_KEY": "x" * 32, "PUBLIC_URL": "http://localhost",
                                    "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    for path in ("/", "/catalogue"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert UNAVAILABLE in text(response) and response.headers["Retry-After"]
    api = client.get("/api/v1/solutions")
    assert api.status_code == 503 and api.get_json()["code"] == "service_unavailable"
    english = client.get("/catalogue", headers={"Accept-Language": "en"})
    assert english.status_code == 503 and "Service temporarily unavailable" in text(english)


@UNREACHABLE_DATABASES
def test_error_pages_of_a_logged_in_user_never_fail_while_the_database_is_away(url):
    """The error page needs the user (navigation): unreachable, it is shown as to a visitor, never as a 500."""
    # The test client asks for "localhost": the platform's public address here.
    app = create_app("production", {"SECRET_KEY": "x" * 32, "PUBLIC_URL": "http://localhost",
                                    "SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"1:token:{int(time.time())}"
        session["_fresh"] = True
        session["_seen_at"] = int(time.time())
    # An unknown static file never needs the user; the other requests check the login first (503).
    pages = {("GET", "/static/missing.css"): 404,
             ("GET", "/no-such-page"): 503, ("POST", "/no-such-page"): 503}
    for (method, path), expected in pages.items():
        response = client.open(path, method=method)
        assert response.status_code == expected, (method, path)
        assert _french_error_title(expected) in text(response), (method, path)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 503 and api.get_json()["code"] == "service_unavailable"


def _french_error_title(code: int) -> str:
    return {404: "Page introuvable", 503: UNAVAILABLE}[code]


def test_a_creation_sent_twice_at_once_leads_both_to_the_first_draft(client, auth, monkeypatch):
    from app.extensions import db
    from app.models import Report
    from app.services import reports as service
    from tests.factories import make_solution, make_user

    user, solution = make_user("contributor"), make_solution()
    db.session.commit()
    auth.login(user.email)
    form = {"solution_id": solution.id, "creation_key": "sent-twice"}
    first = client.post("/reports/new", data=form)
    looked_up = service.find_created_report
    calls = []

    def before_the_first_commit(key):
        calls.append(key)
        return None if len(calls) == 1 else looked_up(key)

    monkeypatch.setattr(service, "find_created_report", before_the_first_commit)
    second = client.post("/reports/new", data=form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(calls) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
