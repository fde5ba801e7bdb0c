from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.establishment import Establishment
from app.models.user import User

REQUEST_STATUSES = ("pending", "approved", "refused")


class EstablishmentRequest(db.Model):
    """A person registered with a valid FINESS number that no establishment of the platform carries: their account
    waits, tied to this request, until an administrator adds the establishment (or refuses, with a reason)."""

    __tablename__ = "establishment_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    finess: Mapped[str] = mapped_column(sa.String(9), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(32), default="other")
    region: Mapped[str | None] = mapped_column(sa.String(2))
    # False: name and type as the person typed them, checked against no national extract yet.
    verified: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    establishment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("establishment.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    establishment: Mapped[Establishment | None] = relationship()

    def __repr__(self) -> str:
        return f"<EstablishmentRequest {self.finess} {self.status}>"
