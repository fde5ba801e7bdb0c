"""Typed facts extracted from published reports: what the statistics read.

One row per voice: the latest published report of one author of one establishment on one solution.
The establishment's segment (type, sector, size class, region) is copied in, so that a scorecard reads
one table whatever the number of reports behind it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

RATING_COLUMNS = ("usefulness", "reliability", "ease_of_use", "workflow_integration", "vendor_support",
                  "training_quality", "value_for_money")
GOVERNANCE_COLUMNS = ("users_trained", "human_oversight", "patients_informed", "dpo_consulted", "ethics_review",
                      "performance_monitored", "device_status_known", "incident_route_known")
CHOICE_KINDS = ("system", "prerequisite_met", "prerequisite_missing", "difficulty", "stop_reason")


class ReportFact(db.Model):
    __tablename__ = "report_fact"
    __table_args__ = (sa.Index("ix_report_fact_solution_establishment", "solution_id", "establishment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("report_revision.id", ondelete="CASCADE"))
    establishment_id: Mapped[int] = mapped_column(sa.ForeignKey("establishment.id"), index=True)
    solution_id: Mapped[int] = mapped_column(sa.ForeignKey("solution.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    start_quarter: Mapped[str | None] = mapped_column(sa.String(6))  # "2024Q1"
    # The establishment's segment at the time of the last refresh.
    establishment_type: Mapped[str] = mapped_column(sa.String(32))
    sector: Mapped[str] = mapped_column(sa.String(16))
    size_class: Mapped[str | None] = mapped_column(sa.String(16))
    region: Mapped[str | None] = mapped_column(sa.String(2))
    # Answers, typed; None where the contributor had no opinion.
    stage: Mapped[str] = mapped_column(sa.String(16))
    hosting: Mapped[str | None] = mapped_column(sa.String(16))
    sus_score: Mapped[float | None] = mapped_column(sa.Float)
    nps_rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    time_saved_hours: Mapped[float | None] = mapped_column(sa.Float)
    time_saved_unit: Mapped[str | None] = mapped_column(sa.String(20))
    choose_again: Mapped[str | None] = mapped_column(sa.String(8))
    months_to_golive: Mapped[int | None] = mapped_column(sa.SmallInteger)
    integration_effort: Mapped[int | None] = mapped_column(sa.SmallInteger)
    cost_bracket: Mapped[str | None] = mapped_column(sa.String(12))
    incidents_count: Mapped[int | None] = mapped_column()
    incidents_severity: Mapped[str | None] = mapped_column(sa.String(12))
    contact_ok: Mapped[bool] = mapped_column(default=False)

    choices: Mapped[list[FactChoice]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


for _name in RATING_COLUMNS:
    setattr(ReportFact, f"rating_{_name}", sa.orm.mapped_column(f"rating_{_name}", sa.SmallInteger, nullable=True))
for _name in GOVERNANCE_COLUMNS:
    # 1 yes, 0 no, None unsure.
    setattr(ReportFact, f"gov_{_name}", sa.orm.mapped_column(f"gov_{_name}", sa.SmallInteger, nullable=True))


class FactChoice(db.Model):
    """A multiple-choice answer of a fact (integrated system, prerequisite, difficulty, reason for stopping)."""

    __tablename__ = "report_fact_choice"
    __table_args__ = (sa.Index("ix_report_fact_choice_kind_code", "kind", "code"),)

    fact_id: Mapped[int] = mapped_column(sa.ForeignKey("report_fact.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class StatCache(db.Model):
    """Computed statistics (scorecards, observatory), dropped whenever the facts they rest on change."""

    __tablename__ = "stat_cache"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    solution_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class PageGeneration(db.Model):
    """One row whose value changes whenever published data change: rendered read pages kept by the workers
    (app.page_cache) are valid for one value only."""

    __tablename__ = "page_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger)
    # Every generation from `refreshable_from` to `value` differs from the next only by published figures, the
    # last changed at `statistics_changed_at`: visitors may briefly get a previous rendering (app.page_refresh).
    refreshable_from: Mapped[int | None] = mapped_column(sa.BigInteger)
    statistics_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
