"""`flask reports reminders`: the follow-up reminders due (six and twelve months after publication)."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

reports_cli = AppGroup("reports", help="Reports (follow-up reminders).")


@reports_cli.command("reminders")
@click.option("--now", "now_text", default=None, help="Pretend it is this moment (ISO 8601, UTC): for tests and catch-up.")
def reminders_command(now_text: str | None) -> None:
    """Send the follow-up reminders that are due; each is sent once, however often this runs."""
    from datetime import UTC

    from app.services import reminders

    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as error:
            raise click.BadParameter(f"date ISO 8601 attendue, par exemple 2026-12-03T08:00 ({error})") from error
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    sent = reminders.send_due_reminders(now)
    click.echo(f"Rappels de suivi envoyés : {sent}.")
