"""api token reveal: a new API token waits server-side for its one display, instead of in the session cookie

Revision ID: 0010_api_token_reveal
Revises: 0009_form_stash
Create Date: 2026-12-03 04:45:58.466092

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_api_token_reveal"
down_revision = "0009_form_stash"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token_reveal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"], name=op.f("fk_api_token_reveal_token_id_api_token"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token_reveal")),
        sa.UniqueConstraint("token_id", name=op.f("uq_api_token_reveal_token_id")),
    )


def downgrade():
    op.drop_table("api_token_reveal")
