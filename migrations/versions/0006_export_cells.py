"""export cells: a published revision's answer and score cells, precomputed for the CSV export

Revision ID: 0006_export_cells
Revises: 0005_guides
Create Date: 2026-12-04 10:00:00.000000

Schema only: existing revisions keep NULL, which the export computes on the fly; `flask exports backfill`
fills them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_export_cells"
down_revision = "0005_guides"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("export_cells", sa.Text(), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN, never a copy of the table: on SQLite (3.35 or later), dropping the old table with
    # foreign keys on would first delete its rows, setting every report's published revision to NULL.
    with op.batch_alter_table("report_revision", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("export_cells")
