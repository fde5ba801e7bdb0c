from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._types import utcnow


class Establishment(db.Model):
    __tablename__ = "establishment"

    id: Mapped[int] = mapped_column(primary_key=True)
    finess: Mapped[str] = mapped_column(sa.String(9), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    legal_status: Mapped[str | None] = mapped_column(sa.String(32))
    type: Mapped[str] = mapped_column(sa.String(32), default="other", index=True)
    sector: Mapped[str] = mapped_column(sa.String(16), default="health")
    region: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    department: Mapped[str | None] = mapped_column(sa.String(3))
    city: Mapped[str | None] = mapped_column(sa.String(128))
    size_class: Mapped[str | None] = mapped_column(sa.String(16))
    ght: Mapped[str | None] = mapped_column(sa.String(255))
    finess_category: Mapped[str | None] = mapped_column(sa.String(8))
    finess_category_label: Mapped[str | None] = mapped_column(sa.String(255))
    is_fictional: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Establishment {self.finess} {self.name!r}>"
