from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditLog


def record(actor_id: int | None, action: str, object_type: str, object_id: int | None, **detail: Any) -> AuditLog:
    entry = AuditLog(actor_id=actor_id, action=action, object_type=object_type, object_id=object_id, detail=detail)
    db.session.add(entry)
    return entry
