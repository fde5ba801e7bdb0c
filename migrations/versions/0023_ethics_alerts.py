"""ethics and safety alerts, and their threads

Revision ID: 0023_ethics_alerts
Revises: 0022_freshness
Create Date: 2026-12-03 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023_ethics_alerts"
down_revision = "0022_freshness"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ethics_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("vendor_may_know_establishment", sa.Boolean(), nullable=False),
        sa.Column("vigilance_declared", sa.String(length=8), nullable=True),
        sa.Column("privacy_findings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"], name=op.f("fk_ethics_alert_solution_id_solution")),
        sa.ForeignKeyConstraint(["establishment_id"], ["establishment.id"],
                                name=op.f("fk_ethics_alert_establishment_id_establishment")),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], name=op.f("fk_ethics_alert_author_id_user_account"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_ethics_alert_report_id_report"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user_account.id"],
                                name=op.f("fk_ethics_alert_reviewer_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ethics_alert")),
    )
    with op.batch_alter_table("ethics_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ethics_alert_solution_id"), ["solution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ethics_alert_establishment_id"), ["establishment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ethics_alert_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ethics_alert_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_ethics_alert_status"), ["status"], unique=False)
    op.create_table(
        "alert_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("from_reviewer", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("privacy_findings", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["ethics_alert.id"], name=op.f("fk_alert_message_alert_id_ethics_alert"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sender_id"], ["user_account.id"], name=op.f("fk_alert_message_sender_id_user_account"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_message")),
    )
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_message_alert_id"), ["alert_id"], unique=False)


def downgrade():
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_message_alert_id"))
    op.drop_table("alert_message")
    with op.batch_alter_table("ethics_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ethics_alert_status"))
        batch_op.drop_index(batch_op.f("ix_ethics_alert_category"))
        batch_op.drop_index(batch_op.f("ix_ethics_alert_author_id"))
        batch_op.drop_index(batch_op.f("ix_ethics_alert_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_ethics_alert_solution_id"))
    op.drop_table("ethics_alert")
