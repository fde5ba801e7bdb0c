"""`flask backup create` and `flask backup restore` on the backend under test.

SQLite restores into new files under tmp_path; PostgreSQL into scratch databases made (and dropped) the way
conftest makes the session's, so a missing server fails in CI instead of skipping.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.demo.loader import load_demo
from app.extensions import db
from app.models import Guide, GuideVersion, Report, User
from app.services import backup
from app.services import reports as report_service
from tests.conftest import _postgres_database, backend
from tests.factories import make_report, make_user

EXTENSION = {"sqlite": "sqlite", "postgresql": "dump"}[backend()]


@pytest.fixture
def scratch_url(tmp_path) -> str:
    """A brand-new, empty database (no schema at all) to restore into."""
    if backend() == "postgresql":
        yield from _postgres_database()
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def _snapshot(url: str) -> dict[str, dict[str, str]]:
    """Every row of every table, keyed by table and primary key, as a hash of the row's content."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            metadata = sa.MetaData()
            metadata.reflect(bind=connection)
            snapshot = {}
            for table in sorted(metadata.tables.values(), key=lambda t: t.name):
                key = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execute(sa.select(table).order_by(*key)).mappings()
                snapshot[table.name] = {
                    json.dumps([row[c.name] for c in key], default=str):
                    hashlib.sha256(json.dumps(dict(row), default=str, sort_keys=True).encode()).hexdigest()
                    for row in rows}
    finally:
        engine.dispose()
    return snapshot


def _publish_update(report: Report, moderator, advice: str) -> None:
    revision = report_service.start_update(report, report.author)
    revision.answers = {**revision.answers, "advice": advice}
    report_service.submit(revision, uuid.uuid4().hex, report.author)
    report_service.publish(revision, moderator)
    db.session.flush()
    db.session.expire(report)  # as the next request would: report.revisions is read again


def _load_history() -> None:
    """Demo data (reports, guides with two versions) plus reports with several revisions, one still in draft."""
    load_demo(report_target=80)
    moderator = make_user("moderator")
    twice, thrice = make_report(state="published"), make_report(state="published")
    _publish_update(twice, moderator, "Former les équipes de nuit aussi.")
    _publish_update(thrice, moderator, "Mesurer le temps gagné dès le premier mois.")
    _publish_update(thrice, moderator, "Prévoir un référent par service.")
    report_service.start_update(thrice, thrice.author).answers = {"advice": "Brouillon en cours."}
    db.session.commit()
    revisions = db.session.scalars(sa.select(sa.func.count()).select_from(sa.table("report_revision"))
                                   .group_by(sa.column("report_id"))).all()
    versions = [len(guide.versions) for guide in db.session.scalars(sa.select(Guide))]
    assert max(revisions) == 4 and revisions.count(1) >= 80 and max(versions) == 2  # the history is really there


def _backup(runner, path: Path):
    return runner.invoke(args=["backup", "create", "--output", str(path)])


def _restore(url: str, path: Path, *options: str):
    target = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    # Flask's CLI runs a command in the current app context when there is one: the target's must be pushed.
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(path), *options])
        db.session.remove()
        db.engine.dispose()
    return result


def test_a_backup_restored_into_a_new_database_holds_every_row(app, runner, tmp_path, scratch_url, database_url):
    _load_history()
    before = _snapshot(database_url)
    path = tmp_path / f"retex.{EXTENSION}"

    created = _backup(runner, path)

    assert created.exit_code == 0, created.output
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    assert manifest["database"] == backend() and manifest["size"] == path.stat().st_size
    assert manifest["alembic_revision"] and manifest["counts"]["report"] == len(before["report"])
    assert f"Sauvegarde : {path}" in created.output
    for table in backup.MAIN_TABLES:
        assert re.search(rf"^  {table} +{len(before[table])}$", created.output, re.MULTILINE), table
    assert path.stat().st_mode & 0o077 == 0  # accounts and password hashes: owner only

    restored = _restore(scratch_url, path)

    assert restored.exit_code == 0, restored.output
    assert "Comptes conformes au manifeste" in restored.output
    after = _snapshot(scratch_url)
    for table in ("report", "report_revision", "guide_version", "guide", "user_account", "establishment"):
        assert after[table] == before[table], table  # same ids, same content
    # Every row as it was, but the number of the pages' generation: restarted at random, so that no page shared
    # by the workers under a number used since the backup is taken for the restored data's.
    assert after.pop("page_generation") != before.pop("page_generation")
    assert after == before


