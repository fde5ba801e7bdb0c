"""The migrations alone build the schema the models describe, on SQLite and on PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from app.extensions import db
from tests.conftest import backend


def test_an_empty_database_upgraded_to_head_matches_the_models(app):
    # `database_url` (used by `app`) was created empty and upgraded with `flask db upgrade` semantics.
    migrate = current_app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        assert context.get_current_revision() == head
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"Models and migrations differ: run `flask db migrate` and read the script. {diff}"


@pytest.mark.skipif(backend() != "sqlite", reason="SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
