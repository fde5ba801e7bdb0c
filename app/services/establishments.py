"""Establishments: search and edit (the import lives in finess_import)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Establishment
from app.models.search import fold
from app.services import audit
from app.services.finess import normalise_finess

EDITABLE = ("name", "legal_status", "type", "sector", "region", "size_class", "city", "ght")


def search_establishments(q: str = "", region: str = "", type_code: str = "") -> sa.Select:
    query = sa.select(Establishment)
    q = (q or "").strip()[:200]
    if q:
        words = fold(q).split()[:8]
        number = normalise_finess(q)
        query = query.where(sa.or_(Establishment.finess.startswith(number, autoescape=True),
                                   sa.and_(*(Establishment.search_text.contains(w, autoescape=True) for w in words))))
    if region:
        query = query.where(Establishment.region == region)
    if type_code:
        query = query.where(Establishment.type == type_code)
    return query.order_by(Establishment.name, Establishment.id)


def finess_taken(finess: str, exclude_id: int | None = None) -> bool:
    query = sa.select(Establishment.id).where(Establishment.finess == normalise_finess(finess))
    if exclude_id is not None:
        query = query.where(Establishment.id != exclude_id)
    return db.session.scalar(query) is not None


def save_establishment(establishment: Establishment | None, data: dict[str, Any], actor_id: int | None) -> Establishment:
    creating = establishment is None
    if establishment is None:
        establishment = Establishment(finess=normalise_finess(data["finess"]))
        db.session.add(establishment)
    elif "finess" in data:
        establishment.finess = normalise_finess(data["finess"])
    changed = []
    for name in EDITABLE:
        if name in data:
            value = data[name] or None if name in ("legal_status", "size_class", "city", "ght") else data[name]
            if getattr(establishment, name) != value:
                setattr(establishment, name, value)
                changed.append(name)
    db.session.flush()
    if not creating and changed:
        from app.services.facts import refresh_establishment

        refresh_establishment(establishment.id)
    audit.record(actor_id, "establishment.created" if creating else "establishment.updated", "establishment",
                 establishment.id, fields=changed)
    return establishment
