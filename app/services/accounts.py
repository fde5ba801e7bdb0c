"""Accounts: passwords, registration, approval, invitations, resets and session revocation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.dialects import postgresql, sqlite

from app import permissions
from app.extensions import db
from app.models import Establishment, LoginLock, PasswordReset, User
from app.models._types import utcnow
from app.models.user import new_session_token
from app.services import audit
from app.services.finess import normalise_finess

MAX_RESET_TOKEN_LENGTH = 200


class AccountError(Exception):
    """A rule refused the operation; the message is for the user (French)."""


def _hasher() -> PasswordHasher:
    if current_app.config.get("PASSWORD_HASH_FAST"):
        # Tests hash hundreds of passwords: keep argon2, with the cheapest parameters.
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def find_establishment_by_finess(finess: str) -> Establishment | None:
    return db.session.scalar(sa.select(Establishment).where(Establishment.finess == normalise_finess(finess)))


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader. The id (User.get_id) carries the session token, so a rotated token logs every device
    out, and the moment of the login, from which its absolute limit runs (an id without it: a login of unknown
    age, ended at once by app.auth.timeouts)."""
    user_id, _, rest = session_id.partition(":")
    token, _, login_at = rest.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    user.login_at = int(login_at) if login_at.isdigit() else 0
    return user


# Lock after consecutive failed logins, per (e-mail, client address) ------------------------------------
#
# A lock of the whole account let anyone lock anyone out (administrators included) by typing wrong passwords,
# and its message told which e-mails had an account. The lock holds the pair instead: whoever keeps failing from
# one address is stopped there, the owner logs in from anywhere else, and an e-mail without an account is
# counted and locked the same way, so the answers never differ.

STALE_AFTER = timedelta(days=1)  # failures older than this, of a pair not locked, are forgotten


@dataclass(frozen=True)
class LoginAttempt:
    user: User | None  # set when the password was right and the pair is not locked
    locked: bool = False


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite gives naive datetimes back: stored in UTC
        return moment.replace(tzinfo=UTC)
    return moment


def email_digest(email: str) -> str:
    """The key of an e-mail in the login locks: keyed, so that the table does not list what people typed."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"login-lock:" + normalise_email(email).encode(), hashlib.sha256).hexdigest()


def _lock_is_on(lock: LoginLock) -> bool:
    if lock.locked_at is None:
        return False
    until = _aware(lock.locked_until)
    return until is None or until > utcnow()


def _active_locks() -> sa.ColumnElement[bool]:
    return sa.and_(LoginLock.locked_at.is_not(None),
                   sa.or_(LoginLock.locked_until.is_(None), LoginLock.locked_until > utcnow()))


def attempt_login(email: str, password: str, address: str) -> LoginAttempt:
    """Check a password, counting consecutive failures per (e-mail, client address): at ACCOUNT_LOCK_THRESHOLD the
    pair is locked, whether or not the e-mail has an account. A locked pair is refused without checking the
    password, so the answer says neither whether it was right nor whether the account exists. The caller commits,
    failures included."""
    digest = email_digest(email)
    lock = db.session.scalar(sa.select(LoginLock).where(LoginLock.email_digest == digest,
                                                        LoginLock.address == address))
    if lock is not None and lock.locked_at is not None and not _lock_is_on(lock):
        db.session.delete(lock)  # the lock has run out: a fresh count
        db.session.flush()
        lock = None
    if lock is not None and lock.locked_at is not None:
        _hasher().hash(password or "x")
        return LoginAttempt(None, locked=True)
    user = find_user_by_email(email)
    if user is None:
        _hasher().hash(password or "x")  # same cost whether or not the account exists
    elif verify_password(user, password):
        if lock is not None:
            db.session.delete(lock)
        return LoginAttempt(user)
    return LoginAttempt(None, locked=_count_failure(digest, address, user))


def _count_failure(digest: str, address: str, user: User | None) -> bool:
    """One more failed login of the pair, counted in SQL (concurrent attempts all count); True when it locks."""
    now = utcnow()
    db.session.execute(sa.delete(LoginLock).where(LoginLock.last_failure_at < now - STALE_AFTER,
                                                  sa.not_(_active_locks()))
                       .execution_options(synchronize_session=False))
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(LoginLock)
    count = db.session.scalar(
        insert.values(email_digest=digest, address=address, failures=1, last_failure_at=now)
        .on_conflict_do_update(index_elements=["email_digest", "address"],
                               set_={"failures": LoginLock.failures + 1, "last_failure_at": now})
        .returning(LoginLock.failures))
    threshold = current_app.config["ACCOUNT_LOCK_THRESHOLD"]
    if not threshold or count < threshold:
        return False
    minutes = current_app.config["ACCOUNT_LOCK_MINUTES"]
    until = now + timedelta(minutes=minutes) if minutes else None
    # Only the attempt that sets the lock records it (another one may have set it meanwhile).
    done = db.session.execute(sa.update(LoginLock).where(LoginLock.email_digest == digest, LoginLock.address == address,
                                                         LoginLock.locked_at.is_(None))
                              .values(locked_at=now, locked_until=until).execution_options(synchronize_session=False))
    if done.rowcount and user is not None:
        audit.record(None, "user.locked", "user", user.id, failed_logins=count, address=address,
                     until=until.isoformat() if until else None)
    return True


def login_locks(user: User) -> list[LoginLock]:
    """The addresses from which logins with this account's e-mail are locked now."""
    return list(db.session.scalars(sa.select(LoginLock).where(LoginLock.email_digest == email_digest(user.email),
                                                              _active_locks()).order_by(LoginLock.locked_at)))


