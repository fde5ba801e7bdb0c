"""The app served by gunicorn in a subprocess (production configuration), and a browser-like HTTP client.

For the tests that need real processes: concurrent workers sharing one database, a server killed with
SIGKILL and started again, database connections dropped under it. The scale benchmark (bench/scale.py)
serves and measures the app through the same two classes.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# A Redis database of these tests' own (flushed when a server starts): the rate limits of other runs stay apart.
REDIS_URL = os.environ.get("RETEX_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flush_redis(url: str = REDIS_URL) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


class Server:
    """gunicorn with two sync workers, RETEX_ENV=production, rate limits in Redis (raised for the load)."""

    def __init__(self, database_url: str, log: Path, port: int | None = None, secret_key: str | None = None,
                 redis_url: str = REDIS_URL) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.log_path = log
        self.port = port or free_port()
        self.secret_key = secret_key or secrets.token_hex(16)
        self.process: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "RETEX_ENV": "production", "SECRET_KEY": self.secret_key,
                "PUBLIC_URL": f"http://127.0.0.1:{self.port}",
                "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "MAIL_SUPPRESS_SEND": "1",
                "JOBS_MODE": "thread",  # its mails and releases in the web process: no worker beside it
                "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "API_RATE_LIMIT": "1000000 per minute",
                "LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_ADDRESS_RATE_LIMIT": "100000 per minute"}

    def start(self, timeout: float = 120) -> Server:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
                 "--timeout", "120", "--graceful-timeout", "5",
                 # gunicorn's control socket has one path per user: servers of parallel runs would share it.
                 "--no-control-socket", "--preload", "app.wsgi:app"],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if Client(self.port, timeout=5).get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on port {self.port}:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def peak_memory_mb(self) -> float:
        """The largest peak resident memory (VmHWM) among the workers."""
        peaks = [int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())[1]) / 1024
                 for pid in self.worker_pids()]
        return max(peaks)

    def private_memory_mb(self) -> float:
        """The largest private memory (USS: what a worker alone holds, not what it shares with the master, such
        as the patient-data model loaded before the fork) among the workers, now."""
        sizes = []
        for pid in self.worker_pids():
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            sizes.append(sum(int(kib) for kib in re.findall(r"^Private_(?:Clean|Dirty):\s+(\d+) kB", rollup,
                                                             re.MULTILINE)) / 1024)
        return max(sizes, default=0.0)

    def kill(self) -> int:
        """SIGKILL to the master and its workers at once, as a crash or an OOM kill would; returns how many."""
        assert self.process is not None
        victims = 1 + len(self.worker_pids())
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        return victims

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def state(self) -> str:
        """For a failure message: whether gunicorn still runs, and the end of its log."""
        code = self.process.poll() if self.process else None
        return ("gunicorn running" if code is None else f"gunicorn exited ({code})") + ":\n" + self.log_tail(15)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class ServerDown(ConnectionError):
    """Nothing listens: the request never reached the server."""


class BrokenRequest(ConnectionError):
    """The connection broke after the request was sent: the server may or may not have handled it."""


class Client:
    """One browser: its own cookies (the Secure flag aside: this is loopback), forms with their CSRF token."""

    def __init__(self, port: int, timeout: float = 120) -> None:
        self.port = port
        self.timeout = timeout
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every request (an API token)

    def twin(self) -> Client:
        """Another tab of the same browser (same cookies, own connection): for a request sent twice at once."""
        other = Client(self.port, self.timeout)
        other.cookies = dict(self.cookies)
        return other

    def request(self, method: str, path: str, form: dict | None = None, headers: dict[str, str] | None = None,
                sink: bool = False) -> tuple[int, str | int, dict[str, str]]:
        """One request; a broken connection raises OSError (http.client's errors included) for the caller.
        With sink, the body is read and dropped chunk by chunk, and its size in bytes is returned instead."""
        headers = {**self.headers, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
        except ConnectionRefusedError as error:
            self.connection.close()
            raise ServerDown(f"{method} {path}: nothing listens on port {self.port}") from error
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            raise BrokenRequest(f"{method} {path}: {error.__class__.__name__}: {error}") from error
        try:
            response = self.connection.getresponse()
            if sink:
                content: str | int = 0
                while chunk := response.read(1 << 20):
                    content += len(chunk)
            else:
                content = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            raise BrokenRequest(f"{method} {path}: {error.__class__.__name__}: {error}") from error
        if response.getheader("connection", "").lower() == "close":
            self.connection.close()  # sync workers close after each answer; the next request reconnects
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, content, {k.lower(): v for k, v in response.getheaders()}

    def get(self, path: str, headers: dict[str, str] | None = None, sink: bool = False):
        return self.request("GET", path, headers=headers, sink=sink)

    def post(self, path: str, form: dict):
        return self.request("POST", path, form=form)

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on that page."""
        status, page, _ = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status}")
        return form_value(page, "csrf_token")

    def login(self, email: str, password: str) -> None:
        status, _, _ = self.post("/login", {"email": email, "password": password, "csrf_token": self.csrf("/login")})
        if status != 302:
            raise RuntimeError(f"login of {email} failed ({status})")


