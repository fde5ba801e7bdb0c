from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.user import User


class ApiToken(db.Model):
    """A personal token for the read API. Only its SHA-256 is kept: the clear token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Chosen at creation (app.services.api_tokens); from then on the API refuses the token.
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_expired(self) -> bool:
        if self.expires_at is None:
            return False
        expires_at = self.expires_at if self.expires_at.tzinfo else self.expires_at.replace(tzinfo=UTC)
        return expires_at <= utcnow()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of user {self.user_id}>"


class ApiTokenReveal(db.Model):
    """A new token waiting for its one display, for a few minutes at most (app.services.api_tokens.reveal_once).

    The clear token is kept here masked by a one-time pad that only the creator's session holds, and the row is
    deleted when the token is shown: neither the database alone, nor the session cookie played again after the
    display, gives the token back."""

    __tablename__ = "api_token_reveal"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id", ondelete="CASCADE"), unique=True)
    sealed: Mapped[str] = mapped_column(sa.String(400))  # hex of the clear token XOR the pad
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
