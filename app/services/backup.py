"""Backups of the whole database, and their restoration.

SQLite is copied with SQLite's online backup API, which reads one consistent snapshot while the app keeps
serving (WAL mode: readers never block the writer). PostgreSQL is dumped with `pg_dump --format=custom`
inside a transaction whose snapshot is exported, so that the row counts written to the manifest are those of
the dump, whatever the app writes meanwhile. Every backup gets a JSON manifest beside it (counts, Alembic
revision, SHA-256) that a restoration is checked against.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404  # only pg_dump and pg_restore, with argument lists, never through a shell
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect

from app.models._types import utcnow

# The tables whose counts are shown; the manifest holds every table's count.
MAIN_TABLES = ("report", "report_revision", "guide_version", "user_account", "establishment")
# Rows in any of these make a database "not empty": a restoration over them needs --yes.
GUARDED_TABLES = ("report", "user_account", "establishment")
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
EXTENSIONS = {"sqlite": "sqlite", "postgresql": "dump"}
MANIFEST_FORMAT = 1
# A restoration waiting on a lock held by the running app gives up instead of hanging.
RESTORE_LOCK_TIMEOUT = "30s"
CLIENT_PACKAGE_HINT = "installez le paquet Debian postgresql-client (apt-get install postgresql-client)"


class BackupError(Exception):
    """A backup or restoration that cannot go on; the message is for the operator, in French."""


@dataclass
class BackupResult:
    path: Path
    manifest_path: Path
    manifest: dict[str, Any]


@dataclass
class RestoreResult:
    database: str
    counts: dict[str, int]
    alembic_revision: str | None
    expected: dict[str, int] | None = None
    mismatches: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)


def database_kind(url: sa.engine.URL) -> str:
    backend = url.get_backend_name()
    if backend not in EXTENSIONS:
        raise BackupError(f"Base de données « {backend} » non prise en charge : SQLite ou PostgreSQL seulement.")
    return backend


def manifest_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def default_output(instance_path: str | os.PathLike, kind: str) -> Path:
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return Path(instance_path) / "backups" / f"retex-{stamp}.{EXTENSIONS[kind]}"


# Counting -----------------------------------------------------------------------------------------------

def _count_statement(table: str) -> sa.Select:
    return sa.select(sa.func.count()).select_from(sa.table(table))


def count_rows(connection: sa.Connection) -> dict[str, int]:
    """Rows of every table of the database (not of the models: a backup may predate a migration)."""
    names = sorted(sa.inspect(connection).get_table_names())
    return {name: connection.scalar(_count_statement(name)) for name in names}


def alembic_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return ",".join(sorted(connection.scalars(sa.text("SELECT version_num FROM alembic_version"))))


def holds_data(engine: sa.Engine) -> dict[str, int]:
    """The guarded tables that hold rows, with their counts (empty when the database may be overwritten)."""
    with engine.connect() as connection:
        present = set(sa.inspect(connection).get_table_names())
        counts = {name: connection.scalar(_count_statement(name)) for name in GUARDED_TABLES if name in present}
    return {name: count for name, count in counts.items() if count}


# Files --------------------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _create_private_file(path: Path) -> None:
    """Backups hold accounts and password hashes: owner-only, and never over an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError as error:
        raise BackupError(f"Le fichier {path} existe déjà : choisissez un autre --output.") from error


def file_kind(path: Path) -> str:
    """What a backup file is, from its first bytes."""
    if not path.is_file():
        raise BackupError(f"Fichier de sauvegarde introuvable : {path}")
    with path.open("rb") as stream:
        head = stream.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} n'est pas une sauvegarde lisible (ni une base SQLite, ni un fichier pg_dump "
                      f"--format=custom) : fichier corrompu ou d'un autre type.")


def read_manifest(path: Path) -> dict[str, Any] | None:
    manifest_path = manifest_path_for(path)
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"Manifeste illisible ({manifest_path}) : {error}") from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("counts"), dict):
        raise BackupError(f"Manifeste invalide ({manifest_path}) : les comptes de lignes manquent.")
    return manifest


# SQLite -------------------------------------------------------------------------------------------------

