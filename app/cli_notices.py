"""`flask notices …`: the weekly digest of the notices people chose to receive once a week."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

notices_cli = AppGroup("notices", help="Notices to the people who follow solutions, categories and guides.")


@notices_cli.command("digest")
def digest_command() -> None:
    """Send the weekly digests: one mail per person grouping the notices kept for them (run it once a week from
    a scheduler; running it again sends nothing twice)."""
    from app.services.notices import send_weekly_digests

    sent = send_weekly_digests(datetime.now(UTC))
    click.echo(f"Résumés hebdomadaires envoyés : {sent}.")
