from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models._types import utcnow
from app.models.search import fold


class Category(db.Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_fr: Mapped[str] = mapped_column(sa.String(128))
    name_en: Mapped[str] = mapped_column(sa.String(128))
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    solutions: Mapped[list[Solution]] = relationship(back_populates="category")

    def name(self, locale: str = "fr") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fr

    def description(self, locale: str = "fr") -> str:
        return self.description_en if locale == "en" and self.description_en else self.description_fr


class Solution(db.Model):
    __tablename__ = "solution"
    __table_args__ = (sa.UniqueConstraint("name", "vendor", name="uq_solution_name_vendor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(160), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    vendor: Mapped[str] = mapped_column(sa.String(160))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"), index=True)
    short_description: Mapped[str] = mapped_column(sa.String(500))
    # Vendor-declared fields: always shown as "déclaré par l'éditeur".
    intended_use: Mapped[str] = mapped_column(sa.Text, default="")
    target_users: Mapped[str] = mapped_column(sa.Text, default="")
    device_class: Mapped[str] = mapped_column(sa.String(8), default="unknown", index=True)
    ce_marked: Mapped[bool | None] = mapped_column()
    ai_act_risk: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    website: Mapped[str | None] = mapped_column(sa.String(500))
    # Folded name, vendor and description (see app.models.search), kept in step by a mapper event.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    is_fictional: Mapped[bool] = mapped_column(default=False)
    archived: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(back_populates="solutions", lazy="joined")
    attributes: Mapped[list[SolutionAttribute]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SolutionAttribute.code"
    )

    def codes(self, kind: str) -> list[str]:
        return [a.code for a in self.attributes if a.kind == kind]

    def set_codes(self, kind: str, codes: list[str]) -> None:
        wanted = list(dict.fromkeys(codes))
        self.attributes = [a for a in self.attributes if a.kind != kind or a.code in wanted] + [
            SolutionAttribute(kind=kind, code=code) for code in wanted if code not in self.codes(kind)
        ]

    @property
    def hosting_options(self) -> list[str]:
        return self.codes("hosting")

    @property
    def integrations(self) -> list[str]:
        return self.codes("integration")

    @property
    def sectors(self) -> list[str]:
        return self.codes("sector")

    def __repr__(self) -> str:
        return f"<Solution {self.slug}>"


class SolutionAttribute(db.Model):
    """A multi-valued attribute of a solution (hosting option, integrated system, sector)."""

    __tablename__ = "solution_attribute"
    __table_args__ = (sa.Index("ix_solution_attribute_kind_code", "kind", "code"),)

    solution_id: Mapped[int] = mapped_column(sa.ForeignKey("solution.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


@sa.event.listens_for(Solution, "before_insert")
@sa.event.listens_for(Solution, "before_update")
def _fold_solution_text(mapper, connection, target: Solution) -> None:  # noqa: ARG001
    target.search_text = fold(target.name, target.vendor, target.short_description)
