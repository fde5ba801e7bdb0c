from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from app import permissions
from app.catalogue import bp
from app.extensions import db
from app.services.catalogue import CatalogueFilters, categories, find_solution, search_solutions
from app.views_common import page_arg


@bp.route("")
def index():
    filters = CatalogueFilters.from_args(request.args)
    pagination = db.paginate(search_solutions(filters), page=page_arg(),
                             per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("catalogue/index.html", pagination=pagination, filters=filters,
                           categories=categories())


@bp.route("/<key>")
def solution(key: str):
    item = find_solution(key, include_archived=permissions.can_see_archived_solutions(current_user))
    if item is None:
        abort(404)
    return render_template("catalogue/solution.html", solution=item)
