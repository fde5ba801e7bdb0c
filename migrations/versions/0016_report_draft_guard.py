"""report drafts and withdrawal: a counter of the saves of each revision (two tabs on one draft), the reason a
report was withdrawn

Revision ID: 0016_report_draft_guard
Revises: 0015_page_refresh
Create Date: 2026-12-03 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016_report_draft_guard"
down_revision = "0015_page_refresh"
branch_labels = None
depends_on = None


def upgrade():
    # Adding nullable or defaulted columns: ALTER TABLE … ADD COLUMN on both databases, never a copy of the table.
    with op.batch_alter_table("report_revision", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("edit_count", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("report", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))


def downgrade():
    # SQLite (3.35+) and PostgreSQL both drop a column in place.
    with op.batch_alter_table("report", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("withdrawal_reason")
    with op.batch_alter_table("report_revision", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("edit_count")
