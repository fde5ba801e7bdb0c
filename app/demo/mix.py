"""The mix of the fictional reports: the weights, rates and levels their planner draws from
(app.demo.planner), and the small records and helpers it shares with the loaders.

Every number here shapes the demonstration data: changing one changes the data of every seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

DEMO_DOMAIN = "demo.retex-ia.test"  # the demonstration accounts' e-mail domain

# Reports are written from the platform's opening; projects started from 2019.
PLATFORM_OPENING = datetime(2022, 1, 10, 9, 0, tzinfo=UTC)
EARLIEST_START = (2019, 1)
LATEST_START = (2026, 10)

STAGE_MIX = {"exploring": 9, "pilot": 17, "production": 58, "stopped": 16}
FOLLOW_UP_STAGES = {  # stage of the earlier report → stage of the follow-up
    "exploring": {"pilot": 55, "production": 30, "stopped": 15},
    "pilot": {"production": 60, "stopped": 30, "pilot": 10},
    "production": {"production": 55, "stopped": 45},
}
FOLLOW_UP_RATE = 0.15
SECOND_FOLLOW_UP_RATE = 0.2  # of the follow-ups
MULTI_CONTRIBUTOR_RATE = 0.10  # of the establishments

# Solutions deployed per establishment, by type (before scaling to the target).
DEPLOYMENTS = {"chu": (15, 25), "clcc": (10, 22), "ch": (8, 22), "clinic_mco": (6, 18), "psychiatric": (4, 12),
               "smr": (4, 12), "had": (3, 10), "other": (3, 8), "ehpad": (3, 10), "esms_disability": (2, 8)}
MIN_DEPLOYMENTS, MAX_DEPLOYMENTS = 2, 25
# How likely an establishment type is to use a category of solution (1 when not listed).
AFFINITY = {
    "psychiatric": {"imagerie": 0.05, "biologie-anatomopathologie": 0.1, "telesurveillance-prevention": 0.3,
                    "aide-decision-clinique": 0.4, "documentation-clinique": 1.5},
    "smr": {"imagerie": 0.2, "biologie-anatomopathologie": 0.2, "aide-decision-clinique": 0.5,
            "codage-pmsi-facturation": 1.5},
    "had": {"imagerie": 0.02, "biologie-anatomopathologie": 0.05, "telesurveillance-prevention": 3,
            "documentation-clinique": 1.5, "planification-ressources": 1.5},
    "other": {"imagerie": 0.3, "biologie-anatomopathologie": 0.2, "relation-patient": 2,
              "documentation-clinique": 2},
    "clcc": {"imagerie": 2, "biologie-anatomopathologie": 2},
    "clinic_mco": {"imagerie": 1.5, "codage-pmsi-facturation": 1.5, "relation-patient": 1.5},
    "chu": {"aide-decision-clinique": 1.5, "biologie-anatomopathologie": 1.5},
}
# Governance maturity by establishment type (probability scale).
MATURITY = {"chu": 0.75, "clcc": 0.7, "ch": 0.55, "clinic_mco": 0.5, "psychiatric": 0.45, "smr": 0.45, "had": 0.45,
            "ehpad": 0.3, "esms_disability": 0.3, "other": 0.35}
SIZE_FACTOR = {"lt50": 0.15, "50_199": 0.35, "200_499": 0.7, "500_999": 1.0, "1000_plus": 1.4}
COST_LEVEL = {"imagerie": 2.2, "aide-decision-clinique": 1.8, "biologie-anatomopathologie": 2.0,
              "documentation-clinique": 1.2, "codage-pmsi-facturation": 1.2, "pharmacie-medicament": 1.2,
              "planification-ressources": 1.2, "relation-patient": 1.0, "telesurveillance-prevention": 1.2,
              "logistique-achats": 0.8, "ressources-humaines": 0.7, "medico-social": 0.5}
COST_CODES = ("lt10k", "10k_50k", "50k_150k", "150k_500k", "gt500k")
INITIATORS = {
    "imagerie": {"medical": 6, "it": 2, "management": 1, "vendor": 1},
    "aide-decision-clinique": {"medical": 6, "nursing": 1, "it": 1, "quality": 1, "vendor": 1},
    "biologie-anatomopathologie": {"medical": 7, "it": 1, "management": 1},
    "documentation-clinique": {"medical": 4, "it": 3, "management": 2, "nursing": 1, "vendor": 1},
    "codage-pmsi-facturation": {"administration": 4, "management": 3, "it": 2, "other": 1},
    "pharmacie-medicament": {"pharmacy": 7, "medical": 1, "quality": 1},
    "planification-ressources": {"management": 4, "nursing": 3, "administration": 2, "it": 1},
    "relation-patient": {"management": 4, "administration": 3, "it": 2, "vendor": 1},
    "telesurveillance-prevention": {"medical": 6, "nursing": 2, "management": 1},
    "logistique-achats": {"management": 4, "administration": 4, "it": 1},
    "ressources-humaines": {"management": 5, "administration": 3, "it": 1},
    "medico-social": {"management": 4, "nursing": 4, "quality": 2, "vendor": 1},
}
# (hours low, hours high, unit) of time saved, by category.
TIME_SAVED = {
    "imagerie": (0.5, 4, "per_user_week"), "aide-decision-clinique": (0.5, 3, "per_user_week"),
    "biologie-anatomopathologie": (1, 5, "per_user_week"), "documentation-clinique": (1, 6, "per_user_week"),
    "codage-pmsi-facturation": (4, 30, "per_service_week"), "pharmacie-medicament": (2, 12, "per_service_week"),
    "planification-ressources": (2, 15, "per_service_week"), "relation-patient": (5, 40, "per_service_week"),
    "telesurveillance-prevention": (1, 8, "per_service_week"), "logistique-achats": (2, 12, "per_service_week"),
    "ressources-humaines": (2, 15, "per_service_week"), "medico-social": (1, 8, "per_service_week"),
}
GOVERNANCE_BIAS = {"users_trained": 0.15, "human_oversight": 0.2, "patients_informed": -0.1, "dpo_consulted": 0.1,
                   "ethics_review": -0.25, "performance_monitored": -0.15, "device_status_known": 0.0,
                   "incident_route_known": 0.05}


# ---------------------------------------------------------------------------------------- the plan


@dataclass
class _Contributor:
    establishment_id: int
    id: int | None = None
    email: str | None = None  # set for the ones to create
    first_report_at: datetime | None = None


@dataclass
class _SolutionInfo:
    id: int
    category: str
    sectors: list[str]
    integrations: list[str]
    hosting: list[str]
    high_risk: bool
    popularity: float
    quality: float  # hidden: drives ratings, SUS, NPS, choose_again
    ease: float  # usability, drives the SUS items
    support: float  # vendor support
    price: float  # value for money
    integration_effort: float
    earliest_year: int


@dataclass
class _EstablishmentInfo:
    id: int
    type: str
    sector: str
    size_class: str
    maturity: float


@dataclass
class _PlannedReport:
    establishment: _EstablishmentInfo
    solution: _SolutionInfo
    author: _Contributor
    stage: str
    start: tuple[int, int]
    created_at: datetime
    submitted_at: datetime
    decided_at: datetime
    level: float  # this report's satisfaction level, around the solution's quality
    services: str
    previous: _PlannedReport | None = None
    depth: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    report_id: int | None = None


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _french_number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _french_decimal(x: float) -> str:
    text = f"{x:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _months(months: float) -> timedelta:
    return timedelta(days=30.44 * months)


def _month_of(moment: datetime) -> tuple[int, int]:
    return moment.year, moment.month
