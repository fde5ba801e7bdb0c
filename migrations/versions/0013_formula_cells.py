"""export cells: forget the stored cells that the wider formula rule neutralises

Revision ID: 0013_formula_cells
Revises: 0012_login_lock
Create Date: 2026-12-03 09:00:00.000000

The CSV export's stored cells (report_revision.export_cells) were written when only a first = + - @, tab or CR
made a formula; a cell such as " =1", "=1" after a zero-width space, or "＝1" left raw, and a spreadsheet runs
it. The cells of every revision holding such a cell are emptied: the export computes them on the fly, with the rule
of app.services.export_writers, until `flask exports backfill` stores them again. The other revisions keep theirs.
"""
import csv
import io
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_formula_cells"
down_revision = "0012_login_lock"
branch_labels = None
depends_on = None

BATCH_SIZE = 5000
# The rule as this revision applies it (a copy: the application's may change after it).
SIGNS = frozenset("=+-@%")
BREAKS = ("\t", "\r", "\n")
SKIPPED = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def starts_a_formula(text):
    if text.startswith(BREAKS):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in SKIPPED:
            continue
        return unicodedata.normalize("NFKC", char)[:1] in SIGNS
    return False


def holds_a_formula(cells):
    """Whether one of a revision's stored cells (one CSV record, `;`-separated) would now be neutralised."""
    record = next(csv.reader(io.StringIO(cells, newline=""), delimiter=";"), [])
    return any(starts_a_formula(cell) for cell in record)


def clear_unsafe_cells(connection):
    """Empty the stored cells that hold a formula, batch by batch; returns how many revisions were emptied."""
    table = sa.table("report_revision", sa.column("id", sa.Integer), sa.column("export_cells", sa.Text))
    after_id, cleared = 0, 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.export_cells)
            .where(table.c.id > after_id, table.c.export_cells.is_not(None))
            .order_by(table.c.id).limit(BATCH_SIZE)).all()
        if not rows:
            return cleared
        unsafe = [row.id for row in rows if holds_a_formula(row.export_cells)]
        if unsafe:
            connection.execute(sa.update(table).where(table.c.id.in_(unsafe)).values(export_cells=None))
            cleared += len(unsafe)
        after_id = rows[-1].id


def upgrade():
    clear_unsafe_cells(op.get_bind())


def downgrade():
    # Nothing to restore: a revision without stored cells is exported from its answers, whatever the rule.
    pass
