"""page generation: the value that keeps the workers' rendered read pages in step with the data

Revision ID: 0007_page_generation
Revises: 0006_export_cells
Create Date: 2026-11-28 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_page_generation"
down_revision = "0006_export_cells"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "page_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 1}])


def downgrade():
    op.drop_table("page_generation")
