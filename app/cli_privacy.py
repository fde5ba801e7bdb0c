"""`flask privacy …`: the patient-data guard from the command line, for checks and batch jobs."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Personal data in free text (names, NIR, phone numbers…).")


def _findings_json(text: str) -> str:
    from app.services import privacy

    return json.dumps([finding.to_dict() for finding in privacy.scan(text)], ensure_ascii=False, separators=(",", ":"))


@privacy_cli.command("scan")
@click.option("--jsonl", is_flag=True, help="One JSON string per input line, one JSON array per output line.")
def scan_command(jsonl: bool) -> None:
    """Read a text on standard input and print what it holds as a JSON array of {type, start, end, text}.

    start and end count characters (code points) of the text as read.
    """
    stdin = sys.stdin
    if not jsonl:
        click.echo(_findings_json(stdin.read()))
        return

    from app.services import privacy

    privacy.warm_up()  # once, before the first line, so that a caller's first answer is not slow
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"Ligne {number} : JSON invalide ({error.msg}).") from error
        if not isinstance(text, str):
            raise click.ClickException(f"Ligne {number} : une chaîne JSON est attendue.")
        click.echo(_findings_json(text))
        sys.stdout.flush()  # a caller reading line by line gets each answer at once


@privacy_cli.command("rescan")
@click.option("--dry-run", is_flag=True, help="Report what would be flagged, write nothing.")
def rescan_command(dry_run: bool) -> None:
    """Scan every stored free text again with the current recognizers and report new flags."""
    from app.extensions import db
    from app.services.report_privacy import rescan_all

    results = rescan_all()
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    total = sum(len(found) for _, found in results)
    click.echo(f"Versions relues : {len(results)}  Nouveaux signalements : {total}")
    for revision, found in results:
        if found:
            kinds = ", ".join(sorted({flag.type for flag in found}))
            click.echo(f"  retour {revision.report_id} version {revision.number} ({revision.state}) : "
                       f"{len(found)} ({kinds})")
    if dry_run:
        click.echo("Essai à blanc : rien n'a été enregistré.")
