"""account lock: consecutive failed logins, and when the account was locked and until when

Revision ID: 0008_account_lock
Revises: 0007_page_generation
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_account_lock"
down_revision = "0007_page_generation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # ALTER TABLE … DROP COLUMN, never a copy of the table: on SQLite, dropping the old user table with foreign
    # keys on would first delete its rows, setting every reference to a user to NULL.
    with op.batch_alter_table("user_account", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("locked_at")
        batch_op.drop_column("failed_logins")
