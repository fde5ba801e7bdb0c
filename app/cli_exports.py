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
