"""statistics releases: what visitors read, protected and frozen when made

Revision ID: 0014_stat_release
Revises: 0013_formula_cells
Create Date: 2026-12-03 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_stat_release"
down_revision = "0013_formula_cells"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stat_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("establishments", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("audit", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_release")),
        sa.UniqueConstraint("scope", "number", name=op.f("uq_stat_release_scope")),
    )
    with op.batch_alter_table("stat_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stat_release_scope"), ["scope"], unique=False)
    op.create_table(
        "stat_release_view",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=60), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["stat_release.id"],
                                name=op.f("fk_stat_release_view_release_id_stat_release"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("release_id", "view", name=op.f("pk_stat_release_view")),
    )


def downgrade():
    op.drop_table("stat_release_view")
    with op.batch_alter_table("stat_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stat_release_scope"))
    op.drop_table("stat_release")