def is_locked(user: User) -> bool:
    """Whether logins with this account's e-mail are locked from some address."""
    return bool(login_locks(user))


def locked_user_ids(users: Iterable[User]) -> set[int]:
    """Among these users, those whose logins are locked from some address (one query for a page of users)."""
    ids_by_digest = {email_digest(user.email): user.id for user in users}
    if not ids_by_digest:
        return set()
    digests = db.session.scalars(sa.select(LoginLock.email_digest).where(
        LoginLock.email_digest.in_(list(ids_by_digest)), _active_locks()))
    return {ids_by_digest[digest] for digest in digests}


def unlock(user: User, by: User | None, reason: str) -> bool:
    """Lift the locks of the account's e-mail from every address, and forget its failures (an administrator, or
    the password reset that proved the address); True if there was a lock."""
    was_locked = is_locked(user)
    db.session.execute(sa.delete(LoginLock).where(LoginLock.email_digest == email_digest(user.email))
                       .execution_options(synchronize_session=False))
    if was_locked:
        audit.record(by.id if by else user.id, "user.unlocked", "user", user.id, reason=reason)
    return was_locked


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def revoke_sessions(user: User) -> None:
    user.session_token = new_session_token()


def register_user(email: str, password: str | None, full_name: str,
                  establishment: Establishment | None) -> User | None:
    """A pending account, or None when the address has one already: nothing is created then, and the caller
    answers as for a new account (the owner is told by e-mail), so that registering reveals no account. Without
    an establishment, the account waits for an establishment request (app.services.establishment_requests).
    Without a password, the account is reached through the national identity it was requested with."""
    # In both cases: the answer takes as long.
    password_hash = hash_password(password) if password is not None else None
    if find_user_by_email(email) is not None:
        return None
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        password_hash=password_hash,
        role="contributor",
        status="pending",
        establishment=establishment,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(user.id, "user.registered", "user", user.id,
                 establishment_id=establishment.id if establishment else None)
    return user


def approve_user(user: User, by: User) -> None:
    user.status = "active"
    user.approved_at = utcnow()
    user.approved_by_id = by.id
    audit.record(by.id, "user.approved", "user", user.id)


def reject_user(user: User, by: User) -> None:
    user.status = "rejected"
    revoke_sessions(user)
    audit.record(by.id, "user.rejected", "user", user.id)


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    revoke_sessions(user)
    # The reset link just used, and any other sent earlier, opens nothing any more.
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == user.id))
    audit.record(user.id, "user.password_changed", "user", user.id)
    # Whoever changes the password proved the address (reset link) or the current password.
    unlock(user, None, "password_changed")


def pending_users(establishment_id: int | None = None) -> sa.Select:
    query = sa.select(User).where(User.status == "pending").order_by(User.created_at)
    if establishment_id is not None:
        query = query.where(User.establishment_id == establishment_id)
    return query


