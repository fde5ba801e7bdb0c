"""The scale benchmark's databases and measures: scratch databases, flask steps, timings of pages, SQL, PDF, wrk, dumps."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.live_server import Client

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
QUIET_LOAD = 1.0  # 1-minute load average below which the measures start (2 cores)
SETTLE_SECONDS = 240
DEMO_REPORTS = 1000  # reports of the demonstration itself; bench-data adds the rest of each size


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --------------------------------------------------------------------------------------------- databases

@dataclass
class Database:
    label: str
    url: str
    drop: str | None = None  # PostgreSQL database to drop at the end
    path: Path | None = None  # SQLite file

    @property
    def kind(self) -> str:
        return "sqlite" if self.url.startswith("sqlite") else "postgresql"


def make_database(spec: str, scratch: Path) -> Database:
    if spec == "sqlite":
        path = scratch / "bench.db"
        return Database("SQLite", f"sqlite:///{path}", path=path)
    if spec == "postgresql":
        import psycopg

        name = f"retex_bench_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return Database("PostgreSQL", f"{PG_SERVER}/{name}", drop=name)
    kind = "SQLite" if spec.startswith("sqlite") else "PostgreSQL"
    path = Path(spec.split(":///", 1)[1]) if spec.startswith("sqlite:///") else None
    return Database(kind, spec, path=path)


def drop_database(database: Database) -> None:
    if database.drop:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database.drop}" WITH (FORCE)')


def settle(database: Database) -> float:
    """After a bulk load, what a production database does by itself before long: statistics, visibility map and
    checkpoint (PostgreSQL's autovacuum would otherwise run during the measures), the WAL folded back (SQLite).
    Then wait, up to SETTLE_SECONDS, for the machine to be quiet again. Returns the seconds waited."""
    started = time.monotonic()
    if database.kind == "postgresql":
        import psycopg

        with psycopg.connect(database.url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
            conn.execute("CHECKPOINT")
    elif database.path is not None:
        import sqlite3

        connection = sqlite3.connect(database.path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    while os.getloadavg()[0] > QUIET_LOAD and time.monotonic() - started < SETTLE_SECONDS:
        time.sleep(5)
    return time.monotonic() - started


def flask_env(database: Database, **extra: str) -> dict[str, str]:
    env = {**os.environ, "FLASK_APP": "app:create_app", "RETEX_ENV": "development",
           "DATABASE_URL": database.url, "MAIL_SUPPRESS_SEND": "1", "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": ""}
    env.update(extra)
    return env


def flask(database: Database, *args: str, **extra: str) -> str:
    result = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=flask_env(database, **extra),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def in_app(database: Database, code: str) -> dict:
    """Run `code` (which sets `out`) in a fresh process inside an application context; returns `out`."""
    script = ("import json\nfrom app import create_app\nfrom app.extensions import db\n"
              "app = create_app('development')\nwith app.app_context():\n    out = {}\n"
              + "".join(f"    {line}\n" for line in code.strip().splitlines())
              + "    print('@@' + json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=flask_env(database),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"in-app step failed:\n{result.stderr}")
    return json.loads(result.stdout.rsplit("@@", 1)[1])


def published_reports(database: Database) -> int:
    return in_app(database, "out['n'] = db.session.scalar(db.text("
                            "\"SELECT count(*) FROM report WHERE status = 'published'\"))")["n"]


def prepare(database: Database) -> dict:
    """Schema, demonstration data, an analyst API token, and what the measures address."""
    flask(database, "db", "upgrade")
    flask(database, "demo", "load", "--if-empty", DEMO_REPORTS=str(DEMO_REPORTS))
    return in_app(database, """
import sqlalchemy as sa
from app.models import Guide, Solution, User
from app.services import api_tokens
analyst = db.session.scalar(sa.select(User).where(User.email == 'analyst@demo.retex-ia.test'))
token = api_tokens.create_token(analyst, 'bench')[1]
db.session.commit()
out['token'] = token
from app.models import GuideVersion
out['guide'], out['version'] = db.session.execute(sa.select(Guide.slug, sa.func.max(GuideVersion.number))
    .join(GuideVersion).group_by(Guide.id, Guide.slug).order_by(Guide.id).limit(1)).one()
out['solutions'] = [row[0] for row in db.session.execute(sa.select(Solution.id).where(
    Solution.archived.is_(False)).order_by(Solution.id))]
""")


def busiest_solutions(database: Database) -> list[int]:
    """The solutions with the most establishments' voices: the scorecards that cost the most."""
    return in_app(database, """
rows = db.session.execute(db.text('SELECT solution_id, count(DISTINCT establishment_id) AS n FROM report_fact '
                                  'GROUP BY solution_id ORDER BY n DESC, solution_id LIMIT 3')).all()
out['ids'] = [row[0] for row in rows]
out['segment'] = db.session.execute(db.text(
    'SELECT establishment_type FROM report_fact WHERE solution_id = :s GROUP BY establishment_type '
    'ORDER BY count(*) DESC'), {'s': rows[0][0]}).scalar()
""")


# ------------------------------------------------------------------------------------------- measures

@dataclass
class Timing:
    values: list[float] = field(default_factory=list)  # seconds
    cold: float | None = None

    @property
    def p50(self) -> float:
        return percentile(self.values, 0.5) * 1000

    @property
    def p95(self) -> float:
        return percentile(self.values, 0.95) * 1000


def timed_get(client: Client, path: str, expect: int = 200) -> float:
    started = time.perf_counter()
    status, _, _ = client.get(path, sink=True)
    elapsed = time.perf_counter() - started
    if status != expect:
        raise RuntimeError(f"GET {path}: {status}")
    return elapsed


def time_pages(targets: dict[str, tuple[Client, str]], requests: int) -> dict[str, Timing]:
    """Each URL's first request (cold) and two warm-ups (they reach the other worker); then `requests` rounds
    that take one request of every URL in turn, so that a pause of the machine weighs on every URL alike
    instead of on the one measured at that moment."""
    timings = {label: Timing() for label in targets}
    for label, (client, path) in targets.items():
        timings[label].cold = timed_get(client, path) * 1000
        for _ in range(2):
            timed_get(client, path)
    for _ in range(requests):
        for label, (client, path) in targets.items():
            timings[label].values.append(timed_get(client, path))
    return timings


ADVICE = "Prévoir un référent médical ; le Dr Lemoine a porté le projet, joindre le 04 72 11 22 33."


def time_submissions(client: Client, solution_ids: list[int], count: int) -> Timing:
    """Complete reports written through the questionnaire as a browser does; times the submission."""
    from tests.factories import COMPLETE_STEPS

    timing = Timing()
    for index in range(count):
        token = client.csrf("/reports/new")
        status, _, headers = client.post("/reports/new", {
            "solution_id": solution_ids[index % len(solution_ids)], "creation_key": uuid.uuid4().hex,
            "csrf_token": token})
        if status != 302:
            raise RuntimeError(f"new report: {status}")
        report = urllib.parse.urlsplit(headers["location"]).path.rsplit("/step/", 1)[0]
        for step, data in COMPLETE_STEPS.items():
            data = {**data, "advice": ADVICE} if step == 6 else data
            status, _, _ = client.post(f"{report}/step/{step}", {**data, "nav": "next", "csrf_token": token})
            if status != 302:
                raise RuntimeError(f"step {step}: {status}")
        token = client.csrf(f"{report}/summary")
        started = time.perf_counter()
        status, _, headers = client.post(f"{report}/summary", {"submission_key": uuid.uuid4().hex,
                                                               "csrf_token": token})
        elapsed = time.perf_counter() - started
        if status != 302 or "/step/" in headers.get("location", ""):
            raise RuntimeError(f"submission: {status}")
        if index == 0:
            timing.cold = elapsed * 1000
        timing.values.append(elapsed)
    return timing


FLOOR_SQL = """
SELECT count(*), avg(m), stddev_samp_placeholder FROM (
  SELECT establishment_id, avg(sus_score) AS m FROM report_fact
  WHERE solution_id = {solution} AND sus_score IS NOT NULL GROUP BY establishment_id) AS per_establishment
"""


def time_sql_floor(database: Database, solution_id: int, requests: int) -> Timing:
    """The scorecard's main aggregate (establishment-weighted mean SUS and its spread), by hand, through the
    database driver alone: what the statistics cannot go below."""
    if database.kind == "sqlite":
        import sqlite3

        sql = FLOOR_SQL.replace("stddev_samp_placeholder", "avg(m * m)").format(solution=solution_id)
        connection = sqlite3.connect(database.path)
        run = lambda: connection.execute(sql).fetchall()  # noqa: E731
    else:
        import psycopg

        sql = FLOOR_SQL.replace("stddev_samp_placeholder", "stddev_samp(m)").format(solution=solution_id)
        connection = psycopg.connect(database.url.replace("+psycopg", ""))
        run = lambda: connection.execute(sql).fetchall()  # noqa: E731
    timing = Timing()
    for index in range(requests + 1):
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
        if index == 0:
            timing.cold = elapsed * 1000
        else:
            timing.values.append(elapsed)
    connection.close()
    return timing


def time_pdf_generation(database: Database, slug: str, runs: int = 5) -> Timing:
    out = in_app(database, f"""
import time
import sqlalchemy as sa
from app.models import Guide
from app.services import guide_pdf
version = db.session.scalar(sa.select(Guide).where(Guide.slug == {slug!r})).versions[-1]
times = []
with app.test_request_context():
    for _ in range({runs}):
        started = time.perf_counter()
        guide_pdf.render_pdf(version)
        times.append(time.perf_counter() - started)
out['times'] = times
""")
    return Timing(values=out["times"][1:], cold=out["times"][0] * 1000)


def wrk(port: int, path: str, seconds: int, headers: dict[str, str] | None = None) -> float:
    """Requests per second, 8 connections over 2 threads."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                            check=True)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        raise RuntimeError(f"wrk {path}: {errors[1]} error responses\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)[1])


def database_dump_seconds(database: Database, scratch: Path) -> tuple[float, int]:
    """The database's own CSV dump of the export's rows (app.services.export_csv.dump_query)."""
    from app.services.export_csv import dump_query

    sql = dump_query(database.kind)
    target = scratch / "dump.csv"
    started = time.perf_counter()
    if database.kind == "sqlite":
        with target.open("wb") as out:
            subprocess.run(["sqlite3", "-csv", "-header", str(database.path), sql], stdout=out, check=True)
    else:
        plain = database.url.replace("+psycopg", "")
        with target.open("wb") as out:
            subprocess.run(["psql", "-X", "-q", plain, "-c",
                            f"\\copy ({' '.join(sql.split())}) TO STDOUT WITH (FORMAT csv, HEADER)"],
                           stdout=out, check=True)
    seconds = time.perf_counter() - started
    lines = sum(1 for _ in target.open("rb")) - 1
    target.unlink()
    return seconds, lines
