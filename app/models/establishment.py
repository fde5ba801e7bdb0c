from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models._types import utcnow
from app.models.search import fold


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
    # Folded name and city (see app.models.search), kept in step by a mapper event.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    # SIRET of the establishment as the national FINESS extract gives it: ProConnect's `siret` claim points here.
    siret: Mapped[str | None] = mapped_column(sa.String(14), index=True)
    finess_category: Mapped[str | None] = mapped_column(sa.String(8))
    finess_category_label: Mapped[str | None] = mapped_column(sa.String(255))
    is_fictional: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Establishment {self.finess} {self.name!r}>"


@sa.event.listens_for(Establishment, "before_insert")
@sa.event.listens_for(Establishment, "before_update")
def _fold_establishment_text(mapper, connection, target: Establishment) -> None:  # noqa: ARG001
    target.search_text = fold(target.name, target.city)
