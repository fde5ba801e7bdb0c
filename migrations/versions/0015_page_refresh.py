"""page refresh: the generations over which visitors may be served the previous rendering while it is redone

Revision ID: 0015_page_refresh
Revises: 0014_stat_release
Create Date: 2026-12-03 10:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015_page_refresh"
down_revision = "0014_stat_release"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("page_generation") as batch_op:
        batch_op.add_column(sa.Column("refreshable_from", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("statistics_changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("page_generation") as batch_op:
        batch_op.drop_column("statistics_changed_at")
        batch_op.drop_column("refreshable_from")
