"""What a report submission costs: each questionnaire step and the final submission (with its scan).

    .venv/bin/python bench/report_submission.py [--reports N] [--database-url URL] [--output FILE]

Runs the application in-process (Flask test client, no network) on a fresh database: SQLite in a
temporary folder by default, or the PostgreSQL URL given (its tables must be empty). Each report is
written through the same HTTP requests a browser sends: six step saves, the summary page (which scans
every free text) and the submission (validation, scores, patient-data scan, flags, audit, e-mail).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADVICE = [
    "Prévoir un référent médical et du temps de formation pour les manipulateurs.",
    "Le Dr Lemoine a porté le projet ; joindre le service au 04 72 11 22 33 pour échanger.",
    "Bien vérifier la qualité des données du PACS avant de lancer le pilote.",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--output", default=str(ROOT / "bench" / "report_submission.md"))
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.demo.loader import DEMO_PASSWORD, load_demo
    from app.extensions import db
    from app.services import privacy
    from tests.factories import COMPLETE_STEPS

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='retex-bench-')}/bench.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                 "LOGIN_RATE_LIMIT": "100000 per minute", "PASSWORD_HASH_FAST": False})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        started = time.perf_counter()
        privacy.warm_up()
        load_seconds = time.perf_counter() - started
        solution_ids = [row[0] for row in db.session.execute(db.text("SELECT id FROM solution ORDER BY id"))]

    client = app.test_client()
    client.post("/login", data={"email": "contributor@demo.retex-ia.test", "password": DEMO_PASSWORD})
    steps, summaries, submissions, totals = [], [], [], []
    for index in range(args.reports):
        begin = time.perf_counter()
        response = client.post("/reports/new", data={"solution_id": solution_ids[index % len(solution_ids)],
                                                     "creation_key": uuid.uuid4().hex})
        report_url = response.headers["Location"].rsplit("/step/", 1)[0]
        for step, data in COMPLETE_STEPS.items():
            if step == 6:
                data = {**data, "advice": ADVICE[index % len(ADVICE)]}
            t0 = time.perf_counter()
            response = client.post(f"{report_url}/step/{step}", data={**data, "nav": "next"})
            steps.append(time.perf_counter() - t0)
            assert response.status_code == 302, (step, response.status_code)
        t0 = time.perf_counter()
        client.get(f"{report_url}/summary")
        summaries.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        response = client.post(f"{report_url}/summary", data={"submission_key": uuid.uuid4().hex})
        submissions.append(time.perf_counter() - t0)
        assert response.status_code == 302 and "/step/" not in response.headers["Location"]
        totals.append(time.perf_counter() - begin)

    def row(name: str, values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return (f"| {name} | {len(ms)} | {statistics.mean(ms):.1f} | {percentile(ms, .5):.1f} | "
                f"{percentile(ms, .95):.1f} |")

    backend = url.split(":", 1)[0]
    lines = [
        "# Report submission cost",
        "",
        f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"database: {backend}; in-process test client (no network); {args.reports} complete reports, "
        "one in three with personal data in its advice.",
        "",
        f"Patient-data models loaded in {load_seconds:.1f} s (once per process, before the first request).",
        "",
        "| request | n | mean (ms) | p50 (ms) | p95 (ms) |",
        "|---|---|---|---|---|",
        row("one questionnaire step (save + validate)", steps),
        row("summary page (scans every free text)", summaries),
        row("submission (validate, scores, scan, flags, audit, mail)", submissions),
        row("whole report (create, 6 steps, summary, submit)", totals),
        "",
    ]
    Path(args.output).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
