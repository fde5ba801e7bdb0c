"""The trial of tests/test_object_access.py: a client per role, the database compared around requests and put back."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from app import page_cache
from app.extensions import db
from tests.factories import PASSWORD
from tests.object_world import ROLES, build_world

# Rows a request may change without anything being done: caches, and what an expired session typed.
VOLATILE_TABLES = {"stat_cache": "statistics kept by the pages that computed them",
                   "page_generation": "the kept pages' generation, moved on by a guide's PDF kept at its first "
                                      "download",
                   "draft_stash": "a visitor's typed text, kept for their own next login (never applied to a "
                                  "report they cannot edit)"}
VOLATILE_COLUMNS = {("guide_version", "pdf"), ("guide_version", "pdf_generated_at")}


def _compared_columns(table: sa.Table) -> list[sa.Column]:
    return [column for column in table.columns if (table.name, column.name) not in VOLATILE_COLUMNS]


def _compared_tables() -> list[sa.Table]:
    return [table for table in db.metadata.sorted_tables if table.name not in VOLATILE_TABLES]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (caches aside), in primary-key order, as values that can be written back."""
    with db.engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
            sa.select(*_compared_columns(table)).order_by(*table.primary_key.columns))]
                for table in _compared_tables()}


@functools.cache
def _fingerprint_query() -> sa.CompoundSelect:
    parts = []
    null, separator = sa.literal_column("'<null>'", sa.Text), sa.literal_column("'|'", sa.Text)
    for table in _compared_tables():
        cells = [sa.func.coalesce(sa.cast(column, sa.Text), null) for column in _compared_columns(table)]
        row = cells[0]
        for cell in cells[1:]:
            row = row + separator + cell
        parts.append(sa.select(sa.literal_column(f"'{table.name}'", sa.Text).label("name"), row.label("row")))
    return sa.union_all(*parts)


def fingerprint() -> dict[str, list[str]]:
    """The same rows as text, in one query: what is compared around every request."""
    rows_by_table = {table.name: [] for table in _compared_tables()}
    with db.engine.connect() as connection:
        for name, row in connection.execute(_fingerprint_query()):
            rows_by_table[name].append(row)
    return {name: sorted(found) for name, found in rows_by_table.items()}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _is_row(table: sa.Table, key: tuple) -> sa.ColumnElement[bool]:
    return sa.and_(*(column == value for column, value in zip(table.primary_key.columns, key, strict=True)))


def _values(columns: list[sa.Column], row: tuple) -> dict:
    return dict(zip([column.name for column in columns], row, strict=True))


def restore(before: dict, after: dict) -> None:
    """Put every row back as in `before`: what an allowed action did is undone, the users stay logged in (a new
    world costs a second, most of it in the privacy scan of each submission)."""
    changed = [table for table in _compared_tables() if before[table.name] != after[table.name]]
    with db.engine.begin() as connection:
        plans = []
        for table in changed:
            columns = _compared_columns(table)
            key = [columns.index(column) for column in table.primary_key.columns]
            old = {tuple(row[i] for i in key): row for row in before[table.name]}
            new = {tuple(row[i] for i in key): row for row in after[table.name]}
            plans.append((table, columns, old, new))
        # Changed rows get their values back (dropping their references to new rows), the new rows go (children
        # first: a new fact may hold the unique key of the one it replaced), and the removed rows come back.
        for table, columns, old, new in plans:
            for k in old.keys() & new.keys():
                if old[k] != new[k]:
                    connection.execute(table.update().where(_is_row(table, k)).values(_values(columns, old[k])))
        for table, _columns, old, new in reversed(plans):
            for k in new.keys() - old.keys():
                connection.execute(table.delete().where(_is_row(table, k)))
        for table, columns, old, new in plans:
            missing = [_values(columns, old[k]) for k in old.keys() - new.keys()]
            if missing:
                connection.execute(table.insert(), missing)
        connection.execute(db.metadata.tables["stat_cache"].delete())  # figures computed from the undone change
    page_cache.clear()


class Trial:
    """The world, a logged-in client per role, and the database as the world left it, to compare and go back to."""

    def __init__(self, app) -> None:
        self.world = build_world()
        self.clients = {}
        for role in ROLES:
            client = app.test_client()
            if role != "visitor":
                response = client.post("/login", data={"email": self.world.emails[role], "password": PASSWORD})
                assert response.status_code == 302, f"{role} could not log in"
            self.clients[role] = client
        self.rows, self.fingerprint = snapshot(), fingerprint()
        self.pages: list[str] = []  # pages asked for since the database was last compared
        self.undone = 0

    def changes(self) -> list[str]:
        """Tables changed since the world was built; the changes are undone, so that the next requests meet the
        objects as described, not as an allowed action left them."""
        changes = changed_tables(self.fingerprint, fingerprint())
        if changes:
            restore(self.rows, snapshot())
            self.undone += 1
            assert not changed_tables(self.fingerprint, fingerprint()), f"not restored: {changes}"
        return changes

    def pages_changed_nothing(self, failures: list[str]) -> None:
        if self.pages and (changes := self.changes()):
            failures.append(f"one of these pages changed {', '.join(changes)}:\n    " + "\n    ".join(self.pages))
        self.pages = []
