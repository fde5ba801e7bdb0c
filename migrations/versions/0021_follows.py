"""follows: what a person follows, how they are told, and the notices kept for their weekly digest

Revision ID: 0021_follows
Revises: 0020_peer_contact_account
Create Date: 2026-12-03 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0021_follows"
down_revision = "0020_peer_contact_account"
branch_labels = None
depends_on = None

ONE_SUBJECT = ("(CASE WHEN solution_id IS NULL THEN 0 ELSE 1 END + CASE WHEN category_id IS NULL "
               "THEN 0 ELSE 1 END + CASE WHEN guide_id IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade():
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("guide_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ONE_SUBJECT, name=op.f("ck_follow_one_subject")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_follow_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"], name=op.f("fk_follow_solution_id_solution"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], name=op.f("fk_follow_category_id_category"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guide_id"], ["guide.id"], name=op.f("fk_follow_guide_id_guide"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
        sa.UniqueConstraint("user_id", "solution_id", name=op.f("uq_follow_user_solution")),
        sa.UniqueConstraint("user_id", "category_id", name=op.f("uq_follow_user_category")),
        sa.UniqueConstraint("user_id", "guide_id", name=op.f("uq_follow_user_guide")),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_solution_id"), ["solution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_guide_id"), ["guide_id"], unique=False)
    op.create_table(
        "notice_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("guides", sa.Boolean(), nullable=False),
        sa.Column("statistics", sa.Boolean(), nullable=False),
        sa.Column("establishment", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_notice_preference_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notice_preference")),
    )
    op.create_table(
        "pending_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_pending_notice_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_notice")),
    )
    with op.batch_alter_table("pending_notice", schema=None) as batch_op:
        batch_op.create_index("ix_pending_notice_user_sent", ["user_id", "sent_at"], unique=False)


def downgrade():
    with op.batch_alter_table("pending_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_notice_user_sent")
    op.drop_table("pending_notice")
    op.drop_table("notice_preference")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_guide_id"))
        batch_op.drop_index(batch_op.f("ix_follow_category_id"))
        batch_op.drop_index(batch_op.f("ix_follow_solution_id"))
        batch_op.drop_index(batch_op.f("ix_follow_user_id"))
    op.drop_table("follow")
