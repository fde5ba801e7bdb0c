"""establishment requests: a registration with a valid FINESS number the platform does not hold yet

Revision ID: 0017_establishment_request
Revises: 0016_report_draft_guard
Create Date: 2026-12-03 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_establishment_request"
down_revision = "0016_report_draft_guard"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "establishment_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finess", sa.String(length=9), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["requester_id"], ["user_account.id"],
                                name=op.f("fk_establishment_request_requester_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"],
                                name=op.f("fk_establishment_request_establishment_id_establishment"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user_account.id"],
                                name=op.f("fk_establishment_request_decided_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_establishment_request")),
    )
    with op.batch_alter_table("establishment_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_establishment_request_finess"), ["finess"], unique=False)
        batch_op.create_index(batch_op.f("ix_establishment_request_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_establishment_request_requester_id"), ["requester_id"], unique=False)


def downgrade():
    with op.batch_alter_table("establishment_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_establishment_request_requester_id"))
        batch_op.drop_index(batch_op.f("ix_establishment_request_status"))
        batch_op.drop_index(batch_op.f("ix_establishment_request_finess"))
    op.drop_table("establishment_request")
