"""What account holders do to their own account: their name, their e-mail address (confirmed by a link sent to the
new one), and deleting the account (its reports stay, under a pseudonym)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.models import ApiToken, ExternalIdentity, FormStash, PasswordReset, User
from app.models._types import utcnow
from app.services import accounts, audit

EMAIL_CHANGE_SALT = "email-change"
DELETED = "deleted"  # the status of a deleted account: its row stays, so that its reports keep an author id


class SelfServiceError(Exception):
    """A rule refused the operation; the message code is turned into words by the page."""


def rename(user: User, full_name: str) -> None:
    full_name = " ".join(full_name.split())
    if full_name != user.full_name:
        user.full_name = full_name
        audit.record(user.id, "user.renamed", "user", user.id)


# Changing the e-mail address ---------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CHANGE_SALT)


def email_change_token(user: User, new_email: str) -> str:
    """A signed link's token: it carries the account, its current address and the new one. Once the address has
    changed (by this link or another), the current address no longer matches: each link works once."""
    new_email = accounts.normalise_email(new_email)
    if accounts.find_user_by_email(new_email) is not None:
        raise SelfServiceError("email_taken")
    audit.record(user.id, "user.email_change_requested", "user", user.id)
    return _serializer().dumps({"u": user.id, "old": user.email, "new": new_email})


@dataclass(frozen=True)
class EmailChange:
    user: User
    old: str
    new: str


def read_email_change_token(token: str) -> EmailChange | None:
    if not token or len(token) > 1000:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or user.status != "active" or user.email != data.get("old"):
        return None
    return EmailChange(user, str(data["old"]), str(data["new"]))


def change_email(change: EmailChange) -> None:
    """Give the account the confirmed address; the locks and reset links of the old one go with it."""
    if accounts.find_user_by_email(change.new) is not None:
        raise SelfServiceError("email_taken")
    user = change.user
    accounts.unlock(user, None, "email_changed")
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == user.id))
    user.email = change.new
    db.session.flush()
    audit.record(user.id, "user.email_changed", "user", user.id)


# Deleting the account ----------------------------------------------------------------------------------

def other_active(user: User, role: str) -> sa.Select:
    query = sa.select(User).where(User.id != user.id, User.status == "active", User.role == role)
    if role in ("contributor", "referent"):
        query = query.where(User.establishment_id == user.establishment_id)
    return query


def is_last_referent(user: User) -> bool:
    return (user.role == "referent" and user.establishment_id is not None
            and db.session.scalar(other_active(user, "referent").limit(1)) is None)


def successor_candidates(user: User) -> list[User]:
    """Who can take over the referent role of `user`, the last referent of the establishment: its active
    contributors."""
    if not is_last_referent(user):
        return []
    return list(db.session.scalars(other_active(user, "contributor").order_by(User.full_name, User.id)))


def leaving_refused(user: User) -> str | None:
    """Why `user` may not delete the account (a message code), or None: the last administrator and the last ethics
    reviewer cannot leave (nobody could appoint the next one, or the alerts on reports would reach nobody)."""
    for role in ("admin", "ethics_reviewer"):
        if accounts.last_of_role(user, role):
            return f"last_{role}"
    return None


def delete_account(user: User, successor: User | None = None) -> None:
    """Delete the account: what identifies the person goes (name, address, password, tokens, sessions), the row
    stays under a pseudonym (its id) so that the establishment's reports keep their history. The last referent
    of an establishment that has other members names one of them to take over; see `leaving_refused` for who
    cannot leave."""
    refused = leaving_refused(user)
    if refused is not None:
        raise SelfServiceError(refused)
    candidates = successor_candidates(user)
    if candidates and (successor is None or successor.id not in {c.id for c in candidates}):
        raise SelfServiceError("successor_required")
    if successor is not None and candidates:
        successor.role = "referent"
        audit.record(user.id, "user.referent_handed_over", "user", successor.id, from_user=user.id)
    accounts.unlock(user, None, "account_deleted")
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == user.id))
    db.session.execute(sa.delete(FormStash).where(FormStash.user_id == user.id))
    # The national identities linked to the account and the RPPS number identify the person too; the identity,
    # unlinked, may later ask for a new account.
    db.session.execute(sa.delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    user.rpps = None
    establishment_id = user.establishment_id
    user.email = f"compte-supprime-{user.id}@retex-ia.invalid"
    user.full_name = ""
    user.password_hash = None
    user.status = DELETED
    user.establishment_id = None
    accounts.revoke_sessions(user)
    db.session.flush()
    audit.record(user.id, "user.deleted", "user", user.id, establishment_id=establishment_id,
                 successor_id=successor.id if successor is not None and candidates else None)
