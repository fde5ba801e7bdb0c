"""Personal tokens for the read API: issued to analysts, kept hashed, revocable, and expiring on a date chosen at
creation (DEFAULT_LIFETIME unless chosen, MAX_LIFETIME at most)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, ApiTokenReveal, User
from app.services import audit

# Writing last_used_at on every call would turn each read into a write; a few minutes' precision is enough.
LAST_USED_PRECISION = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 200
# How long a new token waits for its one display (the page it is created from redirects to it at once).
REVEAL_WINDOW = timedelta(minutes=5)
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)
# Expiry dates are days of the platform's calendar: a token dies at the end of its last day, in Paris.
CALENDAR = ZoneInfo("Europe/Paris")


class TokenError(Exception):
    """A rule refused the token; the message is for the user (French)."""


def today() -> date:
    return datetime.now(CALENDAR).date()


def default_expiry() -> date:
    return today() + DEFAULT_LIFETIME


def latest_expiry() -> date:
    return today() + MAX_LIFETIME


def end_of_day(day: date) -> datetime:
    """The moment a token whose last day is `day` stops working (midnight after it, in Paris), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=CALENDAR).astimezone(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str, last_day: date | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, valid until the end of `last_day` (by default DEFAULT_LIFETIME from today). The
    clear token is returned here and never again: only its hash is stored."""
    last_day = last_day or default_expiry()
    if last_day < today() or last_day > latest_expiry():
        raise TokenError("expiry")
    clear = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip()[:80], token_hash=hash_token(clear),
                     expires_at=end_of_day(last_day))
    db.session.add(token)
    db.session.flush()
    audit.record(user.id, "api_token.created", "api_token", token.id, name=token.name,
                 expires_at=token.expires_at.isoformat())
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


@dataclass(frozen=True)
class Authentication:
    user: User | None
    expired: bool = False  # the token was right but its expiry date has passed: the API says so


def authenticate_bearer(header: str | None) -> Authentication:
    """Who a bearer header authenticates: a user, or none (a missing, unknown, revoked or expired token, an
    inactive user); `expired` tells an expired token apart, so that its holder learns why it stopped working."""
    token = parse_bearer(header)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return Authentication(None)
    record = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or record.revoked_at is not None or not record.user.is_active:
        return Authentication(None)
    if record.is_expired:
        return Authentication(None, expired=True)
    now = datetime.now(UTC)
    last_used = record.last_used_at
    if last_used is not None and last_used.tzinfo is None:  # SQLite returns naive datetimes
        last_used = last_used.replace(tzinfo=UTC)
    if last_used is None or now - last_used > LAST_USED_PRECISION:
        record.last_used_at = now
        db.session.flush()
    return Authentication(record.user)


def authenticate(header: str | None) -> User | None:
    """The user behind a bearer header, or None for a missing, unknown, revoked or expired token or an inactive
    user."""
    return authenticate_bearer(header).user


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                             ApiToken.id.desc())))


def revoke(token: ApiToken, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        audit.record(actor.id, "api_token.revoked", "api_token", token.id, owner_id=token.user_id)
