"""Analysts' downloads: published reports and solutions' scorecards, as CSV or JSON, streamed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, make_response, render_template, request, stream_with_context
from flask_babel import get_locale
from flask_babel import gettext as _

from app import permissions
from app.exports.blueprint import bp
from app.extensions import db, use_replica
from app.main.errors import render_error
from app.models import Solution
from app.services import codebook, export_csv, export_writers, exports, scorecard_export, stats
from app.views_common import id_arg

MIMETYPES = {"csv": "text/csv", "json": "application/json"}
# How coded columns are written: codes (stable, for R or pandas), codes a spreadsheet keeps as text ("01"), or
# labels in the interface's language.
VALUES = ("codes", "spreadsheet", "labels")


@bp.before_request
@permissions.require(permissions.can_export)
def only_analysts():
    """Every export: analysts and administrators only."""


@bp.before_request
def read_from_replica() -> None:
    """The analyst is known (from the primary): the exports' reads may come from the read replica."""
    use_replica()


def _values_arg() -> str:
    """The `values` choice, checked before the download starts (a wrong one: a page saying what is allowed)."""
    values = (request.args.get("values") or "codes").strip()
    if values not in VALUES:
        abort(make_response(render_error(400, _("Présentation des valeurs inconnue : choisissez codes, "
                                                "spreadsheet (codes pour tableur) ou labels (libellés)."))))
    return values


@bp.route("/")
def index():
    solutions = db.session.execute(sa.select(Solution.id, Solution.name, Solution.vendor, Solution.archived)
                                   .order_by(Solution.name, Solution.vendor)).all()
    values = request.args.get("values") if request.args.get("values") in VALUES else "codes"
    return render_template("exports/index.html", solutions=solutions, min_establishments=stats.minimum(),
                           values=values, solution_id=id_arg("solution"))


def _presented(rows: Iterable[dict[str, Any]], export: str, fmt: str, values: str) -> Iterator[dict[str, Any]]:
    """Rows with their coded columns as asked: labels, or (CSV only) codes kept as text by spreadsheets."""
    if values == "labels":
        present = codebook.labeller(codebook.entries(export), str(get_locale() or "fr"))
    elif values == "spreadsheet" and fmt == "csv":
        present = codebook.spreadsheet_texter(codebook.entries(export))
    else:
        yield from rows
        return
    for row in rows:
        yield present(row)


def _file_name(name: str, values: str) -> str:
    if values == "labels":
        return f"{name}-labels-{get_locale() or 'fr'}"
    return f"{name}-spreadsheet" if values == "spreadsheet" else name


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
    values = _values_arg()
    name = _file_name("reports" if solution_id is None else f"reports-solution-{solution_id}", values)
    if fmt == "csv" and values == "codes":  # from the cells stored with each published revision: streamed fast
        return _stream(name, fmt, export_csv.published_reports_csv(solution_id))
    if fmt == "csv" and values == "spreadsheet":
        text_codes = codebook.text_code_columns(codebook.report_entries())
        if text_codes <= {*export_csv.SOLUTION_CELLS, *export_csv.PLACE_CELLS}:  # today: the region, read live
            return _stream(name, fmt, export_csv.published_reports_csv(solution_id, text_codes))
    rows = _presented(exports.published_report_rows(solution_id), "reports", fmt, values)
    return _download(name, fmt, exports.report_columns(), rows)


def _aggregate_rows_cached() -> Iterator[dict[str, Any]]:
    for row in scorecard_export.aggregate_rows():
        # Keep the scorecard just computed for the next readers, and hold no write lock while the client reads.
        db.session.commit()
        yield row


@bp.route("/aggregates.<any(csv, json):fmt>")
def aggregates(fmt: str):
    values = _values_arg()
    rows = _presented(_aggregate_rows_cached(), "aggregates", fmt, values)
    return _download(_file_name("aggregates", values), fmt, scorecard_export.aggregate_columns(), rows)


@bp.route("/codebook-<any(reports, aggregates):export>.<any(csv, html):fmt>")
def codebook_file(export: str, fmt: str):
    """The codebook of one export: labels, meanings and types, never a figure."""
    entries = codebook.entries(export)
    if fmt == "html":
        return render_template("exports/codebook.html", export=export, entries=entries, types=codebook.TYPES,
                               text_in=codebook.text_in)
    return _stream(f"{export}-codebook", "csv", export_writers.csv_text(codebook.ROW_COLUMNS, codebook.rows(entries)))