def create_admin(email: str, password: str, full_name: str = "") -> User:
    user = find_user_by_email(email)
    if user is None:
        user = User(email=normalise_email(email), full_name=full_name)
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.role = "admin"
    user.status = "active"
    user.establishment_id = None
    revoke_sessions(user)
    db.session.flush()
    audit.record(None, "user.admin_created", "user", user.id)
    return user


# Password-reset links, and signed invitation links --------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make_reset_token(user: User) -> str:
    """A new password-reset token for `user`: random, so that the link says nothing about the account (no id, no
    piece of the password hash); only its SHA-256 is stored. Links past their age are dropped here."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE"])
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.created_at < cutoff))
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_digest(token)))
    db.session.flush()
    return token


def user_from_reset_token(token: str) -> User | None:
    """The user a reset link was sent to, while the link is young enough and the password has not changed since
    (change_password drops every link of the user, this one included once used)."""
    if not token or len(token) > MAX_RESET_TOKEN_LENGTH:
        return None
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if reset is None:
        return None
    age = utcnow() - _aware(reset.created_at)
    if age > timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE"]):
        return None
    return reset.user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


@dataclass(frozen=True)
class Invitation:
    email: str
    establishment_id: int
    inviter_id: int


def make_invitation_token(email: str, establishment: Establishment, inviter: User) -> str:
    return _serializer("invitation").dumps(
        {"email": normalise_email(email), "est": establishment.id, "by": inviter.id}
    )


def read_invitation_token(token: str) -> Invitation | None:
    """The link's invitation while valid: not expired, and its referent still manages the establishment's team."""
    try:
        data = _serializer("invitation").loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    inviter = db.session.get(User, data["by"])
    if not (permissions.can_manage_team(inviter) and inviter.establishment_id == data["est"]):
        return None
    return Invitation(email=data["email"], establishment_id=data["est"], inviter_id=data["by"])


def accept_invitation(invitation: Invitation, password: str, full_name: str) -> User:
    """The referent vouched for this person: the account is active at once, as a contributor."""
    if find_user_by_email(invitation.email) is not None:
        raise AccountError("exists")
    user = User(
        email=invitation.email,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role="contributor",
        status="active",
        establishment_id=invitation.establishment_id,
        approved_at=utcnow(),
        approved_by_id=invitation.inviter_id,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(user.id, "user.invitation_accepted", "user", user.id, invited_by=invitation.inviter_id)
    return user


def last_of_role(user: User, role: str) -> bool:
    """Whether `user` holds a platform role (administrator, ethics reviewer) that no other active account holds."""
    return user.role == role and db.session.scalar(
        sa.select(User.id).where(User.id != user.id, User.status == "active", User.role == role).limit(1)) is None


def update_user(user: User, role: str, status: str, establishment: Establishment | None, by: User) -> None:
    """Admin edit of role, status, establishment; not of one's own rights, nor the last ethics reviewer's."""
    from app.vocabulary import ESTABLISHMENT_ROLES

    if role in ESTABLISHMENT_ROLES and establishment is None:
        raise AccountError("establishment_required")
    if user.id == by.id and (role != "admin" or status != "active"):
        # An administrator never removes their own rights: another one must, so that one always remains.
        raise AccountError("own_rights")
    if (role, status) != (user.role, user.status) and user.is_active and last_of_role(user, "ethics_reviewer"):
        # The alerts on reports would reach nobody: appoint another reviewer first.
        raise AccountError("last_ethics_reviewer")
    was_active = user.status == "active"
    changes = {}
    if user.role != role:
        changes["role"] = [user.role, role]
        user.role = role
    if user.status != status:
        changes["status"] = [user.status, status]
        user.status = status
        if status == "active" and user.approved_at is None:
            user.approved_at = utcnow()
            user.approved_by_id = by.id
    new_establishment_id = establishment.id if role in ESTABLISHMENT_ROLES and establishment else None
    if user.establishment_id != new_establishment_id:
        changes["establishment_id"] = [user.establishment_id, new_establishment_id]
        user.establishment_id = new_establishment_id
    if changes.keys() & {"role", "establishment_id"} or (was_active and status != "active"):
        # Rights changed: existing sessions must not keep the old ones.
        revoke_sessions(user)
    audit.record(by.id, "user.updated", "user", user.id, **changes)
