from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.establishment import Establishment


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(160), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), default="contributor")
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    establishment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("establishment.id"), index=True)
    # Part of the login cookie: changing it revokes every session of the user at once.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The RPPS number as Pro Santé Connect gave it at a login (verified by the national directory), never typed.
    rpps: Mapped[str | None] = mapped_column(sa.String(16))

    establishment: Mapped[Establishment | None] = relationship(lazy="joined")

    # When the login of this request was proved (Unix seconds; not stored): part of the login's id, which the
    # session and the "remember me" cookie carry signed, so that each login ends SESSION_ABSOLUTE_HOURS after
    # it began, whatever happens to the account meanwhile (app.auth.timeouts).
    login_at = 0

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}:{self.login_at}"

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class FormStash(db.Model):
    """A form its author sent after their session had expired: kept (one per user, for a week) so that they can
    send it again once logged in, instead of typing it again."""

    __tablename__ = "form_stash"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    action: Mapped[str] = mapped_column(sa.String(2000))  # the path the form was sent to
    origin: Mapped[str | None] = mapped_column(sa.String(2000))  # the page it was sent from
    fields: Mapped[list[list[str]]] = mapped_column(sa.JSON, default=list)  # [name, value] pairs, in order
    files_left_out: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class PasswordReset(db.Model):
    """A password-reset link sent by mail. The link carries a random token and nothing else; only its SHA-256 is
    kept here. It works for PASSWORD_RESET_MAX_AGE after `created_at`, and every link of the user dies when the
    password changes (app.services.accounts)."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class LoginLock(db.Model):
    """Consecutive failed logins with one e-mail address from one client address; at ACCOUNT_LOCK_THRESHOLD that
    pair is locked (app.services.accounts). Kept whether or not the e-mail has an account, so that the answer
    never tells; the account's owner, from any other address, logs in as usual."""

    __tablename__ = "login_lock"
    __table_args__ = (sa.UniqueConstraint("email_digest", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A keyed digest of the normalised e-mail typed: what people type there (a password, sometimes) is not kept.
    email_digest: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str] = mapped_column(sa.String(64))  # the client's, as the rate limits see it
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failure_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    locked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Null while locked: until a password reset or an administrator unlocks it.
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
