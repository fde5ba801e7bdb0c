"""The JSON endpoints of /api/v1: catalogue, scorecards, observatory and guides (GET only)."""

from __future__ import annotations

import re
from datetime import UTC
from http import HTTPStatus
from typing import Any

import sqlalchemy as sa
from flask import g, request, url_for
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import orm
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from app import permissions
from app.api.blueprint import bp
from app.api.schemas import (
    CategoryPageSchema,
    GuideArgsSchema,
    GuideDetailSchema,
    GuidePageSchema,
    ObservatorySchema,
    PageArgsSchema,
    ScorecardArgsSchema,
    ScorecardSchema,
    SolutionArgsSchema,
    SolutionDetailSchema,
    SolutionPageSchema,
)
from app.extensions import db, use_replica
from app.models import Category, Guide, GuideVersion, Solution
from app.page_cache import cached_response
from app.services import api_tokens, guides, stats
from app.services.catalogue import CatalogueFilters, search_solutions
from app.urls import public_url

# Fields whose content comes from the vendor and is not checked by the platform.
VENDOR_DECLARED = ("intended_use", "target_users", "device_class", "ce_marked", "ai_act_risk", "hosting",
                   "integrations")
LIST_FIELDS = ("device_class", "ai_act_risk", "hosting", "integrations")


@bp.before_request
def authenticate_token() -> None:
    """A bearer token, when sent, must be valid; without one the caller is a visitor."""
    header = request.headers.get("Authorization")
    g.api_user = None
    if header is None:
        return
    found = api_tokens.authenticate_bearer(header)
    user = found.user
    if found.expired:
        error = Unauthorized(www_authenticate=WWWAuthenticate("bearer", {"realm": "Retex IA",
                                                                         "error": "invalid_token"}))
        error.data = {"message": _("Ce jeton d'API a expiré : créez-en un nouveau sur la page « Jetons d'API » "
                                   "de votre compte.")}
        raise error
    if user is None:
        raise Unauthorized(www_authenticate=WWWAuthenticate("bearer", {"realm": "Retex IA"}))
    db.session.commit()  # last_used_at
    g.api_user = user


@bp.before_request
def read_from_replica() -> None:
    """Once the caller is known (from the primary), the API's reads may come from the read replica."""
    use_replica()


def _analyst() -> bool:
    return permissions.can_see_unsuppressed_statistics(g.get("api_user"))


def _reader() -> str:
    """What an answer depends on: analysts see unsuppressed figures, everyone else the same answers."""
    return "analyst" if _analyst() else "visitor"


def _errors(*codes: int):
    """Document the error answers of an operation (all in the ErrorSchema shape)."""

    def decorator(view):
        for code in codes:
            # The lazily registered component responses (NOT_FOUND…) carry ErrorSchema.
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorator


def _page(pagination, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "page": pagination.page, "per_page": pagination.per_page, "total": pagination.total,
            "pages": pagination.pages}


def solution_item(solution: Solution, detail: bool = False) -> dict[str, Any]:
    item = {
        "id": solution.id, "slug": solution.slug, "name": solution.name, "vendor": solution.vendor,
        "category": {"id": solution.category.id, "slug": solution.category.slug, "name": solution.category.name_fr},
        "short_description": solution.short_description, "device_class": solution.device_class,
        "ai_act_risk": solution.ai_act_risk, "hosting": solution.hosting_options,
        "integrations": solution.integrations, "sectors": solution.sectors,
        "vendor_declared": list(VENDOR_DECLARED if detail else LIST_FIELDS),
        "is_fictional": solution.is_fictional,
        "links": {"self": url_for("api.get_solution", solution_id=solution.id),
                  "scorecard": url_for("api.get_scorecard", solution_id=solution.id)},
    }
    if detail:
        item.update(intended_use=solution.intended_use or "", target_users=solution.target_users or "",
                    ce_marked=solution.ce_marked, website=solution.website)
    return item


