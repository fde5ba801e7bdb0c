from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app import permissions
from app import vocabulary as v
from app.admin.blueprint import bp
from app.admin.forms import ActionForm, EstablishmentForm, SolutionForm, UserForm
from app.extensions import db
from app.models import Establishment, Solution, User
from app.services import accounts, catalogue, establishment_requests, establishments, notifications
from app.services.catalogue import CatalogueFilters
from app.services.wording import of_name
from app.views_common import page_arg


@bp.before_request
@permissions.require(permissions.can_administer)
def only_admins():
    """Every admin page: administrators only."""


def _page() -> int:
    return page_arg()


@bp.route("/")
def dashboard():
    counts = {
        "pending": db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.status == "pending")),
        "establishment_requests": establishment_requests.count_pending(),
        "users": db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        "establishments": db.session.scalar(sa.select(sa.func.count()).select_from(Establishment)),
        "solutions": db.session.scalar(sa.select(sa.func.count()).select_from(Solution)
                                       .where(Solution.archived.is_(False))),
    }
    return render_template("admin/dashboard.html", counts=counts)


# Users ----------------------------------------------------------------------------------------------

@bp.route("/users")
def users():
    status = request.args.get("status", "")
    q = (request.args.get("q") or "").strip()[:200]
    query = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if status in v.USER_STATUSES:
        query = query.where(User.status == status)
    if q:
        query = query.where(sa.or_(User.email.like(f"%{q.lower()}%"), sa.func.lower(User.full_name).like(f"%{q.lower()}%")))
    pagination = db.paginate(query, page=_page(), per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("admin/users.html", pagination=pagination, status=status, q=q, action_form=ActionForm(),
                           locked=accounts.locked_user_ids(pagination.items))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.finess.data = user.establishment.finess if user.establishment else ""
    if form.validate_on_submit():
        establishment = accounts.find_establishment_by_finess(form.finess.data) if form.finess.data else None
        if form.finess.data and establishment is None:
            form.finess.errors.append(_("Aucun établissement n'est enregistré sous ce numéro FINESS."))
        else:
            try:
                accounts.update_user(user, form.role.data, form.status.data, establishment, current_user)
            except accounts.AccountError as error:
                if str(error) == "own_rights":
                    form.role.errors.append(_("Vous ne pouvez pas retirer vos propres droits d'administrateur : "
                                              "demandez-le à un autre administrateur."))
                elif str(error) == "last_ethics_reviewer":  # shown next to the field that would remove the role
                    field = form.status if form.status.data != "active" else form.role
                    field.errors.append(_("C'est le dernier référent éthique actif de la plateforme : les "
                                          "alertes sur les retours ne parviendraient plus à personne. Nommez "
                                          "d'abord un autre référent éthique."))
                else:
                    form.finess.errors.append(_("Un contributeur ou un référent doit être rattaché à un "
                                                "établissement."))
            else:
                if user.id == current_user.id:
                    login_user(user)
                db.session.commit()
                flash(_("Compte mis à jour."), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, locks=accounts.login_locks(user),
                           action_form=ActionForm())


@bp.route("/users/<int:user_id>/approve", methods=["POST"])
def approve_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit() and permissions.can_approve_user(current_user, user):
        accounts.approve_user(user, current_user)
        notifications.account_decision(user, approved=True)
        db.session.commit()
        flash(_("Le compte %(of_name)s est activé.", of_name=of_name(user.full_name or user.email)), "success")
    return redirect(url_for("admin.users", status="pending"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
def unlock_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if ActionForm().validate_on_submit() and accounts.unlock(user, current_user, "admin"):
        db.session.commit()
        flash(_("Le compte %(of_name)s est déverrouillé.", of_name=of_name(user.full_name or user.email)), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


# Establishments -------------------------------------------------------------------------------------

@bp.route("/establishments")
def establishments_list():
    q = request.args.get("q", "")
    region = request.args.get("region", "") if request.args.get("region") in v.REGIONS else ""
    type_code = request.args.get("type", "") if request.args.get("type") in v.ESTABLISHMENT_TYPES else ""
    query = establishments.search_establishments(q, region, type_code)
    pagination = db.paginate(query, page=_page(), per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("admin/establishments.html", pagination=pagination, q=q, region=region, type_code=type_code)


def _establishment_form_page(establishment: Establishment | None):
    form = EstablishmentForm(obj=establishment)
    if form.validate_on_submit():
        if establishments.finess_taken(form.finess.data, exclude_id=establishment.id if establishment else None):
            form.finess.errors.append(_("Un autre établissement porte déjà ce numéro FINESS."))
        else:
            data = {name: form[name].data for name in ("finess",) + establishments.EDITABLE}
            saved = establishments.save_establishment(establishment, data, current_user.id)
            db.session.commit()
            flash(_("Établissement « %(name)s » enregistré.", name=saved.name), "success")
            return redirect(url_for("admin.establishments_list", q=saved.finess))
    return render_template("admin/establishment_form.html", form=form, establishment=establishment)


@bp.route("/establishments/new", methods=["GET", "POST"])
def new_establishment():
    return _establishment_form_page(None)


@bp.route("/establishments/<int:establishment_id>", methods=["GET", "POST"])
def edit_establishment(establishment_id: int):
    return _establishment_form_page(db.get_or_404(Establishment, establishment_id))


# Solutions ------------------------------------------------------------------------------------------

@bp.route("/solutions")
def solutions_list():
    filters = CatalogueFilters.from_args(request.args, include_archived=True)
    pagination = db.paginate(catalogue.search_solutions(filters), page=_page(),
                             per_page=current_app.config["ITEMS_PER_PAGE"], error_out=False)
    return render_template("admin/solutions.html", pagination=pagination, filters=filters, action_form=ActionForm())


def _solution_form_page(solution: Solution | None):
    form = SolutionForm(obj=solution, categories=catalogue.categories(), locale=str(get_locale()))
    if request.method == "GET" and solution is not None:
        form.hosting.data = solution.hosting_options
        form.integration.data = solution.integrations
        form.sector.data = solution.sectors
        form.ce_marked.data = {True: "yes", False: "no"}.get(solution.ce_marked, "")
    if form.validate_on_submit() and catalogue.name_taken(form.name.data, form.vendor.data,
                                                          exclude_id=solution.id if solution else None):
        form.name.errors.append(_("Cet éditeur a déjà une solution de ce nom dans le catalogue."))
    elif form.validate_on_submit():
        saved = catalogue.save_solution(solution, form.cleaned(), current_user.id)
        db.session.commit()
        flash(_("Solution « %(name)s » enregistrée.", name=saved.name), "success")
        return redirect(url_for("catalogue.solution", key=saved.slug))
    return render_template("admin/solution_form.html", form=form, solution=solution)


@bp.route("/solutions/new", methods=["GET", "POST"])
def new_solution():
    return _solution_form_page(None)


@bp.route("/solutions/<int:solution_id>", methods=["GET", "POST"])
def edit_solution(solution_id: int):
    return _solution_form_page(db.get_or_404(Solution, solution_id))


@bp.route("/solutions/<int:solution_id>/archive", methods=["POST"])
def archive_solution(solution_id: int):
    solution = db.get_or_404(Solution, solution_id)
    if ActionForm().validate_on_submit():
        catalogue.set_archived(solution, not solution.archived, current_user.id)
        db.session.commit()
        flash(_("Solution archivée.") if solution.archived else _("Solution rétablie dans le catalogue."), "success")
    return redirect(url_for("admin.solutions_list"))
