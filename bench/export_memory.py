"""Does the reports export stream in constant memory? Rows per second and peak RSS for several sizes.

    .venv/bin/python bench/export_memory.py [--sizes 2000 20000] [--output FILE]

For each size N, in a scratch SQLite database: one process loads the demonstration catalogue and N
published reports (app.demo.reports.load_demo_reports, topped up by a bulk copy of its reports
when the demo cannot reach N; one report in twenty gets an open privacy flag, so that placeholders are
exercised), then a fresh process logs in as the demo analyst and reads /exports/reports.csv through the
Flask test client, chunk by chunk, without keeping it. That process reports its resident memory before
the download and its peak (resource.getrusage) after: if memory does not grow with the rows, the peak is
the same for every N. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLAG_EVERY = 20


def make_app(url: str):
    from app import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                  "LOGIN_RATE_LIMIT": "100000 per minute"})


def published_count() -> int:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Report

    return db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.status == "published"))


def copy_published_reports(missing: int) -> None:
    """Bulk copies of existing published reports (same establishment, solution and answers)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Report, ReportRevision

    sources = db.session.execute(
        sa.select(Report.establishment_id, Report.solution_id, Report.author_id, Report.first_published_at,
                  ReportRevision.answers, ReportRevision.sus_score, ReportRevision.nps_rating,
                  ReportRevision.decided_at)
        .join(ReportRevision, ReportRevision.id == Report.published_revision_id)
        .where(Report.status == "published").order_by(Report.id)).all()
    report_id = (db.session.scalar(sa.select(sa.func.max(Report.id))) or 0) + 1
    revision_id = (db.session.scalar(sa.select(sa.func.max(ReportRevision.id))) or 0) + 1
    while missing > 0:
        count = min(missing, 2000)
        picked = [sources[i % len(sources)] for i in range(count)]
        reports = [{"id": report_id + i, "establishment_id": s.establishment_id, "solution_id": s.solution_id,
                    "author_id": s.author_id, "status": "published", "first_published_at": s.first_published_at,
                    "created_at": s.first_published_at, "updated_at": s.first_published_at}
                   for i, s in enumerate(picked)]
        revisions = [{"id": revision_id + i, "report_id": report_id + i, "number": 1, "state": "published",
                      "answers": s.answers, "sus_score": s.sus_score, "nps_rating": s.nps_rating,
                      "created_at": s.decided_at, "updated_at": s.decided_at, "submitted_at": s.decided_at,
                      "decided_at": s.decided_at}
                     for i, s in enumerate(picked)]
        db.session.execute(sa.insert(Report), reports)
        db.session.execute(sa.insert(ReportRevision), revisions)
        db.session.execute(sa.update(Report).where(Report.id >= report_id, Report.published_revision_id.is_(None))
                           .values(published_revision_id=sa.select(ReportRevision.id)
                                   .where(ReportRevision.report_id == Report.id).scalar_subquery()))
        report_id += count
        revision_id += count
        missing -= count


def flag_some_revisions() -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import PrivacyFlag, Report

    revision_ids = db.session.scalars(sa.select(Report.published_revision_id).where(Report.status == "published")
                                      .order_by(Report.id)).all()[::FLAG_EVERY]
    db.session.execute(sa.insert(PrivacyFlag), [{"revision_id": rid, "field": "advice", "type": "phone", "start": 0,
                                                  "end": 8, "status": "open"} for rid in revision_ids])


def refill_export_cells() -> None:
    from app.extensions import db
    from app.services.exports import fill_export_cells

    after_id = 0
    while True:
        count, after_id = fill_export_cells(after_id, 2000, refill=True)
        db.session.flush()
        if not count:
            break


def generate(url: str, size: int) -> dict:
    from flask_migrate import upgrade

    from app.demo.loader import load_demo
    from app.extensions import db

    started = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        source = "copies"
        try:
            from app.demo.reports import load_demo_reports
        except ImportError:
            load_demo_reports = None
        if load_demo_reports is not None:
            load_demo_reports(size)
            db.session.commit()
            source = "load_demo_reports"
        if published_count() == 0:
            from tests.factories import complete_answers, make_report

            make_report(state="published", answers=complete_answers())
        missing = size - published_count()
        if missing > 0:
            copy_published_reports(missing)
            source += f" + {missing} bulk copies"
        flag_some_revisions()
        refill_export_cells()  # the rows written above by hand: their stored cells as publication would make them
        db.session.commit()
        return {"reports": published_count(), "source": source, "seconds": time.perf_counter() - started}


def current_rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def stream(url: str) -> dict:
    from app.demo.loader import DEMO_PASSWORD

    app = make_app(url)
    client = app.test_client()
    response = client.post("/login", data={"email": "analyst@demo.retex-ia.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.status_code
    # Warm up (imports, templates, forms, first queries) on an empty export, so that the baseline is fair.
    client.get("/exports/reports.csv?solution=999999999").close()
    baseline = current_rss_kib()
    started = time.perf_counter()
    response = client.get("/exports/reports.csv")
    assert response.status_code == 200 and response.is_streamed
    lines = chunks = size = 0
    for chunk in response.response:
        chunks += 1
        size += len(chunk)
        lines += chunk.count(b"\r\n" if isinstance(chunk, bytes) else "\r\n")
    response.close()
    seconds = time.perf_counter() - started
    return {"rows": lines - 1, "chunks": chunks, "megabytes": size / 1e6, "seconds": seconds,
            "rss_before_mib": baseline / 1024,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(*args: str) -> dict:
    # This very script, with arguments it built itself.
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,  # noqa: S603
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--output", default=str(ROOT / "bench" / "export_memory.md"))
    parser.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stream", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        print(json.dumps(generate(args.database_url, args.generate)))
        return 0
    if args.stream:
        print(json.dumps(stream(args.database_url)))
        return 0

    lines = ["# Reports export: throughput and memory", "",
             f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, SQLite, "
             "Flask test client (no network); one fresh process per download.", "",
             "| reports | generated by | rows | chunks | MB | seconds | rows/s | RSS before (MiB) | peak RSS (MiB) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="retex-export-bench-") as folder:
            url = f"sqlite:///{folder}/bench.db"
            made = run_child("--generate", str(size), "--database-url", url)
            result = run_child("--stream", "--database-url", url)
        assert result["rows"] == made["reports"], (result, made)
        lines.append(f"| {made['reports']} | {made['source']} | {result['rows']} | {result['chunks']} | "
                     f"{result['megabytes']:.1f} | {result['seconds']:.1f} | {result['rows'] / result['seconds']:.0f} | "
                     f"{result['rss_before_mib']:.0f} | {result['peak_rss_mib']:.0f} |")
        print(lines[-1], flush=True)
    report = "\n".join(lines) + "\n"
    Path(args.output).write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