def _solution_or_404(solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or solution.archived:
        abort(404, message=_("Solution introuvable (identifiant inconnu ou solution archivée)."))
    return solution


@bp.route("/solutions")
@cached_response(_reader)
@bp.arguments(SolutionArgsSchema, location="query", error_status_code=400)
@bp.response(200, SolutionPageSchema)
@_errors(401, 429)
def list_solutions(args: dict[str, Any]):
    """Solutions du catalogue

    Solutions non archivées, par ordre alphabétique ; filtres par catégorie (slug) et texte libre.
    """
    query = (args.get("q") or "").replace("\x00", " ")
    filters = CatalogueFilters.from_args({"q": query, "category": args.get("category") or ""})
    pagination = db.paginate(search_solutions(filters), page=args["page"], per_page=args["per_page"],
                             error_out=False, count=True)
    return _page(pagination, [solution_item(s) for s in pagination.items])


@bp.route("/solutions/<int:solution_id>")
@bp.response(200, SolutionDetailSchema)
@_errors(401, 404, 429)
def get_solution(solution_id: int):
    """Une solution

    Fiche d'une solution non archivée, avec les champs déclarés par l'éditeur.
    """
    return solution_item(_solution_or_404(solution_id), detail=True)


@bp.route("/categories")
@bp.arguments(PageArgsSchema, location="query", error_status_code=400)
@bp.response(200, CategoryPageSchema)
@_errors(401, 429)
def list_categories(args: dict[str, Any]):
    """Catégories de solutions

    Avec le nombre de solutions non archivées de chacune.
    """
    counts = (sa.select(sa.func.count()).where(Solution.category_id == Category.id, Solution.archived.is_(False))
              .correlate(Category).scalar_subquery())
    query = sa.select(Category, counts.label("solutions")).order_by(Category.position, Category.name_fr, Category.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Category)) or 0
    page, per_page = args["page"], args["per_page"]
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    items = [{"id": c.id, "slug": c.slug, "name": c.name_fr, "name_en": c.name_en, "description": c.description_fr,
              "solutions": int(n)} for c, n in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total, "pages": -(-total // per_page)}


@bp.route("/solutions/<int:solution_id>/scorecard")
@cached_response(_reader)
@bp.arguments(ScorecardArgsSchema, location="query", error_status_code=400)
@bp.response(200, ScorecardSchema)
@_errors(401, 404, 429)
def get_scorecard(args: dict[str, Any], solution_id: int):
    """Fiche statistique d'une solution

    Chaque chiffre est une cellule (`value`, `n` établissements, `ci` à 95 %, `suppressed`, `low_n`).
    Sans jeton d'analyste, la fiche est celle de la dernière publication statistique (`release`) : une cellule
    masquée par le secret statistique n'a ni valeur, ni intervalle, ni effectif (`"suppressed": true`), et les
    listes gardent tous les codes, dans l'ordre du vocabulaire. Avec un jeton d'analyste, les chiffres sont
    exacts et à jour ; aucune cellule donnée n'est marquée masquée, et `low_n` signale les faibles effectifs.
    `segment` et `value` ensemble restreignent la fiche à un segment (par exemple `segment=region&value=11`) ;
    `segment=period&value=12m` la restreint aux retours publiés dans les 12 derniers mois. `freshness` dit l'ancienneté
    des retours : âge médian (en mois entiers) du dernier retour de chaque établissement, part de plus de 18 mois.
    """
    solution = _solution_or_404(solution_id)
    segment = stats.Segment.parse(args.get("segment"), args.get("value"))
    analyst = _analyst()
    card = stats.scorecard(solution.id, segment, analyst=analyst)
    db.session.commit()  # keep the figures computed for this request in the cache
    return {**card, "solution_id": solution.id}


@bp.route("/observatory")
@cached_response(_reader)
@bp.response(200, ObservatorySchema)
@_errors(401, 429)
def get_observatory():
    """Observatoire national

    Adoption de l'IA par catégorie, région, type d'établissement et trimestre ; solutions les plus
    déployées ; taux d'arrêt. Chaque compte est un nombre d'établissements distincts.
    """
    data = stats.observatory(analyst=_analyst())
    db.session.commit()  # keep the figures computed for this request in the cache
    return data


# Guides -----------------------------------------------------------------------------------------------

GUIDE_SLUG = re.compile(r"[a-z0-9-]{1,160}")


def _version_item(guide: Guide, version: GuideVersion) -> dict[str, Any]:
    published_at = version.published_at
    if published_at is not None and published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=UTC)  # SQLite gives back naive UTC datetimes
    return {"number": version.number, "title": version.title, "published_at": published_at,
            "report_count": version.report_count,
            "links": {"html": public_url("guides.version", slug=guide.slug, number=version.number),
                      "pdf": public_url("guides.version_pdf", slug=guide.slug, number=version.number)}}


def guide_item(guide: Guide, detail: bool = False) -> dict[str, Any]:
    """A published guide and its versions; with `detail`, the visible sections of its latest version."""
    if guide.solution_id is not None:
        subject = {"type": "solution", "id": guide.solution.id, "name": guide.solution.name}
    else:
        subject = {"type": "category", "id": guide.category.id, "name": guide.category.name_fr}
    item = {
        "id": guide.id, "slug": guide.slug, "title": guide.title, "subject": subject,
        "latest_version": guide.latest_version.number,
        "versions": [_version_item(guide, version) for version in guide.versions],
        "links": {"self": public_url("api.get_guide", slug=guide.slug),
                  "html": public_url("guides.show", slug=guide.slug)},
    }
    if detail:
        # The snapshot's cells are already the visitors' view (suppressed cells blanked at generation).
        item["sections"] = guides.ordered_sections(guide.latest_version.snapshot, include_hidden=False)
    return item


@bp.route("/guides")
@bp.arguments(GuideArgsSchema, location="query", error_status_code=400)
@bp.response(200, GuidePageSchema)
@_errors(401, 429)
def list_guides(args: dict[str, Any]):
    """Guides de déploiement publiés

    Guides ayant au moins une version publiée, par ordre alphabétique, avec leurs versions (pages et PDF) ;
    filtre par catégorie (slug) : guides de la catégorie et de ses solutions.
    """
    query = guides.published_guides(args.get("category")).options(
        orm.selectinload(Guide.solution), orm.selectinload(Guide.category),
        orm.selectinload(Guide.versions).load_only(GuideVersion.number, GuideVersion.title, GuideVersion.published_at,
                                                   GuideVersion.report_count))
    pagination = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False, count=True)
    return _page(pagination, [guide_item(guide) for guide in pagination.items])


@bp.route("/guides/<slug>")
@bp.response(200, GuideDetailSchema)
@_errors(401, 404, 429)
def get_guide(slug: str):
    """Un guide de déploiement

    Le guide, ses versions publiées et, pour la dernière version, ses sections visibles : chiffres (cellules
    sous le secret statistique, telles que publiées) et phrases qui les énoncent.
    """
    guide = guides.published_guide(slug) if GUIDE_SLUG.fullmatch(slug) else None
    if guide is None:
        abort(404, message=_("Guide introuvable (identifiant inconnu ou guide jamais publié)."))
    return guide_item(guide, detail=True)