def _sqlite_path(url: sa.engine.URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("La base SQLite doit être un fichier (DATABASE_URL=sqlite:////chemin/retex.db).")
    return Path(database)


def _open_sqlite_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _inspect_sqlite_file(path: Path) -> tuple[dict[str, int], str | None]:
    """Check a SQLite file (PRAGMA integrity_check) and return its row counts and Alembic revision."""
    try:
        with closing(_open_sqlite_read_only(path)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"Contrôle d'intégrité échoué pour {path} : " + "; ".join(problems[:5]))
            names = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            dialect = sqlite_dialect.dialect()
            counts = {name: connection.execute(str(_count_statement(name).compile(dialect=dialect))).fetchone()[0]
                      for name in names}
            revision = None
            if "alembic_version" in names:
                revision = ",".join(sorted(row[0] for row in connection.execute(
                    "SELECT version_num FROM alembic_version")))
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} n'est pas une base SQLite valide : {error}") from error
    return counts, revision


def _backup_sqlite(url: sa.engine.URL, output: Path) -> dict[str, Any]:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"Base SQLite introuvable : {source_path}")
    try:
        with closing(sqlite3.connect(source_path, timeout=30)) as source, closing(sqlite3.connect(output)) as target:
            # One step (pages=-1): one read transaction, hence one consistent snapshot of the source.
            source.backup(target)
            # The copy inherits WAL mode from the source's header; rollback-journal mode keeps it one file.
            target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"Sauvegarde SQLite échouée : {error}") from error
    counts, revision = _inspect_sqlite_file(output)
    return {"counts": counts, "alembic_revision": revision}


def _restore_sqlite(path: Path, engine: sa.Engine) -> None:
    target_path = _sqlite_path(engine.url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    engine.dispose()
    try:
        with closing(_open_sqlite_read_only(path)) as source, closing(sqlite3.connect(target_path, timeout=30)) as target:
            # The backup API writes into the target under its own lock: connections of a running app see the
            # restored pages at their next transaction, never a half-copied file.
            source.backup(target)
    except sqlite3.Error as error:
        raise BackupError(f"Restauration SQLite échouée : {error}") from error
    finally:
        engine.dispose()


# PostgreSQL ---------------------------------------------------------------------------------------------

def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} est introuvable : {CLIENT_PACKAGE_HINT}.")
    return path


def _tool_major(executable: str) -> int | None:
    completed = run_tool([executable, "--version"], dict(os.environ), executable)
    found = re.search(r"(\d+)(?:\.\d+)?", completed.stdout)
    return int(found.group(1)) if found else None


def _libpq(url: sa.engine.URL) -> tuple[str, dict[str, str]]:
    """The URL as a libpq connection string without the password, and the environment carrying it.

    The password goes through PGPASSWORD, never the command line that `ps` shows. Query options of the URL
    (sslmode…) are libpq keywords for psycopg too, so they pass through unchanged.
    """
    from psycopg.conninfo import make_conninfo

    options: dict[str, Any] = {key: value for key, value in url.query.items() if isinstance(value, str)}
    for key, value in (("dbname", url.database), ("host", url.host), ("port", url.port), ("user", url.username)):
        if value is not None:
            options[key] = str(value)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return make_conninfo("", **options), environment


