"""Small builders for test data (plain functions: the models are simple)."""

from __future__ import annotations

import itertools

from slugify import slugify

from app.extensions import db
from app.models import Category, Establishment, Solution, User
from app.services import accounts
from app.services.finess import luhn_key

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def finess_number(department: str = "75") -> str:
    prefix = f"{department}0{next(_counter):05d}"
    return prefix + luhn_key(prefix)


def make_establishment(**values) -> Establishment:
    n = next(_counter)
    establishment = Establishment(**{
        "finess": finess_number(), "name": f"Centre hospitalier d'essai {n}", "type": "ch", "sector": "health",
        "region": "11", "legal_status": "public", "size_class": "200_499", **values})
    db.session.add(establishment)
    db.session.flush()
    return establishment


def make_user(role: str = "contributor", establishment: Establishment | None = None, status: str = "active",
              email: str | None = None, password: str = PASSWORD) -> User:
    if establishment is None and role in ("contributor", "referent"):
        establishment = make_establishment()
    user = User(email=email or f"{role}{next(_counter)}@hopital.test", full_name=f"{role.title()} Test",
                password_hash=accounts.hash_password(password), role=role, status=status,
                establishment_id=establishment.id if establishment else None)
    db.session.add(user)
    db.session.flush()
    return user


def make_category(slug: str | None = None, name: str | None = None) -> Category:
    n = next(_counter)
    category = Category(slug=slug or f"categorie-{n}", name_fr=name or f"Catégorie {n}", name_en=f"Category {n}")
    db.session.add(category)
    db.session.flush()
    return category


def make_solution(category: Category | None = None, *, hosting=("hds_cloud",), integration=("dpi",),
                  sector=("health",), **values) -> Solution:
    n = next(_counter)
    solution = Solution(**{
        "name": f"Solution {n}", "vendor": f"Éditeur {n}",
        "category": category or make_category(), "short_description": "Une solution d'essai.",
        "device_class": "none", "ai_act_risk": "minimal", **values})
    solution.slug = values.get("slug") or slugify(solution.name)
    solution.set_codes("hosting", list(hosting))
    solution.set_codes("integration", list(integration))
    solution.set_codes("sector", list(sector))
    db.session.add(solution)
    db.session.flush()
    return solution


def text(response) -> str:
    """A page as a reader sees its text: HTML entities decoded (Jinja escapes apostrophes)."""
    import html

    return html.unescape(response.get_data(as_text=True))


RATING_CODES = ("usefulness", "reliability", "ease_of_use", "workflow_integration", "vendor_support",
                "training_quality", "value_for_money")
GOVERNANCE_CODES = ("users_trained", "human_oversight", "patients_informed", "dpo_consulted", "ethics_review",
                    "performance_monitored", "device_status_known", "incident_route_known")

# A complete questionnaire, as the browser sends it (raw strings), step by step.
COMPLETE_STEPS = {
    1: {"services": "Service d'imagerie et urgences adultes", "stage": "production", "start_date": "2024-03",
        "users_count": "12", "volume": "1 200 examens par mois", "initiated_by": "medical"},
    2: {"months_to_golive": "6", "integrated_systems": ["pacs", "ris"], "integration_effort": "3",
        "hosting": "hds_cloud", "prerequisites_met": ["network", "training"], "prerequisites_missing": ["budget"],
        "cost_bracket": "10k_50k", "funding": "own_budget"},
    3: {**{f"rating_{code}": "4" for code in RATING_CODES}, "time_saved_hours": "2,5",
        "time_saved_unit": "per_user_week", "incidents_count": "1", "incidents_severity": "minor",
        "choose_again": "yes"},
    4: {**{f"sus_{n}": a for n, a in zip(range(1, 11), "4 1 5 2 5 1 4 2 3 1".split(), strict=True)}, "nps": "9"},
    5: dict.fromkeys(GOVERNANCE_CODES, "yes"),
    6: {"difficulties": ["integration"], "difficulties_text": "L'intégration au PACS a demandé trois mois.",
        "success_factors": "Un radiologue référent très impliqué.",
        "advice": "Prévoir du temps pour la formation des manipulateurs.", "stop_reasons": [],
        "stop_reasons_text": "", "contact_ok": "y"},
}


def complete_answers(**overrides) -> dict:
    answers = {}
    for step in COMPLETE_STEPS.values():
        answers.update(step)
    answers.update(overrides)
    return answers


def make_report(author=None, solution=None, state: str = "draft", answers: dict | None = None,
                moderator=None):
    """A report in the given state, built through the lifecycle services (so audit and flags are real)."""
    import uuid

    from app.services import reports as service

    author = author or make_user("contributor")
    solution = solution or make_solution()
    report, _created = service.new_report(author, solution, uuid.uuid4().hex)
    revision = report.working_revision
    revision.answers = complete_answers() if answers is None else answers
    if state in ("submitted", "published", "changes_requested", "rejected"):
        service.submit(revision, uuid.uuid4().hex, author)
    if state in ("published", "changes_requested", "rejected"):
        moderator = moderator or make_user("moderator")
        if state == "published":
            service.publish(revision, moderator)
        elif state == "changes_requested":
            service.request_changes(revision, moderator, "Merci de préciser le volume.")
        else:
            service.reject(revision, moderator, "Hors sujet.")
    db.session.flush()
    return report
