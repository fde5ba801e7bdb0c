"""Personal tokens for the read API: issued to analysts, kept hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, ApiTokenReveal, User
from app.services import audit

# Writing last_used_at on every call would turn each read into a write; a few minutes' precision is enough.
LAST_USED_PRECISION = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 200
# How long a new token waits for its one display (the page it is created from redirects to it at once).
REVEAL_WINDOW = timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`. The clear token is returned here and never again: only its hash is stored."""
    clear = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip()[:80], token_hash=hash_token(clear))
    db.session.add(token)
    db.session.flush()
    audit.record(user.id, "api_token.created", "api_token", token.id, name=token.name)
    return token, clear


def _xor(data: bytes, pad: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, pad, strict=True))


def keep_for_display(token: ApiToken, clear: str) -> dict[str, str | int]:
    """Keep the clear token for one display, server-side; returns what the creator's session keeps to get it
    (the row's id and the pad that unmasks it). Rows past REVEAL_WINDOW, never displayed, are dropped here."""
    db.session.execute(sa.delete(ApiTokenReveal).where(ApiTokenReveal.created_at < datetime.now(UTC) - REVEAL_WINDOW))
    data = clear.encode("utf-8")
    pad = secrets.token_bytes(len(data))
    reveal = ApiTokenReveal(token_id=token.id, sealed=_xor(data, pad).hex())
    db.session.add(reveal)
    db.session.flush()
    return {"id": reveal.id, "pad": pad.hex()}


def reveal_once(kept: dict | None, user: User) -> tuple[ApiToken, str] | None:
    """The token kept by keep_for_display, and its clear value, once: the row is deleted as it is read (by one
    request only, even two at once). None when already shown, too old, or not this user's."""
    if not isinstance(kept, dict) or not isinstance(kept.get("id"), int) or not isinstance(kept.get("pad"), str):
        return None
    row = db.session.execute(sa.delete(ApiTokenReveal).where(ApiTokenReveal.id == kept["id"])
                             .returning(ApiTokenReveal.token_id, ApiTokenReveal.sealed,
                                        ApiTokenReveal.created_at)).first()
    if row is None:
        return None
    token_id, sealed, created_at = row
    if created_at.tzinfo is None:  # SQLite returns naive datetimes
        created_at = created_at.replace(tzinfo=UTC)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or not token.is_active:
        return None
    if datetime.now(UTC) - created_at > REVEAL_WINDOW:
        return None
    try:
        clear = _xor(bytes.fromhex(sealed), bytes.fromhex(kept["pad"])).decode("utf-8")
    except ValueError:  # a pad that is not this row's
        return None
    return token, clear


def parse_bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None when the header is absent.

    A header that is present but malformed gives "" (an invalid token, not an anonymous request)."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def authenticate(header: str | None) -> User | None:
    """The user behind a bearer header, or None for a missing, unknown or revoked token or an inactive user."""
    token = parse_bearer(header)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or not record.is_active or not record.user.is_active:
        return None
    now = datetime.now(UTC)
    last_used = record.last_used_at
    if last_used is not None and last_used.tzinfo is None:  # SQLite returns naive datetimes
        last_used = last_used.replace(tzinfo=UTC)
    if last_used is None or now - last_used > LAST_USED_PRECISION:
        record.last_used_at = now
        db.session.flush()
    return record.user


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                             ApiToken.id.desc())))


def revoke(token: ApiToken, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        audit.record(actor.id, "api_token.revoked", "api_token", token.id, owner_id=token.user_id)