def run_tool(arguments: list[str], environment: dict[str, str], what: str) -> subprocess.CompletedProcess:
    completed = subprocess.run(  # noqa: S603  # nosec B603  # argument list, executable from shutil.which, no shell
        arguments, env=environment, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        detail = completed.stderr.strip() or completed.stdout.strip()
        if "version mismatch" in detail or "unsupported version" in detail:
            raise BackupError(f"{what} : versions incompatibles entre les outils PostgreSQL et la base ou le fichier "
                              f"({detail}). Installez le paquet postgresql-client de la même version majeure que le "
                              f"serveur (ou que l'outil qui a écrit la sauvegarde).")
        raise BackupError(f"{what} a échoué (code {completed.returncode}) : {detail}")
    return completed


def _backup_postgresql(engine: sa.Engine, output: Path) -> dict[str, Any]:
    pg_dump = _tool("pg_dump")
    pg_restore = _tool("pg_restore")
    conninfo, environment = _libpq(engine.url)
    client_major = _tool_major(pg_dump)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(sa.text("SET TRANSACTION READ ONLY"))
            server_major = int(connection.scalar(sa.text("SHOW server_version_num"))) // 10000
            if client_major is not None and client_major < server_major:
                raise BackupError(f"pg_dump {client_major} est plus ancien que le serveur PostgreSQL {server_major} et "
                                  f"refusera de l'exporter : installez postgresql-client-{server_major}.")
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            counts = count_rows(connection)
            revision = alembic_revision(connection)
            # The transaction stays open while pg_dump reads the same snapshot.
            run_tool([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={output}",
                      f"--dbname={conninfo}"], environment, "pg_dump")
    run_tool([pg_restore, "--list", str(output)], environment, "Vérification (pg_restore --list)")
    return {"counts": counts, "alembic_revision": revision, "server_version": server_major,
            "client_version": client_major}


def _check_postgresql_file(path: Path) -> str:
    pg_restore = _tool("pg_restore")
    run_tool([pg_restore, "--list", str(path)], dict(os.environ), "Lecture de la sauvegarde (pg_restore --list)")
    return pg_restore


def _restore_postgresql(path: Path, engine: sa.Engine) -> None:
    pg_restore = _check_postgresql_file(path)
    conninfo, environment = _libpq(engine.url)
    environment["PGOPTIONS"] = f"{environment.get('PGOPTIONS', '')} -c lock_timeout={RESTORE_LOCK_TIMEOUT}".strip()
    engine.dispose()
    # One transaction: a failed restoration leaves the target as it was. Owners and grants are the target
    # server's business (its roles may differ from the source's).
    run_tool([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
              "--no-password", f"--dbname={conninfo}", str(path)], environment, "pg_restore")


# Entry points -------------------------------------------------------------------------------------------

def create_backup(engine: sa.Engine, output: Path) -> BackupResult:
    """Back the database up into `output` (which must not exist), check the copy, write its manifest."""
    kind = database_kind(engine.url)
    output = output.resolve()
    manifest_path = manifest_path_for(output)
    created_at = utcnow()
    _create_private_file(output)
    try:
        details = _backup_sqlite(engine.url, output) if kind == "sqlite" else _backup_postgresql(engine, output)
        manifest = {"format": MANIFEST_FORMAT, "database": kind, "created_at": created_at.isoformat(),
                    "file": output.name, "size": output.stat().st_size, "sha256": _sha256(output), **details}
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        manifest_path.chmod(0o600)
    except BaseException:
        output.unlink(missing_ok=True)
        manifest_path.unlink(missing_ok=True)
        raise
    return BackupResult(output, manifest_path, manifest)


def check_backup(path: Path, engine: sa.Engine) -> tuple[str, dict[str, Any] | None]:
    """Everything that can be checked before the target is touched: kind, manifest, checksum, readability."""
    kind = file_kind(path)
    target = database_kind(engine.url)
    if kind != target:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(f"Cette sauvegarde vient d'une base {names[kind]} ; la base configurée (DATABASE_URL) est "
                          f"{names[target]}. Restaurez-la dans une base {names[kind]}.")
    manifest = read_manifest(path)
    if manifest is not None and manifest.get("sha256") and manifest["sha256"] != _sha256(path):
        raise BackupError(f"{path} ne correspond pas à son manifeste (empreinte SHA-256 différente) : "
                          f"sauvegarde corrompue ou remplacée.")
    if kind == "sqlite":
        _inspect_sqlite_file(path)
    else:
        _check_postgresql_file(path)
    return kind, manifest


def restore_backup(path: Path, engine: sa.Engine, manifest: dict[str, Any] | None) -> RestoreResult:
    """Restore `path` (already checked by check_backup) into the engine's database and compare the counts."""
    kind = database_kind(engine.url)
    if kind == "sqlite":
        _restore_sqlite(path, engine)
    else:
        _restore_postgresql(path, engine)
    with engine.connect() as connection:
        counts = count_rows(connection)
        revision = alembic_revision(connection)
    engine.dispose()
    result = RestoreResult(kind, counts, revision)
    if manifest is not None:
        result.expected = {str(name): int(count) for name, count in manifest["counts"].items()}
        for name in sorted(set(result.expected) | set(counts)):
            if result.expected.get(name) != counts.get(name):
                result.mismatches[name] = (result.expected.get(name), counts.get(name))
    return result