def form_value(page: str, name: str) -> str:
    """The value of a form's hidden input, as a browser would send it back."""
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            value = re.search(r'\bvalue="([^"]*)"', tag)
            if value:
                return value[1]
    raise LookupError(f"no {name} field in the page")


def location_path(headers: dict[str, str]) -> str:
    return urllib.parse.urlsplit(headers.get("location", "")).path


# ------------------------------------------------------------------------------------------- the database

def prepare_database(url: str, contributors: int, solutions: int) -> dict:
    """Schema (migrations) and what the clients need: contributors (one establishment each) and solutions.

    Done in-process with the testing configuration (cheap password hashes; verification reads the hash's
    own parameters, so the production server accepts them)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from tests.factories import PASSWORD, make_solution, make_user

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        users = [make_user("contributor", email=f"charge{n}@hopital.test") for n in range(contributors)]
        solution_ids = [make_solution().id for _ in range(solutions)]
        db.session.commit()
        emails = [user.email for user in users]
        db.session.remove()
        db.engine.dispose()
    return {"emails": emails, "password": PASSWORD, "solutions": solution_ids}


def integrity_problems(engine: sa.Engine) -> list[str]:
    """What is wrong with the database after a crash: the engine's own check, then the report model's rules."""
    problems: list[str] = []
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            result = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.append(f"integrity_check: {result[:5]}")
            broken_keys = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken_keys:
                problems.append(f"foreign_key_check: {broken_keys[:5]}")
        else:
            problems += _amcheck(connection)
        for label, sql in CONSISTENCY_QUERIES.items():
            rows = connection.execute(sa.text(sql)).all()
            if rows:
                problems.append(f"{label}: {rows[:5]}")
    return problems


def _amcheck(connection: sa.Connection) -> list[str]:
    """Every B-tree index of the schema checked against its table (amcheck's heapallindexed)."""
    connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
    indexes = connection.execute(sa.text(
        "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam "
        "WHERE n.nspname = 'public' AND a.amname = 'btree' AND c.relpersistence <> 't'")).all()
    problems = []
    for oid, name in indexes:
        try:
            connection.execute(sa.text("SELECT bt_index_check(CAST(:oid AS regclass), true)"), {"oid": oid})
        except sa.exc.DBAPIError as error:
            problems.append(f"amcheck {name}: {error.orig}")
    connection.commit()
    if not indexes:
        problems.append("amcheck: no index checked")
    return problems


CONSISTENCY_QUERIES = {
    "report without revision": "SELECT r.id FROM report r WHERE NOT EXISTS "
                               "(SELECT 1 FROM report_revision v WHERE v.report_id = r.id)",
    "working revision of another report": "SELECT r.id FROM report r JOIN report_revision v "
                                          "ON v.id = r.working_revision_id WHERE v.report_id <> r.id",
    "report without working revision": "SELECT r.id FROM report r WHERE r.working_revision_id IS NULL "
                                       "AND r.status IN ('draft', 'submitted')",
    "submitted report whose revision is not": "SELECT r.id FROM report r JOIN report_revision v "
                                              "ON v.id = r.working_revision_id "
                                              "WHERE r.status = 'submitted' AND v.state <> 'submitted'",
    "submitted revision without its submission": "SELECT v.id FROM report_revision v WHERE v.state = 'submitted' "
                                                 "AND NOT EXISTS (SELECT 1 FROM report_submission s "
                                                 "WHERE s.revision_id = v.id)",
    "submitted revision without score": "SELECT v.id FROM report_revision v WHERE v.state = 'submitted' "
                                        "AND (v.sus_score IS NULL OR v.submitted_at IS NULL)",
    "orphan revision": "SELECT v.id FROM report_revision v LEFT JOIN report r ON r.id = v.report_id "
                       "WHERE r.id IS NULL",
    "orphan submission": "SELECT s.id FROM report_submission s LEFT JOIN report_revision v "
                         "ON v.id = s.revision_id WHERE v.id IS NULL",
    "orphan privacy flag": "SELECT f.id FROM privacy_flag f LEFT JOIN report_revision v "
                           "ON v.id = f.revision_id WHERE v.id IS NULL",
    "revision submitted twice": "SELECT revision_id FROM report_submission GROUP BY revision_id "
                                "HAVING count(*) > 1",
    "duplicate submission key": "SELECT key FROM report_submission GROUP BY key HAVING count(*) > 1",
    "duplicate creation key": "SELECT creation_key FROM report WHERE creation_key IS NOT NULL "
                              "GROUP BY creation_key HAVING count(*) > 1",
    "duplicate revision number": "SELECT report_id, number FROM report_revision GROUP BY report_id, number "
                                 "HAVING count(*) > 1",
    "submission without audit entry": "SELECT v.id FROM report_revision v WHERE v.state = 'submitted' "
                                      "AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'report.submitted' "
                                      "AND a.object_type = 'report' AND a.object_id = v.report_id)",
}
