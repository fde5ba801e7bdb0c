"""National identities (ProConnect, Pro Santé Connect) tied to accounts.

An identity logs in the account it is tied to. It is tied once, at its first login: to an existing account after
that account's password was confirmed, or to the account request made with it, which waits, as any registration,
for its establishment (FINESS) and the approval of the establishment's referent.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Establishment, ExternalIdentity, OidcNonce, User
from app.models._types import utcnow
from app.services import accounts, audit, establishment_requests
from app.services.finess import normalise_siret

NONCE_KEPT = timedelta(days=2)  # longer than any ID token lives


def find_identity(provider: str, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(sa.select(ExternalIdentity).where(ExternalIdentity.provider == provider,
                                                               ExternalIdentity.subject == subject))


def identities_of(user: User) -> list[ExternalIdentity]:
    return list(db.session.scalars(sa.select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
                                   .order_by(ExternalIdentity.provider)))


def use_nonce(nonce: str) -> bool:
    """Record the nonce of an ID token accepted; False when it was seen before (an answer played again)."""
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    db.session.execute(sa.delete(OidcNonce).where(OidcNonce.used_at < utcnow() - NONCE_KEPT)
                       .execution_options(synchronize_session=False))
    if db.session.get(OidcNonce, digest) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(OidcNonce(digest=digest))
    except IntegrityError:  # the same answer, played at the same moment
        return False
    return True


def _store_rpps(user: User, rpps: str | None) -> None:
    if rpps and user.rpps != rpps:
        user.rpps = rpps
        audit.record(user.id, "user.rpps_verified", "user", user.id)


def record_login(identity: ExternalIdentity, rpps: str | None) -> None:
    identity.last_login_at = utcnow()
    _store_rpps(identity.user, rpps)


def link(user: User, provider: str, subject: str, rpps: str | None) -> ExternalIdentity:
    """Tie an identity to an account whose password was just confirmed (the caller checked it)."""
    identity = ExternalIdentity(user_id=user.id, provider=provider, subject=subject, last_login_at=utcnow())
    db.session.add(identity)
    db.session.flush()
    identity.user = user
    _store_rpps(user, rpps)
    audit.record(user.id, "user.identity_linked", "user", user.id, provider=provider)
    return identity


def establishment_for_siret(siret: str | None) -> Establishment | None:
    """The establishment that the national FINESS extract gives this SIRET (the first one, if several)."""
    number = normalise_siret(siret)
    if number is None:
        return None
    return db.session.scalar(sa.select(Establishment).where(Establishment.siret == number)
                             .order_by(Establishment.id).limit(1))


def request_account(provider: str, subject: str, rpps: str | None, email: str, full_name: str,
                    establishment: Establishment | None, finess: str, establishment_name: str = "",
                    establishment_type: str | None = None) -> User | None:
    """A pending account without a password, tied to the identity: for its establishment's approvers, or, when no
    establishment carries the FINESS number, with an establishment request. None when the address has an
    account already (nothing is created; the caller answers as for a registration and tells the owner)."""
    if establishment is not None:
        user = accounts.register_user(email, None, full_name, establishment)
    else:
        user = establishment_requests.request_establishment(email, None, full_name, finess, establishment_name,
                                                            establishment_type)
    if user is None:
        return None
    db.session.add(ExternalIdentity(user_id=user.id, provider=provider, subject=subject))
    _store_rpps(user, rpps)
    db.session.flush()
    audit.record(user.id, "user.identity_linked", "user", user.id, provider=provider)
    return user
