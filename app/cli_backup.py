"""`flask backup …`: back the database up and restore it (SQLite or PostgreSQL, see app.services.backup)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

backup_cli = AppGroup("backup", help="Database backups (SQLite online copy or pg_dump) and their restoration.")


def _echo_counts(counts: dict[str, int], expected: dict[str, int] | None = None) -> None:
    from app.services.backup import MAIN_TABLES

    for table in MAIN_TABLES:
        if table not in counts and (expected is None or table not in expected):
            continue
        line = f"  {table:<16} {counts.get(table, 'absente')}"
        if expected is not None:
            line += f"  (manifeste : {expected.get(table, 'absente')})"
        click.echo(line)


def _code_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


@backup_cli.command("create")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: instance/backups/retex-<UTC time>.sqlite or .dump).")
def create_command(output: Path | None) -> None:
    """Back up the configured database into one file, check it and write its JSON manifest beside it."""
    from app.services import backup

    try:
        kind = backup.database_kind(db.engine.url)
        result = backup.create_backup(db.engine, output or backup.default_output(current_app.instance_path, kind))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    except sa.exc.OperationalError as error:
        raise click.ClickException(f"Base de données injoignable : {error.orig}") from error
    manifest = result.manifest
    click.echo(f"Sauvegarde : {result.path}")
    click.echo(f"Taille : {manifest['size']:,} octets".replace(",", " "))
    click.echo(f"Révision Alembic : {manifest['alembic_revision'] or 'aucune'}")
    click.echo("Lignes :")
    _echo_counts(manifest["counts"])
    click.echo(f"Manifeste : {result.manifest_path}")
    if kind == "sqlite":
        click.echo("Vérification : PRAGMA integrity_check correct sur la copie.")
    else:
        click.echo("Vérification : pg_restore --list lit la sauvegarde.")


def _renumber_page_generations() -> None:
    """The restored database counts its page generations from where the backup was: numbers the pages shared by
    the workers (app.shared_pages) were rendered under after the backup. A random start leaves them unused."""
    import secrets

    try:
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE page_generation SET value = :value"),
                               {"value": secrets.randbits(52)})
    except sa.exc.DBAPIError:
        pass  # a backup older than the page generations: the next migration makes the table


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the content of a database that already holds data.")
def restore_command(path: Path, yes: bool) -> None:
    """Restore a backup into the database configured by DATABASE_URL, then compare with its manifest."""
    from app.services import backup

    db.session.remove()  # no transaction of ours may hold a lock on the tables being replaced
    try:
        _kind, manifest = backup.check_backup(path, db.engine)
        held = backup.holds_data(db.engine)
        if held and not yes:
            rows = ", ".join(f"{table} : {count}" for table, count in held.items())
            raise click.ClickException(
                f"La base cible contient déjà des données ({rows}). La restauration remplacerait tout son contenu "
                f"par celui de la sauvegarde. Vérifiez DATABASE_URL, sauvegardez d'abord cette base "
                f"(flask backup create), puis relancez avec --yes.")
        result = backup.restore_backup(path, db.engine, manifest)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    except sa.exc.OperationalError as error:
        raise click.ClickException(f"Base de données injoignable : {error.orig}") from error
    click.echo(f"Restauré : {path}")
    click.echo("Lignes :")
    _echo_counts(result.counts, result.expected)
    if manifest is None:
        click.echo("Aucun manifeste à côté du fichier : les comptes n'ont pas pu être vérifiés.")
    if result.mismatches:
        details = ", ".join(f"{table} : {found if found is not None else 'absente'} au lieu de "
                            f"{wanted if wanted is not None else 'absente'}"
                            for table, (wanted, found) in result.mismatches.items())
        raise click.ClickException(f"Les comptes de la base restaurée diffèrent du manifeste ({details}).")
    _renumber_page_generations()
    click.echo(f"Révision Alembic : {result.alembic_revision or 'aucune'}")
    heads = _code_heads()
    if result.alembic_revision and set(result.alembic_revision.split(",")) != heads:
        click.echo(f"Le code attend la révision {', '.join(sorted(heads))} : lancez « flask db upgrade ».")
    click.echo("Restauration terminée." + (" Comptes conformes au manifeste." if manifest is not None else ""))
