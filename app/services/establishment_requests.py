"""Establishment requests: a registration with a valid FINESS number that no establishment carries yet.

The account is created pending, tied to a request; an administrator then adds the establishment (or takes the
one a FINESS import has brought meanwhile) and the account's approval goes on as for any establishment, or
refuses the request with a reason.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app import vocabulary as v
from app.extensions import db
from app.models import AuditLog, Establishment, EstablishmentRequest, User
from app.models._types import utcnow
from app.services import accounts, audit, establishments
from app.services.finess import normalise_finess
from app.services.finess_import import sector_for_type

MAX_REASON_LENGTH = 2000


def request_establishment(email: str, password: str | None, full_name: str, finess: str, name: str,
                          type_code: str | None) -> User | None:
    """A pending account and its request, or None when the address has an account (nothing is created then, as
    for any registration: the caller answers the same and tells the owner)."""
    user = accounts.register_user(email, password, full_name, None)
    if user is None:
        return None
    number = normalise_finess(finess)
    request = EstablishmentRequest(
        finess=number, name=" ".join(name.split())[:255],
        type=type_code if type_code in v.ESTABLISHMENT_TYPES else "other",
        region=v.region_for_finess(number), verified=False, status="pending", requester_id=user.id)
    db.session.add(request)
    db.session.flush()
    audit.record(user.id, "establishment_request.created", "establishment_request", request.id, finess=number)
    return user


def pending_requests() -> sa.Select:
    return (sa.select(EstablishmentRequest).where(EstablishmentRequest.status == "pending")
            .order_by(EstablishmentRequest.created_at, EstablishmentRequest.id))


def decided_requests(limit: int = 20) -> sa.Select:
    return (sa.select(EstablishmentRequest).where(EstablishmentRequest.status != "pending")
            .order_by(EstablishmentRequest.decided_at.desc(), EstablishmentRequest.id.desc()).limit(limit))


def count_pending() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(EstablishmentRequest)
                             .where(EstablishmentRequest.status == "pending")) or 0


def request_of(user: User) -> EstablishmentRequest | None:
    """The latest request of a user, if they registered through one."""
    return db.session.scalar(sa.select(EstablishmentRequest).where(EstablishmentRequest.requester_id == user.id)
                             .order_by(EstablishmentRequest.id.desc()).limit(1))


def last_finess_import() -> datetime | None:
    """When the national FINESS extract was last imported (CLI or administration page), if ever."""
    return db.session.scalar(sa.select(sa.func.max(AuditLog.at))
                             .where(AuditLog.action == "establishment.finess_import"))


def existing_establishment(request: EstablishmentRequest) -> Establishment | None:
    """The establishment of that number, if one came in since the request (an extract imported, another request)."""
    return accounts.find_establishment_by_finess(request.finess)


def approve(request: EstablishmentRequest, actor: User) -> Establishment:
    """Add the establishment (or take the one of that number, from an import) and tie the account to it: the
    account stays pending, for its establishment's approvers, as any registration."""
    if request.status != "pending":
        raise accounts.AccountError("not_pending")
    establishment = existing_establishment(request)
    if establishment is None:
        establishment = establishments.save_establishment(None, {
            "finess": request.finess, "name": request.name, "type": request.type,
            "sector": sector_for_type(request.type, ""), "region": request.region}, actor.id)
    request.status = "approved"
    request.establishment_id = establishment.id
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    requester = request.requester
    if requester.status == "pending" and requester.establishment_id is None:
        requester.establishment = establishment
    db.session.flush()
    audit.record(actor.id, "establishment_request.approved", "establishment_request", request.id,
                 establishment_id=establishment.id)
    return establishment


def refuse(request: EstablishmentRequest, actor: User, reason: str) -> None:
    """Refuse with a reason, which the person is sent; their account, tied to nothing, is refused with it."""
    if request.status != "pending":
        raise accounts.AccountError("not_pending")
    request.status = "refused"
    request.refusal_reason = reason.strip()[:MAX_REASON_LENGTH]
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    requester = request.requester
    if requester.status == "pending" and requester.establishment_id is None:
        accounts.reject_user(requester, actor)
    audit.record(actor.id, "establishment_request.refused", "establishment_request", request.id)
