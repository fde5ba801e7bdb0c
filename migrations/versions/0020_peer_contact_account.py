"""peer contact and account self-service: conversations between establishments, API tokens that expire

Revision ID: 0020_peer_contact_account
Revises: 0019_oidc_identity
Create Date: 2026-12-03 13:40:00.000000

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_peer_contact_account"
down_revision = "0019_oidc_identity"
branch_labels = None
depends_on = None

# Tokens created before expiry dates existed get the default lifetime of a new one, from now.
LEGACY_TOKEN_DAYS = 90


def upgrade():
    op.create_table(
        "peer_conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("solution_id", sa.Integer(), nullable=False),
        sa.Column("sender_establishment_id", sa.Integer(), nullable=False),
        sa.Column("recipient_establishment_id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["solution_id"], ["solution.id"], name=op.f("fk_peer_conversation_solution_id_solution")),
        sa.ForeignKeyConstraint(["sender_establishment_id"], ["establishment.id"],
                                name=op.f("fk_peer_conversation_sender_establishment_id_establishment")),
        sa.ForeignKeyConstraint(["recipient_establishment_id"], ["establishment.id"],
                                name=op.f("fk_peer_conversation_recipient_establishment_id_establishment")),
        sa.ForeignKeyConstraint(["started_by_id"], ["user_account.id"],
                                name=op.f("fk_peer_conversation_started_by_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_conversation")),
    )
    with op.batch_alter_table("peer_conversation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_conversation_solution_id"), ["solution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_conversation_sender_establishment_id"), ["sender_establishment_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_peer_conversation_recipient_establishment_id"),
                              ["recipient_establishment_id"], unique=False)
    op.create_table(
        "peer_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("from_recipient", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["peer_conversation.id"],
                                name=op.f("fk_peer_message_conversation_id_peer_conversation"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"],
                                name=op.f("fk_peer_message_author_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_message")),
    )
    with op.batch_alter_table("peer_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_message_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_message_author_id"), ["author_id"], unique=False)
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    token = sa.table("api_token", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(token.update().where(token.c.expires_at.is_(None))
               .values(expires_at=datetime.now(UTC) + timedelta(days=LEGACY_TOKEN_DAYS)))


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("peer_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_message_author_id"))
        batch_op.drop_index(batch_op.f("ix_peer_message_conversation_id"))
    op.drop_table("peer_message")
    with op.batch_alter_table("peer_conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_conversation_recipient_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_peer_conversation_sender_establishment_id"))
        batch_op.drop_index(batch_op.f("ix_peer_conversation_solution_id"))
    op.drop_table("peer_conversation")
