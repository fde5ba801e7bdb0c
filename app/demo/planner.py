"""The planner of the fictional reports: the solutions an establishment deploys, and the series of reports
its contributors write on each, with complete raw answers correlated per solution (a hidden quality).

It never touches the database: app.demo.reports and app.demo.bench give it what it plans from and write
what it returns. Its random draws are the data: reordering them changes the data of every seed.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from app import questionnaire as q
from app.demo.mix import (
    AFFINITY,
    COST_CODES,
    COST_LEVEL,
    DEPLOYMENTS,
    EARLIEST_START,
    FOLLOW_UP_RATE,
    FOLLOW_UP_STAGES,
    GOVERNANCE_BIAS,
    INITIATORS,
    LATEST_START,
    MAX_DEPLOYMENTS,
    MIN_DEPLOYMENTS,
    PLATFORM_OPENING,
    SECOND_FOLLOW_UP_RATE,
    SIZE_FACTOR,
    STAGE_MIX,
    TIME_SAVED,
    _clamp,
    _Contributor,
    _EstablishmentInfo,
    _french_decimal,
    _french_number,
    _month_of,
    _months,
    _pick,
    _PlannedReport,
    _SolutionInfo,
)
from app.demo.texts import (
    ADVICE,
    DIFFICULTY_TEXTS,
    MEDICO_SOCIAL_SERVICES,
    NO_DIFFICULTY_TEXTS,
    SERVICES,
    STOP_REASON_TEXTS,
    SUCCESS_FACTORS,
    VOLUMES,
)
from app.models import Solution


class _Planner:
    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.reports: list[_PlannedReport] = []
        self.new_contributors: list[_Contributor] = []

    # --- solutions and establishments -----------------------------------------------------------

    def solution_infos(self, solutions: list[Solution]) -> list[_SolutionInfo]:
        rng = self.rng
        order = list(range(len(solutions)))
        rng.shuffle(order)
        infos = []
        count = len(solutions)
        for rank, index in enumerate(order):
            solution = solutions[index]
            share = rank / max(1, count - 1)
            if share < 0.2:
                popularity = rng.uniform(8, 12)
            elif share < 0.7:
                popularity = rng.uniform(1, 4)
            elif share < 0.9:
                popularity = rng.uniform(0.15, 0.4)
            else:
                popularity = 0.0  # niche: deployed by one or two establishments only (see load_demo_reports)
            quality = _clamp(rng.gauss(0.6, 0.14), 0.25, 0.92)
            integrations = [c for c in solution.codes("integration") if c in q.REPORT_SYSTEMS]
            infos.append(_SolutionInfo(
                id=solution.id, category=solution.category.slug if solution.category else "",
                sectors=solution.codes("sector") or ["health"], integrations=integrations,
                hosting=[c for c in solution.codes("hosting") if c in q.REPORT_HOSTING] or ["unknown"],
                high_risk=solution.ai_act_risk == "high" or solution.device_class in ("IIa", "IIb", "III"),
                popularity=popularity, quality=quality,
                ease=_clamp(quality + rng.gauss(0, 0.15), 0.05, 0.95),
                support=_clamp(quality + rng.gauss(0, 0.2), 0.05, 0.95),
                price=_clamp(quality + rng.gauss(-0.05, 0.2), 0.05, 0.95),
                integration_effort=_clamp(1.5 + 0.8 * len(integrations) + rng.gauss(0, 0.6), 1, 5),
                earliest_year=rng.choice((2019, 2019, 2020, 2021, 2022, 2023)),
            ))
        return infos

    def deployments(self, establishment: _EstablishmentInfo, scale: float) -> int:
        low, high = DEPLOYMENTS.get(establishment.type, (2, 8))
        return round(_clamp(self.rng.uniform(low, high) * scale, MIN_DEPLOYMENTS, MAX_DEPLOYMENTS))

    def choose_solutions(self, establishment: _EstablishmentInfo, candidates: list[_SolutionInfo],
                         k: int) -> list[_SolutionInfo]:
        """k solutions of the establishment's sector, weighted by popularity (Efraimidis–Spirakis)."""
        affinity = AFFINITY.get(establishment.type, {})
        keyed = []
        for solution in candidates:
            if establishment.sector not in solution.sectors or solution.popularity <= 0:
                continue
            weight = solution.popularity * affinity.get(solution.category, 1.0)
            keyed.append((self.rng.random() ** (1.0 / weight), solution.id, solution))
        keyed.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [solution for _, _, solution in keyed[:k]]

    # --- dates --------------------------------------------------------------------------------------

    def publication(self, created_at: datetime, not_before: datetime | None = None) -> tuple[datetime, datetime]:
        """(submitted_at, decided_at): a few days of writing, then a few days in moderation."""
        rng, latest = self.rng, self.now - timedelta(hours=1)
        submitted = created_at + timedelta(hours=rng.uniform(0.3, 2)) + timedelta(days=min(30, rng.expovariate(1 / 4)))
        if not_before is not None:
            submitted = max(submitted, not_before + timedelta(hours=rng.uniform(1, 48)))
        submitted = min(submitted, latest - timedelta(hours=1))
        decided = min(submitted + timedelta(hours=rng.uniform(1, 24 * 7)), latest)
        return submitted, decided

    def start_month(self, stage: str, created_at: datetime, solution: _SolutionInfo) -> tuple[int, int]:
        rng = self.rng
        age = {"exploring": rng.uniform(0, 8), "pilot": rng.uniform(2, 18),
               "production": rng.uniform(4, 48), "stopped": rng.uniform(4, 40)}[stage]
        start = _month_of(created_at - _months(age))
        earliest = max(EARLIEST_START, (solution.earliest_year, 1))
        if start < earliest:
            start = (earliest[0], rng.randint(1, 6))
        return min(start, LATEST_START, _month_of(created_at))

    # --- the reports of one (establishment, solution) ------------------------------------------------

    def plan_pair(self, establishment: _EstablishmentInfo, solution: _SolutionInfo,
                  contributors: list[_Contributor], parallel: int) -> list[_PlannedReport]:
        rng = self.rng
        chain = 0
        if rng.random() < FOLLOW_UP_RATE:
            chain = 2 if rng.random() < SECOND_FOLLOW_UP_RATE else 1
        if chain:
            stage = _pick(rng, {"exploring": 2, "pilot": 5, "production": 3})
        else:
            stage = _pick(rng, STAGE_MIX)
        level = _clamp(solution.quality + rng.gauss(0, 0.12), 0.02, 0.98)
        # Reports are written from the platform's opening, more of them recently.
        room = self.now - timedelta(days=3) - _months(9 * chain) - PLATFORM_OPENING
        created = PLATFORM_OPENING + room * math.sqrt(rng.random())
        if solution.earliest_year > created.year:
            created = max(created, datetime(solution.earliest_year, 9, 1, tzinfo=UTC))
            created = min(created, self.now - timedelta(days=3) - _months(9 * chain))
        start = self.start_month(stage, created, solution)
        author = contributors[0] if len(contributors) == 1 or rng.random() < 0.7 else rng.choice(contributors)
        submitted, decided = self.publication(created)
        first = _PlannedReport(establishment, solution, author, stage, start, created, submitted, decided,
                               level=self.stage_level(level, stage), services=self.services(establishment, solution))
        group = [first]
        others = [c for c in contributors if c is not author]
        for _ in range(parallel if others else 0):
            # Another team writes at the same time: neither report is a follow-up of the other.
            colleague = rng.choice(others)
            # Written before any report of the group is published, published after all were started.
            first_decided = min(r.decided_at for r in group)
            p_created = created + (first_decided - created) * rng.uniform(0, 0.9) - timedelta(days=rng.uniform(0, 15))
            p_created = max(p_created, datetime(*start, 1, tzinfo=UTC))
            p_submitted, p_decided = self.publication(p_created, not_before=max(r.created_at for r in group))
            p_stage = stage if rng.random() < 0.8 else _pick(rng, {"pilot": 1, "production": 2})
            group.append(_PlannedReport(
                establishment, solution, colleague, p_stage, start, p_created, p_submitted, p_decided,
                level=self.stage_level(_clamp(level + rng.gauss(0, 0.1), 0.02, 0.98), p_stage),
                services=self.services(establishment, solution, avoid=first.services)))
        previous = max(group, key=lambda r: r.decided_at)
        for _ in range(chain):
            if previous.stage == "stopped":
                break
            created = previous.decided_at + _months(rng.uniform(3, 20))
            if created > self.now - timedelta(days=3):
                created = previous.decided_at + (self.now - timedelta(days=3) - previous.decided_at) * rng.uniform(0.5, 1)
            if created <= previous.decided_at + timedelta(days=20):
                break
            stage = _pick(rng, FOLLOW_UP_STAGES[previous.stage])
            level = _clamp(level + rng.gauss(0.03 if stage == "production" else 0, 0.07), 0.02, 0.98)
            author = previous.author if rng.random() < 0.8 or len(contributors) == 1 else rng.choice(contributors)
            submitted, decided = self.publication(created)
            services = previous.services if rng.random() < 0.8 else self.services(establishment, solution)
            follow_up = _PlannedReport(establishment, solution, author, stage, previous.start, created, submitted,
                                       decided, level=self.stage_level(level, stage), services=services,
                                       previous=previous, depth=previous.depth + 1)
            group.append(follow_up)
            previous = follow_up
        for report in group:
            report.answers = self.answers(report)
            if report.author.first_report_at is None or report.created_at < report.author.first_report_at:
                report.author.first_report_at = report.created_at
        return group

    @staticmethod
    def stage_level(level: float, stage: str) -> float:
        return _clamp(level + {"production": 0.05, "stopped": -0.22}.get(stage, 0), 0.02, 0.98)

    def services(self, establishment: _EstablishmentInfo, solution: _SolutionInfo, avoid: str | None = None) -> str:
        options = SERVICES.get(solution.category) or SERVICES["documentation-clinique"]
        if establishment.sector == "medico_social" and solution.category in MEDICO_SOCIAL_SERVICES:
            options = MEDICO_SOCIAL_SERVICES[solution.category]
        choices = [s for s in options if s != avoid] or options
        return self.rng.choice(choices)

    # --- the answers -------------------------------------------------------------------------------

    def answers(self, report: _PlannedReport) -> dict[str, Any]:
        rng, solution, establishment = self.rng, report.solution, report.establishment
        stage, level = report.stage, report.level
        size = SIZE_FACTOR.get(establishment.size_class, 0.5)
        answers: dict[str, Any] = {}

        # 1. Context
        users = max(1, round(rng.uniform(3, 60) * size * (0.3 if stage in ("pilot", "exploring") else 1)))
        if solution.category in ("codage-pmsi-facturation", "pharmacie-medicament", "logistique-achats",
                                 "ressources-humaines"):
            users = max(1, round(users / 4))
        answers["services"] = report.services
        answers["stage"] = stage
        answers["start_date"] = f"{report.start[0]:04d}-{report.start[1]:02d}"
        answers["users_count"] = str(users if stage != "exploring" else min(users, rng.randint(1, 8)))
        answers["volume"] = self.volume(solution, size) if rng.random() < 0.85 and stage != "exploring" else ""
        answers["initiated_by"] = _pick(rng, INITIATORS.get(solution.category, {"management": 1, "medical": 1}))

        # 2. Deployment
        cost = COST_LEVEL.get(solution.category, 1) + {"lt50": -1, "50_199": -0.5, "500_999": 0.5,
                                                      "1000_plus": 1}.get(establishment.size_class, 0)
        cost += {"pilot": -0.5, "exploring": -1}.get(stage, 0) + rng.gauss(0, 0.6)
        cost_index = int(_clamp(round(cost), 0, len(COST_CODES) - 1))
        if stage == "exploring":
            golive = ""
        elif stage == "pilot":
            golive = str(rng.randint(1, 6))
        else:
            golive = str(int(_clamp(round(2 + 2.5 * cost_index + rng.gauss(0, 2.5)), 1, 24)))
        answers["months_to_golive"] = golive
        systems = list(solution.integrations)
        if systems and rng.random() < 0.2:
            systems = rng.sample(systems, rng.randint(1, len(systems)))
        if rng.random() < 0.08:
            systems.append(rng.choice(["dpi", "other"]))
        if stage == "exploring" and rng.random() < 0.6:
            systems = []
        answers["integrated_systems"] = list(dict.fromkeys(systems))
        answers["integration_effort"] = str(int(_clamp(round(solution.integration_effort + rng.gauss(0, 0.8)
                                                             + (1 - level) * 0.8 - 0.4), 1, 5)))
        answers["hosting"] = rng.choice(solution.hosting) if rng.random() < 0.94 else "unknown"
        met, missing = [], []
        for code in q.PREREQUISITES:
            draw = rng.random()
            if draw < 0.3 + 0.4 * establishment.maturity:
                met.append(code)
            elif draw < 0.3 + 0.4 * establishment.maturity + 0.08 + 0.2 * (1 - level):
                missing.append(code)
        answers["prerequisites_met"] = met
        answers["prerequisites_missing"] = missing
        unknown_cost = 0.35 if stage == "exploring" else 0.07
        answers["cost_bracket"] = "unknown" if rng.random() < unknown_cost else COST_CODES[cost_index]
        funding = {"own_budget": 45, "regional": 14, "national": 9, "vendor_pilot": 6, "research": 3, "other": 3,
                   "unknown": 5}
        if stage in ("exploring", "pilot"):
            funding["vendor_pilot"] += 18
        if establishment.type in ("chu", "clcc"):
            funding["research"] += 10
        answers["funding"] = _pick(rng, funding)

        # 3. Use and value
        na_rate = 0.3 if stage == "exploring" else 0.04
        offsets = {"usefulness": 0.05, "reliability": 0, "ease_of_use": solution.ease - solution.quality,
                   "workflow_integration": -0.05, "vendor_support": solution.support - solution.quality,
                   "training_quality": -0.03, "value_for_money": solution.price - solution.quality}
        for code, offset in offsets.items():
            extra_na = 0.04 if code in ("vendor_support", "value_for_money", "training_quality") else 0
            if rng.random() < na_rate + extra_na:
                answers[f"rating_{code}"] = "na"
            else:
                answers[f"rating_{code}"] = str(int(_clamp(round(1 + 4 * (level + offset) + rng.gauss(0, 0.55)), 1, 5)))
        low, high, unit = TIME_SAVED.get(solution.category, (1, 5, "per_user_week"))
        if stage != "exploring" and rng.random() < 0.8:
            hours = (low + (high - low) * level * rng.uniform(0.4, 1.1)) * (0.3 if stage == "stopped" else 1)
            hours = round(hours * 2) / 2 if hours < 10 else round(hours)
            answers["time_saved_hours"] = _french_decimal(max(0.0, hours))
            answers["time_saved_unit"] = unit
        else:
            answers["time_saved_hours"] = ""
            answers["time_saved_unit"] = ""
        incidents = 0 if rng.random() < 0.25 + 0.5 * level else max(1, int(rng.expovariate(1 / (1 + 6 * (1 - level)))))
        if stage == "exploring":
            incidents = 0
        answers["incidents_count"] = str(incidents) if rng.random() < 0.9 else ""
        if incidents == 0:
            severity = "none"
        else:
            severity = _pick(rng, {"minor": 70, "moderate": 22 + 20 * (1 - level), "severe": 2 + 8 * (1 - level)})
        answers["incidents_severity"] = severity
        answers["choose_again"] = self.choose_again(level, stage)

        # 4. Usability: F-SUS items (odd ones positive, even ones negative) and NPS
        usability = _clamp(0.65 * level + 0.35 * solution.ease + rng.gauss(0, 0.06), 0.02, 0.98)
        for number in range(1, 11):
            value = 1 + 4 * usability + rng.gauss(0, 0.6)
            if number % 2 == 0:
                value = 6 - value
            answers[f"sus_{number}"] = str(int(_clamp(round(value), 1, 5)))
        answers["nps"] = str(int(_clamp(round(11 * level - 0.5 + rng.gauss(0, 1.1)), 0, 10)))

        # 5. Governance
        for code, bias in GOVERNANCE_BIAS.items():
            yes = establishment.maturity + bias + (0.15 if solution.high_risk and code in (
                "dpo_consulted", "device_status_known", "human_oversight") else 0)
            if code == "users_trained" and stage == "production":
                yes += 0.1
            if code == "patients_informed" and solution.category in ("logistique-achats", "ressources-humaines",
                                                                        "codage-pmsi-facturation"):
                yes -= 0.3
            draw = rng.random()
            answers[code] = "yes" if draw < _clamp(yes, 0.05, 0.95) else ("unsure" if draw < _clamp(yes, 0.05, 0.95)
                                                                         + 0.15 else "no")

        # 6. Lessons
        difficulties = self.difficulties(report, answers)
        answers["difficulties"] = difficulties
        if rng.random() < 0.8:
            if difficulties:
                texts = [rng.choice(DIFFICULTY_TEXTS[code]) for code in rng.sample(difficulties, min(2, len(difficulties)))]
                answers["difficulties_text"] = " ".join(texts)
            else:
                answers["difficulties_text"] = rng.choice(NO_DIFFICULTY_TEXTS)
        else:
            answers["difficulties_text"] = ""
        answers["success_factors"] = (" ".join(rng.sample(SUCCESS_FACTORS, rng.choice((1, 1, 2))))
                                      if rng.random() < 0.85 else "")
        answers["advice"] = " ".join(rng.sample(ADVICE, rng.choice((1, 1, 2, 3))))
        if stage == "stopped":
            reasons = self.stop_reasons(report)
            answers["stop_reasons"] = reasons
            answers["stop_reasons_text"] = rng.choice(STOP_REASON_TEXTS[reasons[0]]) if rng.random() < 0.85 else ""
        else:
            answers["stop_reasons"] = []
            answers["stop_reasons_text"] = ""
        answers["contact_ok"] = "y" if rng.random() < 0.55 else ""
        return answers

    def volume(self, solution: _SolutionInfo, size: float) -> str:
        template, low, high = self.rng.choice(VOLUMES.get(solution.category) or VOLUMES["documentation-clinique"])
        n = self.rng.uniform(low, high) * size
        n = max(low * 0.2, n, 3)
        step = 1 if n < 50 else 10 if n < 1000 else 100
        return template.format(n=_french_number(int(round(n / step) * step)))

    def choose_again(self, level: float, stage: str) -> str:
        rng = self.rng
        if stage == "stopped":
            return _pick(rng, {"yes": 5 + 20 * level, "unsure": 30, "no": 65 - 20 * level})
        if level > 0.62:
            return "yes" if rng.random() < 0.88 else "unsure"
        if level < 0.38:
            return _pick(rng, {"no": 55, "unsure": 35, "yes": 10})
        return _pick(rng, {"yes": 45, "unsure": 38, "no": 17})

    def difficulties(self, report: _PlannedReport, answers: dict[str, Any]) -> list[str]:
        rng, solution, level = self.rng, report.solution, report.level
        chances = {
            "data_quality": 0.25 if solution.category in ("aide-decision-clinique", "codage-pmsi-facturation",
                                                          "planification-ressources") else 0.1,
            "integration": 0.08 * int(answers["integration_effort"]),
            "user_adoption": 0.1 + 0.35 * (1 - level),
            "performance": 0.05 + 0.4 * (1 - solution.quality),
            "vendor": 0.05 + 0.3 * (1 - solution.support),
            "cost": 0.05 + 0.25 * (1 - solution.price),
            "regulatory": 0.15 if solution.high_risk else 0.04,
            "workload": 0.08 + 0.15 * (1 - level),
            "other": 0.03,
        }
        return [code for code, chance in chances.items() if rng.random() < chance]

    def stop_reasons(self, report: _PlannedReport) -> list[str]:
        rng, solution, level = self.rng, report.solution, report.level
        weights = {"no_benefit": 10 + 20 * (1 - level), "performance": 5 + 25 * (1 - solution.quality),
                   "cost": 5 + 20 * (1 - solution.price), "integration": 3 + 3 * solution.integration_effort,
                   "users": 5 + 15 * (1 - solution.ease), "vendor": 2 + 15 * (1 - solution.support),
                   "regulatory": 4 if solution.high_risk else 1, "other": 3,
                   "end_of_pilot": 30 if report.previous is not None and report.previous.stage == "pilot" else 8}
        reasons = [_pick(rng, weights)]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            extra = _pick(rng, weights)
            if extra not in reasons:
                reasons.append(extra)
        return reasons