def test_restore_needs_yes_over_data_and_then_replaces_it(app, runner, tmp_path, database_url):
    _load_history()
    path = tmp_path / f"retex.{EXTENSION}"
    assert _backup(runner, path).exit_code == 0
    before = _snapshot(database_url)
    make_report(state="published")
    db.session.execute(sa.delete(GuideVersion).where(GuideVersion.number == 2))
    db.session.commit()
    changed = _snapshot(database_url)

    refused = runner.invoke(args=["backup", "restore", str(path)])

    assert refused.exit_code == 1
    assert "contient déjà des données" in refused.output and "--yes" in refused.output
    assert _snapshot(database_url) == changed

    replaced = runner.invoke(args=["backup", "restore", str(path), "--yes"])

    assert replaced.exit_code == 0, replaced.output
    after = _snapshot(database_url)
    assert after.pop("page_generation") != before.pop("page_generation")
    assert after == before


def test_counts_differing_from_the_manifest_fail_the_restore(app, runner, tmp_path, scratch_url):
    make_report(state="published")
    db.session.commit()
    path = tmp_path / f"retex.{EXTENSION}"
    assert _backup(runner, path).exit_code == 0
    manifest_path = path.with_name(path.name + ".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["counts"]["report"] += 1
    manifest_path.write_text(json.dumps(manifest))

    result = _restore(scratch_url, path)

    assert result.exit_code == 1
    assert "diffèrent du manifeste (report : 1 au lieu de 2)" in result.output


def test_default_output_is_a_timestamped_file_under_instance_backups(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))  # the session's application: given back after

    result = runner.invoke(args=["backup", "create"])

    assert result.exit_code == 0, result.output
    [path] = [p for p in (tmp_path / "backups").iterdir() if not p.name.endswith(".json")]
    assert re.fullmatch(rf"retex-\d{{8}}T\d{{6}}Z\.{EXTENSION}", path.name)
    assert (tmp_path / "backups" / f"{path.name}.json").exists()


@pytest.mark.parametrize("damage", ["missing", "not a backup", "truncated", "truncated, no manifest"])
def test_a_missing_or_damaged_file_is_refused_before_touching_the_database(app, runner, tmp_path, damage):
    user_id = make_user("analyst").id
    db.session.commit()
    path = tmp_path / f"retex.{EXTENSION}"
    if damage == "not a backup":
        path.write_text("id;name\n1;Centre hospitalier\n")
    elif damage.startswith("truncated"):
        assert _backup(runner, path).exit_code == 0
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        if damage.endswith("no manifest"):
            path.with_name(path.name + ".json").unlink()

    result = runner.invoke(args=["backup", "restore", str(path), "--yes"])

    assert result.exit_code == 1
    expected = {
        "missing": "Fichier de sauvegarde introuvable",
        "not a backup": "n'est pas une sauvegarde lisible",
        "truncated": "ne correspond pas à son manifeste",
        "truncated, no manifest": {"sqlite": "n'est pas une base SQLite valide",
                                   "postgresql": "Lecture de la sauvegarde (pg_restore --list) a échoué"}[backend()],
    }[damage]
    assert expected in result.output
    assert db.session.get(User, user_id) is not None


def test_a_backup_of_the_other_kind_of_database_is_refused(app, runner, tmp_path):
    other = tmp_path / "retex.other"
    other.write_bytes(backup.PGDUMP_MAGIC if backend() == "sqlite" else backup.SQLITE_MAGIC)

    result = runner.invoke(args=["backup", "restore", str(other), "--yes"])

    assert result.exit_code == 1
    assert "Restaurez-la dans une base" in result.output


def test_without_postgresql_client_tools_the_error_names_the_debian_package(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    path = tmp_path / f"retex.{EXTENSION}"

    result = _backup(runner, path)

    if backend() == "postgresql":
        assert result.exit_code == 1
        assert "pg_dump est introuvable : installez le paquet Debian postgresql-client" in result.output
        assert not path.exists()
    else:
        assert result.exit_code == 0, result.output  # a SQLite backup needs no PostgreSQL tool


def test_a_version_mismatch_of_the_postgresql_tools_is_explained(tmp_path):
    tool = tmp_path / "pg_dump"
    tool.write_text("#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\nexit 1\n")
    tool.chmod(0o700)

    with pytest.raises(backup.BackupError, match="versions incompatibles.*postgresql-client de la même version"):
        backup.run_tool([str(tool)], {}, "pg_dump")
