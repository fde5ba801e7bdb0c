"""national identities (ProConnect, Pro Santé Connect): identities tied to accounts, nonces used, RPPS, SIRET

Revision ID: 0019_oidc_identity
Revises: 0018_page_generation_start
Create Date: 2026-12-03 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019_oidc_identity"
down_revision = "0018_page_generation_start"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_external_identity_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identity")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_external_identity_provider")),
    )
    with op.batch_alter_table("external_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_identity_user_id"), ["user_id"], unique=False)
    op.create_table(
        "oidc_nonce",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_oidc_nonce")),
    )
    with op.batch_alter_table("oidc_nonce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_nonce_used_at"), ["used_at"], unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rpps", sa.String(length=16), nullable=True))
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("siret", sa.String(length=14), nullable=True))
        batch_op.create_index(batch_op.f("ix_establishment_siret"), ["siret"], unique=False)


def downgrade():
    with op.batch_alter_table("establishment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_establishment_siret"))
        batch_op.drop_column("siret")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("rpps")
    with op.batch_alter_table("oidc_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_nonce_used_at"))
    op.drop_table("oidc_nonce")
    with op.batch_alter_table("external_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_identity_user_id"))
    op.drop_table("external_identity")
