"""Analysts' downloads: published reports and solutions' scorecards, as CSV or JSON, streamed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, render_template, stream_with_context

from app import permissions
from app.exports.blueprint import bp
from app.extensions import db, use_replica
from app.models import Solution
from app.services import export_csv, export_writers, exports, scorecard_export, stats
from app.views_common import id_arg

MIMETYPES = {"csv": "text/csv", "json": "application/json"}


@bp.before_request
@permissions.require(permissions.can_export)
def only_analysts():
    """Every export: analysts and administrators only."""


@bp.before_request
def read_from_replica() -> None:
    """The analyst is known (from the primary): the exports' reads may come from the read replica."""
    use_replica()


@bp.route("/")
def index():
    solutions = db.session.execute(sa.select(Solution.id, Solution.name, Solution.vendor, Solution.archived)
                                   .order_by(Solution.name, Solution.vendor)).all()
    return render_template("exports/index.html", solutions=solutions, min_establishments=stats.minimum())


def _solution_arg() -> int | None:
    """The solution filter, checked before the download starts: once the first bytes are sent, an error can only
    cut the file short."""
    solution_id = id_arg("solution")
    if solution_id is not None and db.session.get(Solution, solution_id) is None:
        abort(404)
    return solution_id


def _download(name: str, fmt: str, columns: list[str], rows: Iterable[dict[str, Any]]) -> Response:
    return _stream(name, fmt, export_writers.csv_text(columns, rows) if fmt == "csv" else export_writers.json_text(rows))


def _stream(name: str, fmt: str, body: Iterator[str]) -> Response:
    filename = f"retex-ia-{name}-{exports.local_today().isoformat()}.{fmt}"
    return Response(stream_with_context(body), mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename={filename}",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })


@bp.route("/reports.<any(csv, json):fmt>")
def reports(fmt: str):
    solution_id = _solution_arg()
    name = "reports" if solution_id is None else f"reports-solution-{solution_id}"
    if fmt == "csv":  # from the cells stored with each published revision: the big download, streamed fast
        return _stream(name, fmt, export_csv.published_reports_csv(solution_id))
    return _stream(name, fmt, export_writers.json_text(exports.published_report_rows(solution_id)))


def _aggregate_rows_cached() -> Iterator[dict[str, Any]]:
    for row in scorecard_export.aggregate_rows():
        # Keep the scorecard just computed for the next readers, and hold no write lock while the client reads.
        db.session.commit()
        yield row


@bp.route("/aggregates.<any(csv, json):fmt>")
def aggregates(fmt: str):
    return _download("aggregates", fmt, scorecard_export.aggregate_columns(), _aggregate_rows_cached())
