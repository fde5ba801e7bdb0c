"""Does every read stay as fast at one million reports as at ten thousand? Loads, serves and measures.

    .venv/bin/python bench/scale.py [--database sqlite|postgresql|URL ...] [--sizes 10000 100000 1000000]
                                    [--requests 200] [--wrk-seconds 10] [--output bench/RESULTS.md]

For each database (a scratch SQLite file, a scratch PostgreSQL database on 127.0.0.1:5432 created and
dropped here, or the empty database of the URL given), in one run:

1. migrates it and loads the fictional demonstration (catalogue, accounts, guides, DEMO_REPORTS reports),
   then, for each size in turn, tops the published reports up to that size with
   `flask demo bench-data` (bulk fictional reports, revisions and follow-ups, facts rebuilt);
2. serves the app with gunicorn (production configuration, two workers, Redis for the rate limits) and
   measures, with one sequential keep-alive client: p50/p95 of `/healthz` (the floor), the catalogue, a
   scorecard without and with a segment, the comparison, the observatory, the API scorecard, a guide
   page, a guide PDF (stored once per version), and a report submission (with the patient-data scan); the
   first request of each page after the load (cold caches) is reported apart; then, with the server still
   running, publishes a few hundred more reports, makes the releases they make due (`flask stats release`
   with the server's settings, which also computes the analysts' figures again and renders again the
   visitors' pages the workers share in Redis) and times the first request of each page after it;
3. times the hand-written SQL of one scorecard aggregate through the database driver (the statistics'
   floor), and a guide PDF generation in-process (WeasyPrint);
4. runs wrk against `/healthz`, the catalogue and a scorecard (throughput);
5. at the largest size, downloads the full CSV export as an analyst and times it against the database's
   own CSV dump of the same rows (`sqlite3 -csv`, `psql \\copy`), with the app worker's peak memory.

It writes a Markdown table per database (sizes as columns), the ratios against their targets, and exits 1
when a target is missed. Needs wrk (Debian package `wrk`), sqlite3 and psql, and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scale_measures import (  # noqa: E402  # the databases and the measures
    ROOT,
    Database,
    Timing,
    busiest_solutions,
    database_dump_seconds,
    drop_database,
    flask,
    make_database,
    prepare,
    published_reports,
    settle,
    time_pages,
    time_pdf_generation,
    time_sql_floor,
    time_submissions,
    timed_get,
    wrk,
)
from tests.live_server import WORKERS, Client, Server  # noqa: E402  # the suite's gunicorn server and HTTP client

LOG = Path(tempfile.gettempdir()) / f"retex-scale-{os.getpid()}.log"  # gunicorn's errors, kept
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

# Targets of the scale issue.
FLAT_RATIO = 1.3  # a read page's p50 at the largest size against the smallest
FLOOR_RATIO = 4.0  # a read page's p50 against /healthz's, at every size
THROUGHPUT_SHARE = 0.35  # catalogue and scorecard requests/s against /healthz's
EXPORT_RATIO = 3.0  # the CSV export against the database's own dump
EXPORT_MEMORY_MB = 250
RELEASE_REPORTS = 300  # reports published while the server runs, to measure the first requests after a release
ANALYST_FIRST_MS = 1000  # an analyst's first request after a publication (their figures are computed then)


# ---------------------------------------------------------------------------------------------- one run

PAGES = [  # (label, path template, read page under the targets)
    ("catalogue", "/catalogue", True),
    ("scorecard", "/statistics/solutions/{s0}", True),
    ("scorecard, segment", "/statistics/solutions/{s0}?segment=type:{segment}", True),
    ("comparison", "/statistics/compare?solutions={s0}&solutions={s1}&solutions={s2}", True),
    ("observatory", "/observatory", True),
    ("API scorecard", "/api/v1/solutions/{s0}/scorecard", True),
    ("guide page", "/guides/{guide}", True),
    ("guide PDF (stored)", "/guides/{guide}/versions/{version}.pdf", True),
]


def measure_size(database: Database, setup: dict, args, scratch: Path, export: bool) -> dict:
    busiest = busiest_solutions(database)
    ids = busiest["ids"] + setup["solutions"][:3]
    values = {"s0": ids[0], "s1": ids[1], "s2": ids[2], "segment": busiest["segment"], "guide": setup["guide"],
              "version": setup["version"]}
    result: dict = {"pages": {}, "cold": {}, "load_before": os.getloadavg()[0]}
    server = Server(database.url, LOG, redis_url=REDIS_URL).start()
    try:
        reader = Client(server.port)
        api = Client(server.port)
        api.headers["Authorization"] = f"Bearer {setup['token']}"
        targets = {"/healthz": (reader, "/healthz")}
        targets |= {label: (api if label.startswith("API") else reader, template.format(**values))
                    for label, template, _ in PAGES}
        timings = time_pages(targets, args.requests)
        result["healthz"] = timings.pop("/healthz")
        result["pages"] = timings
        # A publication while the server runs (every worker warm): the releases it makes due, then the first
        # request of each page, which the release made stale in every worker.
        print(f"  {RELEASE_REPORTS} reports published while the server runs, then the releases", flush=True)
        flask(database, "demo", "bench-data", "--reports", str(RELEASE_REPORTS))
        started = time.perf_counter()
        # As production runs it: the server's settings, so that the visitors' pages it renders again after the
        # releases (app.shared_pages) are the server's.
        settings = {name: server.env[name] for name in ("RETEX_ENV", "SECRET_KEY", "PUBLIC_URL", "REDIS_URL")}
        result["new_release_output"] = flask(database, "stats", "release", **settings).strip()
        result["new_release_seconds"] = time.perf_counter() - started
        # The worker's own first request after the release comes first, on a page that reads nothing but
        # `SELECT 1`: what it costs is the process's return from the long release (its database connection,
        # whose cache the release's writes emptied), which no page's figures cause; the pages follow.
        # Sync workers take the connections in turn: one request per worker.
        result["after_release_control"] = max(timed_get(reader, "/healthz") * 1000 for _ in range(WORKERS))
        result["after_release"] = {label: timed_get(*targets[label]) * 1000 for label, _, _ in PAGES}
        contributor = Client(server.port)
        contributor.login("contributor@demo.retex-ia.test", "demo-retex-ia")
        result["submission"] = time_submissions(contributor, ids, args.submissions)
        print(f"  latencies done; wrk ({args.wrk_seconds} s each)", flush=True)
        result["throughput"] = {
            "/healthz": wrk(server.port, "/healthz", args.wrk_seconds),
            "catalogue": wrk(server.port, "/catalogue", args.wrk_seconds),
            "scorecard": wrk(server.port, f"/statistics/solutions/{ids[0]}", args.wrk_seconds),
        }
    finally:
        server.stop()
    result["sql_floor"] = time_sql_floor(database, ids[0], args.requests)
    result["pdf_generation"] = time_pdf_generation(database, setup["guide"])
    if export:
        print("  export", flush=True)
        server = Server(database.url, LOG, redis_url=REDIS_URL).start()  # fresh workers: peak memory is the export's
        try:
            analyst = Client(server.port)
            analyst.login("analyst@demo.retex-ia.test", "demo-retex-ia")
            result["export_private_before_mb"] = server.private_memory_mb()
            sampling, private_peaks = threading.Event(), [0.0]

            def sample() -> None:  # the workers' private memory during the export, every 20 ms
                while not sampling.wait(0.02):
                    private_peaks.append(server.private_memory_mb())

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.perf_counter()
            try:
                status, size, _ = analyst.get("/exports/reports.csv", sink=True)
            finally:
                sampling.set()
                sampler.join()
            result["export_seconds"] = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"export: {status}")
            result["export_mb"] = size / 1e6
            result["export_peak_mb"] = max(private_peaks)
            result["export_resident_peak_mb"] = server.peak_memory_mb()
        finally:
            server.stop()
        result["dump_seconds"], result["dump_rows"] = database_dump_seconds(database, scratch)
    result["load_after"] = os.getloadavg()[0]
    return result


def run_database(spec: str, args) -> tuple[Database, dict[int, dict], dict]:
    scratch = Path(tempfile.mkdtemp(prefix="retex-scale-"))
    database = make_database(spec, scratch)
    results: dict[int, dict] = {}
    loads: dict = {}
    releases: dict = {}
    try:
        print(f"{database.label}: preparing", flush=True)
        setup = prepare(database)
        for size in args.sizes:
            missing = size - published_reports(database)
            started = time.perf_counter()
            if missing > 0:
                print(f"{database.label}: loading {missing} reports to reach {size}", flush=True)
                flask(database, "demo", "bench-data", "--reports", str(missing))
            loads[size] = time.perf_counter() - started
            started = time.perf_counter()
            flask(database, "stats", "release")  # what visitors read: made once the load is in
            releases[size] = time.perf_counter() - started
            print(f"{database.label}: statistics releases made in {releases[size]:.1f} s", flush=True)
            waited = settle(database)
            print(f"{database.label}: measuring at {size} reports (after {waited:.0f} s to settle)", flush=True)
            results[size] = measure_size(database, setup, args, scratch, export=size == max(args.sizes))
            results[size]["release_seconds"] = releases[size]
            results[size]["settle_seconds"] = waited
            results[size]["reports"] = published_reports(database)
    finally:
        drop_database(database)
        shutil.rmtree(scratch, ignore_errors=True)
    return database, results, loads


# ----------------------------------------------------------------------------------------------- report

@dataclass
class Check:
    name: str
    measured: str
    target: str
    met: bool


def checks_for(results: dict[int, dict]) -> list[Check]:
    sizes = sorted(results)
    small, large = results[sizes[0]], results[sizes[-1]]
    checks: list[Check] = []
    for label, _, read in PAGES:
        if not read:
            continue
        ratio = large["pages"][label].p50 / small["pages"][label].p50
        checks.append(Check(f"{label}: p50 at {sizes[-1]:,} / at {sizes[0]:,}", f"{ratio:.2f}",
                            f"≤ {FLAT_RATIO}", ratio <= FLAT_RATIO))
    for label, _, _ in PAGES:
        worst = max(results[size]["pages"][label].p50 / results[size]["healthz"].p50 for size in sizes)
        checks.append(Check(f"{label}: p50 / `/healthz` p50 (worst size)", f"{worst:.2f}",
                            f"≤ {FLOOR_RATIO}", worst <= FLOOR_RATIO))
    for label, _, _ in PAGES:
        if label.startswith("API"):  # with an analyst's token: the analysts' figures, computed after the release
            worst = max(results[size]["after_release"][label] for size in sizes)
            checks.append(Check(f"{label} (analyst): first request after a release (worst size)", f"{worst:.0f} ms",
                                f"< {ANALYST_FIRST_MS} ms", worst < ANALYST_FIRST_MS))
            continue
        worst = max(results[size]["after_release"][label] / results[size]["healthz"].p50 for size in sizes)
        checks.append(Check(f"{label}: first request after a release / `/healthz` p50 (worst size)", f"{worst:.2f}",
                            f"≤ {FLOOR_RATIO}", worst <= FLOOR_RATIO))
    for label in ("catalogue", "scorecard"):
        worst = min(results[size]["throughput"][label] / results[size]["throughput"]["/healthz"] for size in sizes)
        checks.append(Check(f"{label}: requests/s / `/healthz` requests/s (worst size)", f"{worst:.0%}",
                            f"≥ {THROUGHPUT_SHARE:.0%}", worst >= THROUGHPUT_SHARE))
    if "export_seconds" in large:
        ratio = large["export_seconds"] / large["dump_seconds"]
        checks.append(Check(f"CSV export of {large['reports']:,} reports / database dump", f"{ratio:.2f}",
                            f"≤ {EXPORT_RATIO}", ratio <= EXPORT_RATIO))
        checks.append(Check("CSV export: peak private memory of the app worker", f"{large['export_peak_mb']:.0f} MB",
                            f"< {EXPORT_MEMORY_MB} MB", large["export_peak_mb"] < EXPORT_MEMORY_MB))
    return checks


def table(database: Database, results: dict[int, dict], loads: dict) -> tuple[list[str], list[Check]]:
    sizes = sorted(results)
    head = "| measure | " + " | ".join(f"{results[s]['reports']:,} reports" for s in sizes) + " |"
    lines = [f"### {database.label}", "", head, "|---|" + "---:|" * len(sizes)]

    def row(name: str, cell) -> None:
        lines.append(f"| {name} | " + " | ".join(cell(results[s]) for s in sizes) + " |")

    def latency(timing: Timing) -> str:
        return f"{timing.p50:.1f} / {timing.p95:.1f}"

    lines.append("| load time of the added reports (s) | " + " | ".join(f"{loads[s]:.0f}" for s in sizes) + " |")
    lines.append("| statistics releases after the load (s) | "
                 + " | ".join(f"{results[s].get('release_seconds', 0):.0f}" for s in sizes) + " |")
    row("settling after the load: vacuum, checkpoint, quiet machine (s)", lambda r: f"{r.get('settle_seconds', 0):.0f}")
    row("machine load average (1 min) before / after the measures",
        lambda r: f"{r['load_before']:.1f} / {r['load_after']:.1f}")
    row("`/healthz` p50 / p95 (ms)", lambda r: latency(r["healthz"]))
    for label, _, _ in PAGES:
        row(f"{label} p50 / p95 (ms)", lambda r, label=label: latency(r["pages"][label]))
    row("report submission with scan p50 / p95 (ms)", lambda r: latency(r["submission"]))
    row("guide PDF generation p50 / p95 (ms)", lambda r: latency(r["pdf_generation"]))
    row("hand-written SQL of the scorecard aggregate p50 / p95 (ms)", lambda r: latency(r["sql_floor"]))
    for label, _, _ in PAGES:
        row(f"{label}: first request after the load (ms)", lambda r, label=label: f"{r['pages'][label].cold:.0f}")
    row(f"statistics releases after {RELEASE_REPORTS} more reports, server running (s)",
        lambda r: f"{r['new_release_seconds']:.0f}")
    row("`/healthz`: first request of each worker after that release, before the pages, slowest (ms)",
        lambda r: f"{r.get('after_release_control', float('nan')):.1f}")
    for label, _, _ in PAGES:
        row(f"{label}: first request after that release (ms)", lambda r, label=label: f"{r['after_release'][label]:.1f}")
    for label in ("/healthz", "catalogue", "scorecard"):
        row(f"{label} throughput (requests/s)", lambda r, label=label: f"{r['throughput'][label]:.0f}")
    large = results[sizes[-1]]
    if "export_seconds" in large:
        lines += ["", f"Full CSV export at {large['reports']:,} reports: {large['export_seconds']:.1f} s "
                  f"({large['export_mb']:.0f} MB) through gunicorn, against {large['dump_seconds']:.1f} s for the "
                  f"database's own CSV dump of the same {large['dump_rows']:,} rows. The worker's private memory "
                  f"(USS, sampled every 20 ms) went from {large['export_private_before_mb']:.0f} MB to a peak of "
                  f"{large['export_peak_mb']:.0f} MB; its peak resident memory, which also counts the "
                  f"patient-data model it shares with gunicorn's master, was {large['export_resident_peak_mb']:.0f} MB."]
    checks = checks_for(results)
    lines += ["", "| target | measured | required | met |", "|---|---:|---:|---|"]
    lines += [f"| {c.name} | {c.measured} | {c.target} | {'yes' if c.met else '**no**'} |" for c in checks]
    return lines, checks


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1]) / 1024 / 1024
    sqlite = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
    postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB of memory, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; SQLite {sqlite}; {postgres} (server on the same machine); "
            f"gunicorn with {WORKERS} sync workers, client and load generator on the same machine.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append",
                        help="sqlite, postgresql or a database URL (repeatable; default: both)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--requests", type=int, default=200, help="rounds of requests (one per page) for the latencies")
    parser.add_argument("--submissions", type=int, default=10)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    args.sizes = sorted(args.sizes)
    for tool in ("wrk", "sqlite3", "psql"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: apt-get install wrk sqlite3 postgresql-client", file=sys.stderr)
            return 2

    started = time.perf_counter()
    lines = ["# Scale benchmark", "", f"Machine: {machine()}", "",
             f"Command: `{' '.join(['python bench/scale.py', *sys.argv[1:]])}`. Latencies (p50 / p95): a first "
             f"(cold) request and two warm-ups per URL, then {args.requests} rounds of one request to every URL "
             f"in turn; {args.submissions} submissions; wrk "
             f"-t2 -c8 for {args.wrk_seconds} s per URL. Reports are fictional (`flask demo bench-data`).", "",
             "A burst of 1,000 notices against the web latency, and the job queue's drain rate: "
             "[notices.md](notices.md) (`bench/notices.py`, run first by `make bench`).", ""]
    failed = False
    for spec in args.database or ["sqlite", "postgresql"]:
        database, results, loads = run_database(spec, args)
        part, checks = table(database, results, loads)
        lines += [*part, ""]
        failed |= not all(check.met for check in checks)
        print("\n".join(part), flush=True)
    lines.append(f"Whole run: {(time.perf_counter() - started) / 60:.0f} min.")
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"Written to {args.output}" + ("; some targets are missed." if failed else "; every target is met."))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
