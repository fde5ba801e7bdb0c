"""`flask exports …`: the analysts' exports from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

exports_cli = AppGroup("exports", help="Analysts' exports (CSV, JSON).")


@exports_cli.command("backfill")
@click.option("--all", "refill", is_flag=True,
              help="Recompute every published revision's cells, not only missing ones (after a questionnaire change).")
@click.option("--batch-size", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Revisions per transaction.")
def backfill_command(refill: bool, batch_size: int) -> None:
    """Store the CSV export cells of published revisions that have none (data older than them), in batches."""
    from app.extensions import db
    from app.services.exports import fill_export_cells

    done = after_id = 0
    while True:
        count, after_id = fill_export_cells(after_id, batch_size, refill=refill)
        db.session.commit()  # one transaction per batch: an interrupted run keeps what it did
        if not count:
            break
        done += count
    click.echo(f"Versions publiées complétées : {done}")


@exports_cli.command("codebook")
@click.argument("export", type=click.Choice(["reports", "aggregates"]), default="reports")
@click.option("--output", "-o", type=click.File("wb", lazy=True), default="-",
              help="File to write (default: standard output).")
def codebook_command(export: str, output) -> None:
    """Write the codebook of an export as CSV (as /exports/codebook-<export>.csv): every column, its meaning,
    type and unit, and every code with its French and English labels."""
    from app.services import codebook, export_writers

    for piece in export_writers.csv_text(codebook.ROW_COLUMNS, codebook.rows(codebook.entries(export))):
        output.write(piece.encode("utf-8"))  # bytes: the CSV's CRLF line ends, whatever the platform
