"""The solution catalogue: search, create/edit/archive and CSV import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from slugify import slugify

from app import vocabulary as v
from app.extensions import db
from app.models import Category, Guide, GuideVersion, Solution, SolutionAttribute
from app.models._types import parse_id
from app.models.search import fold
from app.services import audit, catalogue_figures, catalogue_search

SORT_CHOICES = {sort: sort for sort in catalogue_figures.SORTS if sort != catalogue_figures.DEFAULT_SORT}


@dataclass
class CatalogueFilters:
    q: str = ""
    category: str = ""
    device_class: str = ""
    hosting: str = ""
    integration: str = ""
    sector: str = ""
    sort: str = ""
    include_archived: bool = False

    @classmethod
    def from_args(cls, args: Any, include_archived: bool = False) -> CatalogueFilters:
        def pick(name: str, allowed: dict | None = None) -> str:
            value = (args.get(name) or "").replace("\x00", "").strip()
            return value if allowed is None or value in allowed else ""

        return cls(
            q=pick("q")[:200],
            category=pick("category"),
            device_class=pick("device_class", v.DEVICE_CLASSES),
            hosting=pick("hosting", v.HOSTING_OPTIONS),
            integration=pick("integration", v.INTEGRATED_SYSTEMS),
            sector=pick("sector", v.SECTORS),
            # The default order (by name) is left out of the URL, as an empty filter is.
            sort=pick("sort", SORT_CHOICES),
            include_archived=include_archived,
        )

    def active(self) -> dict[str, str]:
        return {k: val for k, val in self.__dict__.items() if k != "include_archived" and val}


def _has_attribute(kind: str, code: str) -> sa.ColumnElement[bool]:
    return Solution.id.in_(
        sa.select(SolutionAttribute.solution_id).where(SolutionAttribute.kind == kind, SolutionAttribute.code == code)
    )


def search_solutions(filters: CatalogueFilters) -> sa.Select:
    query = sa.select(Solution).join(Solution.category)
    if not filters.include_archived:
        query = query.where(Solution.archived.is_(False))
    if filters.q:
        all_categories = categories()
        for word in fold(filters.q).split()[:8]:
            # Each word must match: the solution's own words, its category's names, or a synonym of either.
            forms = sorted(catalogue_search.variants(word))
            in_category = catalogue_search.categories_matching(forms, all_categories)
            query = query.where(sa.or_(*(Solution.search_text.contains(form, autoescape=True) for form in forms),
                                       Category.id.in_(in_category)))
    if filters.category:
        query = query.where(Category.slug == filters.category)
    if filters.device_class:
        query = query.where(Solution.device_class == filters.device_class)
    if filters.hosting:
        query = query.where(_has_attribute("hosting", filters.hosting))
    if filters.integration:
        query = query.where(_has_attribute("integration", filters.integration))
    if filters.sector:
        query = query.where(_has_attribute("sector", filters.sector))
    return catalogue_figures.order(query, filters.sort)


def covering_guides(solutions: list[Solution]) -> dict[int, str]:
    """The slug of the published guide each solution's readers should open: its own, else its category's (one
    query; the earliest guide when there are several)."""
    solution_ids = [s.id for s in solutions]
    category_ids = list({s.category_id for s in solutions})
    rows = db.session.execute(
        sa.select(Guide.slug, Guide.solution_id, Guide.category_id)
        .where(Guide.id.in_(sa.select(GuideVersion.guide_id)),
               sa.or_(Guide.solution_id.in_(solution_ids), Guide.category_id.in_(category_ids)))
        .order_by(Guide.id.desc())).all()
    own = {solution_id: slug for slug, solution_id, _ in rows if solution_id is not None}
    by_category = {category_id: slug for slug, _, category_id in rows if category_id is not None}
    found = {s.id: own.get(s.id) or by_category.get(s.category_id) for s in solutions}
    return {solution_id: slug for solution_id, slug in found.items() if slug is not None}


def categories() -> list[Category]:
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name_fr)))


def find_solution(key: str, include_archived: bool) -> Solution | None:
    """The solution of a slug, or of an id when the key is written in digits."""
    if key.isascii() and key.isdigit():
        solution_id = parse_id(key)
        if solution_id is None:
            return None
        query = sa.select(Solution).where(Solution.id == solution_id)
    else:
        query = sa.select(Solution).where(Solution.slug == key)
    if not include_archived:
        query = query.where(Solution.archived.is_(False))
    return db.session.scalar(query)


def name_taken(name: str, vendor: str, exclude_id: int | None = None) -> bool:
    # Exact match, as the unique constraint: SQLite's lower() leaves accented capitals alone.
    query = sa.select(Solution.id).where(Solution.name == name.strip(), Solution.vendor == vendor.strip())
    if exclude_id is not None:
        query = query.where(Solution.id != exclude_id)
    return db.session.scalar(query) is not None


def unique_slug(name: str, vendor: str, exclude_id: int | None = None) -> str:
    base = slugify(name)[:120] or "solution"
    candidates = [base, slugify(f"{name} {vendor}")[:150]] + [f"{base}-{n}" for n in range(2, 100)]
    for slug in candidates:
        query = sa.select(Solution.id).where(Solution.slug == slug)
        if exclude_id is not None:
            query = query.where(Solution.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
    raise RuntimeError("no free slug")


SCALAR_FIELDS = ("name", "vendor", "short_description", "intended_use", "target_users", "device_class",
                 "ce_marked", "ai_act_risk", "website")


def save_solution(solution: Solution | None, data: dict[str, Any], actor_id: int | None) -> Solution:
    """Create (solution=None) or update a solution from cleaned data; records the change in the audit log."""
    creating = solution is None
    if solution is None:
        solution = Solution()
    changed = {}
    for name in SCALAR_FIELDS:
        if name in data and getattr(solution, name) != data[name]:
            changed[name] = True
            setattr(solution, name, data[name])
    if "category_id" in data and solution.category_id != data["category_id"]:
        solution.category_id = data["category_id"]
        changed["category"] = True
    for kind in v.SOLUTION_ATTRIBUTE_KINDS:
        if kind in data and sorted(solution.codes(kind)) != sorted(data[kind]):
            solution.set_codes(kind, data[kind])
            changed[kind] = True
    if "is_fictional" in data:
        solution.is_fictional = bool(data["is_fictional"])
    if creating or "name" in changed:
        with db.session.no_autoflush:
            solution.slug = unique_slug(solution.name, solution.vendor, exclude_id=solution.id)
    db.session.add(solution)
    db.session.flush()
    if creating or changed:
        audit.record(actor_id, "solution.created" if creating else "solution.updated", "solution", solution.id,
                     fields=sorted(changed))
    return solution


def set_archived(solution: Solution, archived: bool, actor_id: int | None) -> None:
    solution.archived = archived
    audit.record(actor_id, "solution.archived" if archived else "solution.restored", "solution", solution.id)


# CSV import ---------------------------------------------------------------------------------------

CSV_COLUMNS = ("name", "vendor", "category", "short_description", "intended_use", "target_users",
               "device_class", "ce_marked", "ai_act_risk", "hosting", "integrations", "sectors", "website")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace(",", "|").split("|") if part.strip()]


def _parse_catalogue_row(row: dict[str, str], categories_by_slug: dict[str, Category]) -> dict[str, Any]:
    errors = []
    data: dict[str, Any] = {}
    for name in ("name", "vendor", "short_description"):
        data[name] = (row.get(name) or "").strip()
        if not data[name]:
            errors.append(_("champ « %(field)s » vide", field=name))
    if len(data["name"]) > 160 or len(data["vendor"]) > 160 or len(data["short_description"]) > 500:
        errors.append(_("texte trop long (nom et éditeur : 160 caractères, description : 500)"))
    category = categories_by_slug.get((row.get("category") or "").strip())
    if category is None:
        errors.append(_("catégorie inconnue « %(value)s »", value=row.get("category") or ""))
    else:
        data["category_id"] = category.id
    data["intended_use"] = (row.get("intended_use") or "").strip()
    data["target_users"] = (row.get("target_users") or "").strip()
    for name, vocabulary in (("device_class", v.DEVICE_CLASSES), ("ai_act_risk", v.AI_ACT_RISKS)):
        value = (row.get(name) or "unknown").strip() or "unknown"
        if value not in vocabulary:
            errors.append(_("valeur « %(value)s » inconnue pour %(field)s", value=value, field=name))
        data[name] = value
    ce = (row.get("ce_marked") or "").strip().lower()
    data["ce_marked"] = {"oui": True, "yes": True, "1": True, "non": False, "no": False, "0": False}.get(ce)
    if ce and data["ce_marked"] is None:
        errors.append(_("marquage CE : attendu « oui » ou « non »"))
    for column, kind in (("hosting", "hosting"), ("integrations", "integration"), ("sectors", "sector")):
        codes = _split(row.get(column) or "")
        unknown = [c for c in codes if c not in v.SOLUTION_ATTRIBUTE_KINDS[kind]]
        if unknown:
            errors.append(_("%(field)s : valeur(s) inconnue(s) %(values)s", field=column, values=", ".join(unknown)))
        data[kind] = [c for c in codes if c not in unknown]
    website = (row.get("website") or "").strip()
    if website and not website.startswith(("https://", "http://")):
        errors.append(_("site web : l'adresse doit commencer par https://"))
    data["website"] = website or None
    if errors:
        raise ValueError("; ".join(errors))
    return data


def import_catalogue_csv(text: str, actor_id: int | None = None, fictional: bool = False) -> ImportReport:
    """Create or update solutions from a `;`- or `,`-separated CSV with a header row.

    Lines with errors are reported (line number and reason) and skipped; the valid ones are applied
    in the caller's transaction.
    """
    report = ImportReport()
    sample = text[:2048]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    missing = [c for c in ("name", "vendor", "category", "short_description") if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, _("colonnes obligatoires absentes : %(columns)s", columns=", ".join(missing))))
        return report
    categories_by_slug = {c.slug: c for c in categories()}
    seen: set[tuple[str, str]] = set()
    for row in reader:
        line = reader.line_num
        try:
            data = _parse_catalogue_row(row, categories_by_slug)
        except ValueError as error:
            report.errors.append((line, str(error)))
            continue
        key = (data["name"], data["vendor"])
        if key in seen:
            report.errors.append((line, _("doublon dans le fichier (même nom et même éditeur)")))
            continue
        seen.add(key)
        data["is_fictional"] = fictional
        existing = db.session.scalar(sa.select(Solution).where(Solution.name == key[0], Solution.vendor == key[1]))
        if existing is None:
            save_solution(None, data, actor_id)
            report.created += 1
        else:
            before = _snapshot(existing)
            save_solution(existing, data, actor_id)
            if _snapshot(existing) == before:
                report.unchanged += 1
            else:
                report.updated += 1
    return report


def _snapshot(solution: Solution) -> tuple:
    return (tuple(getattr(solution, n) for n in SCALAR_FIELDS), solution.category_id,
            tuple(sorted((a.kind, a.code) for a in solution.attributes)))
