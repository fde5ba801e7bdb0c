"""form stash: a form sent after the session had expired, kept for its author to send again

Revision ID: 0009_form_stash
Revises: 0008_account_lock
Create Date: 2026-11-28 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_form_stash"
down_revision = "0008_account_lock"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_stash",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=2000), nullable=False),
        sa.Column("origin", sa.String(length=2000), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("files_left_out", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_form_stash_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_stash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_form_stash_user_id")),
    )


def downgrade():
    op.drop_table("form_stash")
