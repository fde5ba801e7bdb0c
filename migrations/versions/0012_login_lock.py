"""login lock per (e-mail, client address) pair, instead of a lock of the whole account

Revision ID: 0012_login_lock
Revises: 0011_password_reset
Create Date: 2026-12-03 04:35:44.116633

Locks of whole accounts in progress are dropped: they ran out after 30 minutes anyway, and the new lock applies
from the next failed attempt.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_login_lock"
down_revision = "0011_password_reset"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_lock")),
        sa.UniqueConstraint("email_digest", "address", name=op.f("uq_login_lock_email_digest")),
    )
    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_lock_last_failure_at"), ["last_failure_at"], unique=False)

    # ALTER TABLE … DROP COLUMN, never a copy of the table: on SQLite, dropping the old user table with foreign
    # keys on would first delete its rows, setting every reference to a user to NULL.
    with op.batch_alter_table("user_account", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("locked_at")
        batch_op.drop_column("failed_logins")


def downgrade():
    with op.batch_alter_table("user_account", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("login_lock", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_lock_last_failure_at"))
    op.drop_table("login_lock")
