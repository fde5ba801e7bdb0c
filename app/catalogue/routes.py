from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user

from app import permissions
from app.catalogue.blueprint import bp
from app.extensions import db
from app.page_cache import cached_page, render_page
from app.services import catalogue_figures, peers
from app.services.catalogue import CatalogueFilters, categories, covering_guides, find_solution, search_solutions
from app.views_common import page_arg


@bp.route("")
@cached_page(audience=[permissions.is_visitor, permissions.can_write_reports])
def index():
    filters = CatalogueFilters.from_args(request.args)
    pagination = db.paginate(search_solutions(filters), page=page_arg(),
                             per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    ids = [s.id for s in pagination.items]
    return render_page("catalogue/index.html", pagination=pagination, filters=filters, categories=categories(),
                       figures=catalogue_figures.headlines(ids), guides=covering_guides(pagination.items),
                       sorts=catalogue_figures.SORTS)


@bp.route("/<key>")
def solution(key: str):
    if permissions.can_contact_peers(current_user):
        # Members of an establishment see the peers they may contact, which change with every consent given or
        # withdrawn: their page is rendered each time, not kept.
        return _solution_page(key, with_peers=True)
    return _kept_solution_page(key)


@cached_page(audience=[permissions.can_see_archived_solutions, permissions.can_edit_catalogue,
                        permissions.can_contact_peers, permissions.can_write_reports, permissions.can_raise_alerts,
                        permissions.is_visitor])
def _kept_solution_page(key: str):
    return _solution_page(key, with_peers=False)


# The pages kept for the readers without an establishment answer for this route (tests of shared pages read it).
solution.page_audience = _kept_solution_page.page_audience  # type: ignore[attr-defined]


def _solution_page(key: str, with_peers: bool):
    item = find_solution(key, include_archived=permissions.can_see_archived_solutions(current_user))
    if item is None:
        abort(404)
    return render_page("catalogue/solution.html", solution=item,
                       figures=catalogue_figures.solution_headline(item.id), guide=covering_guides([item]).get(item.id),
                       peers=peers.contactable_peers(item.id, current_user) if with_peers else None)
