"""A burst of 1,000 notices (mails) against the web workers' latency, and the queue's drain rate.

The app under gunicorn (production configuration, 2 sync workers, as tests/live_server.py serves it) on a scratch
SQLite database, one job worker (`flask jobs worker`, niced as the README advises when it shares the web
machine) and an SMTP sink on loopback that accepts every message. First the p50/p95 latency of a page with the
queue idle; then 1,000 notices are enqueued as requests enqueue them (`send_after_commit`, one commit each) and
the same page is measured until the sink has received all 1,000, or for DRAIN_LIMIT seconds at most (the run
stays under two minutes on a busy machine): the drain rate is the mails received over that time.

    .venv/bin/python bench/notices.py --output bench/notices.md
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import signal
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import BIN, ROOT, Client, Server, prepare_database  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
PAGE = "/catalogue"
DRAIN_LIMIT = 60  # seconds of measuring while the queue drains: the rate is what drained by then


class SmtpSink(socketserver.ThreadingTCPServer):
    """Says yes to every command and counts the messages received."""

    daemon_threads = allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.received, self.lock = 0, threading.Lock()


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 sink\r\n")
        in_data = False
        for line in self.rfile:
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    with self.server.lock:
                        self.server.received += 1
                    self.wfile.write(b"250 OK\r\n")
                continue
            verb = line[:4].upper()
            if verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            in_data = verb == b"DATA"
            self.wfile.write(b"354 go on\r\n" if in_data else b"250 OK\r\n")


class JobServer(Server):
    def __init__(self, *args, queue: str, smtp_port: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jobs_env = {"JOBS_MODE": "queue", "JOBS_REDIS_URL": REDIS_URL, "JOBS_QUEUE": queue,
                         "MAIL_SUPPRESS_SEND": "0", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
                         "FLASK_APP": "app:create_app"}

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, **self.jobs_env}


def latencies(client: Client, until, at_least: int) -> list[float]:
    """Milliseconds of GET PAGE, one after the other, until `until()` is true and at least `at_least` were made."""
    found: list[float] = []
    while len(found) < at_least or not until():
        started = time.perf_counter()
        status, _, _ = client.get(PAGE, sink=True)
        found.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    return found


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def enqueue_burst(app, count: int, took) -> None:
    """The notices, each sent after a commit of its own as a request sends it (in a process of its own: the
    measuring client does not share its interpreter); `took` receives the seconds taken."""
    from app.extensions import db
    from app.services.mail import send_after_commit

    started = time.perf_counter()
    with app.test_request_context():
        for n in range(count):
            send_after_commit(f"lecteur{n}@hopital.test", "Nouvelle version du guide",
                              "Une nouvelle version du guide que vous suivez est publiée. (Message fictif.)")
            db.session.commit()
        db.session.remove()
    took.value = time.perf_counter() - started


def wait_for_worker(queue: str) -> None:
    from rq import Queue, Worker

    from app.services.jobs import connection

    deadline = time.monotonic() + 120
    while not Worker.all(queue=Queue(queue, connection=connection(REDIS_URL))):
        if time.monotonic() > deadline:
            raise RuntimeError("the job worker did not start")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--fork", action=argparse.BooleanOptionalAction, default=False,
                        help="a forked child per job (flask jobs worker's default) rather than --no-fork")
    options = parser.parse_args()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        prepare_database(url, contributors=3, solutions=20)
        server = JobServer(url, Path(folder) / "gunicorn.log", queue=queue, smtp_port=sink.server_address[1]).start()
        worker_log = (Path(folder) / "worker.log").open("w")
        command = [str(BIN / "flask"), "jobs", "worker", "--queue", queue, "--fork" if options.fork else "--no-fork"]
        worker = subprocess.Popen(["nice", "-n", "10", *command],
                                  cwd=ROOT, env=server.env, stdout=worker_log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            from app import create_app

            app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "JOBS_MODE": "queue",
                                         "JOBS_REDIS_URL": REDIS_URL, "JOBS_QUEUE": queue})
            wait_for_worker(queue)
            client = Client(server.port)
            latencies(client, lambda: True, 30)  # warm-up: the page kept, connections open
            before = latencies(client, lambda: True, 200)
            context = multiprocessing.get_context("fork")
            took = context.Value("d", 0.0)
            burst = context.Process(target=enqueue_burst, args=(app, options.notices, took))
            started = time.perf_counter()
            burst.start()
            deadline = started + DRAIN_LIMIT
            during = latencies(client, lambda: sink.received >= options.notices or time.perf_counter() > deadline, 50)
            drained = time.perf_counter() - started
            burst.join()
            times = [took.value]
            received = sink.received
            if received == 0:
                worker_log.flush()
                print("No mail received; the worker's log ends with:\n" + (Path(folder) / "worker.log").read_text()[-3000:],
                      file=sys.stderr)
        finally:
            os.killpg(worker.pid, signal.SIGKILL)  # the notices left are not to be sent
            worker.wait(30)
            from rq import Queue

            from app.services.jobs import connection

            Queue(queue, connection=connection(REDIS_URL)).delete(delete_jobs=True)
            server.stop()
            worker_log.close()
    drained_all = received >= options.notices
    rows = [("queue idle", before), (f"while {options.notices:,} notices are enqueued and drained", during)]
    lines = [
        "# A burst of notices against the web latency", "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}. The machine was shared with "
        "other work during the run (other people's test suites): read the figures as an order of magnitude.", "",
        f"`python bench/notices.py` — gunicorn (2 sync workers, production configuration) on a scratch SQLite "
        f"database, one job worker (`nice -n 10 flask jobs worker {'--fork' if options.fork else '--no-fork'}`), "
        f"an SMTP sink on loopback; `GET {PAGE}` measured one request after the other by one client.", "",
        "| | requests | p50 (ms) | p95 (ms) |", "|---|---|---|---|",
        *(f"| {label} | {len(values)} | {p(values, 50):.1f} | {p(values, 95):.1f} |" for label, values in rows), "",
        f"- Enqueueing: {options.notices:,} notices, one commit each, in {times[0]:.2f} s "
        f"({options.notices / times[0]:,.0f} per second).",
        (f"- Drain: all {received:,} mails received by the SMTP server {drained:.1f} s after the first was enqueued: "
         if drained_all else f"- Drain: {received:,} of the {options.notices:,} mails received by the SMTP server in "
         f"the {drained:.0f} s measured (the rest deleted, to keep the run short): ") +
        f"**{received / drained:,.1f} notices per second** with one worker "
        f"({'a forked child per job' if options.fork else 'jobs run in the worker process'}, one SMTP connection "
        "each).",
        f"- Web latency during the burst against before: p50 x{p(during, 50) / p(before, 50):.2f}, "
        f"p95 x{p(during, 95) / p(before, 95):.2f}.", "",
    ]
    report = "\n".join(lines)
    print(report)
    if options.output:
        options.output.write_text(report)
    return 0 if received else 1


if __name__ == "__main__":
    sys.exit(main())
