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
