from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.user import User

IDENTITY_PROVIDERS = ("proconnect", "prosanteconnect")


class ExternalIdentity(db.Model):
    """A national identity (ProConnect, Pro Santé Connect) tied to an account: the provider's `sub` logs its owner
    in. Tied only after the account's password was confirmed, or when the account was requested with it."""

    __tablename__ = "external_identity"
    __table_args__ = (sa.UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ExternalIdentity {self.provider} {self.user_id}>"


class OidcNonce(db.Model):
    """The nonce of every ID token accepted (its SHA-256): a login answer played again, with a session cookie
    copied from before it, is refused even though the cookie still carries that nonce."""

    __tablename__ = "oidc_nonce"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
