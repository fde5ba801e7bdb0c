"""page generation start: each database numbers its page generations from a random number

Pages rendered under a generation are shared between workers (app.shared_pages) under that number; two databases
that both counted from 1 (one dropped and made again under the same address) would share pages that are not
theirs.

Revision ID: 0018_page_generation_start
Revises: 0017_establishment_request
Create Date: 2026-12-03 13:40:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_page_generation_start"
down_revision = "0017_establishment_request"
branch_labels = None
depends_on = None


def upgrade():
    table = sa.table("page_generation", sa.column("id", sa.Integer), sa.column("value", sa.BigInteger))
    # Below 2**52: every value stays exact wherever it is read as a floating-point number.
    op.execute(table.update().where(table.c.id == 1).values(value=secrets.randbits(52)))


def downgrade():
    pass  # any number is a valid start
