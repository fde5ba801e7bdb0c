"""freshness: follow-up reminders six and twelve months after a report's publication

Revision ID: 0022_freshness
Revises: 0021_follows
Create Date: 2026-12-03 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022_freshness"
down_revision = "0021_follows"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_report_reminder_report_id_report"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recipient_id"], ["user_account.id"],
                                name=op.f("fk_report_reminder_recipient_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["follow_up_id"], ["report.id"], name=op.f("fk_report_reminder_follow_up_id_report"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_reminder")),
        sa.UniqueConstraint("report_id", "milestone", name=op.f("uq_report_reminder_report_id")),
    )
    with op.batch_alter_table("report_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_reminder_report_id"), ["report_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_reminder_report_id"))
    op.drop_table("report_reminder")
