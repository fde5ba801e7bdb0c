"""Establishment requests: registrations with a FINESS number no establishment carried, for the admins to decide."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.blueprint import bp
from app.admin.forms import ActionForm, RefuseRequestForm
from app.extensions import db
from app.models import EstablishmentRequest
from app.services import accounts, establishment_requests, notifications


@bp.route("/establishment-requests")
def establishment_requests_list():
    pending = db.session.scalars(establishment_requests.pending_requests()).all()
    decided = db.session.scalars(establishment_requests.decided_requests()).all()
    return render_template("admin/establishment_requests.html", pending=pending, decided=decided,
                           last_import=establishment_requests.last_finess_import())


def _request_page(request: EstablishmentRequest, refuse_form: RefuseRequestForm, status: int = 200):
    return render_template("admin/establishment_request.html", request_=request, refuse_form=refuse_form,
                           approve_form=ActionForm(), existing=establishment_requests.existing_establishment(request),
                           last_import=establishment_requests.last_finess_import()), status


@bp.route("/establishment-requests/<int:request_id>")
def establishment_request(request_id: int):
    return _request_page(db.get_or_404(EstablishmentRequest, request_id), RefuseRequestForm(formdata=None))


@bp.route("/establishment-requests/<int:request_id>/approve", methods=["POST"])
def approve_establishment_request(request_id: int):
    request = db.get_or_404(EstablishmentRequest, request_id)
    if ActionForm().validate_on_submit():
        try:
            establishment = establishment_requests.approve(request, current_user)
        except accounts.AccountError:
            flash(_("Cette demande a déjà été traitée."), "warning")
        else:
            notifications.requester_of_establishment_decision(request)
            if request.requester.status == "pending" and request.requester.establishment_id == establishment.id:
                notifications.approvers_of_registration(request.requester)
            db.session.commit()
            flash(_("L'établissement « %(name)s » est ajouté. Le compte de %(person)s attend maintenant sa "
                    "validation, comme toute inscription.", name=establishment.name,
                    person=request.requester.full_name or request.requester.email), "success")
            return redirect(url_for("admin.users", status="pending"))
    return redirect(url_for("admin.establishment_request", request_id=request.id))


@bp.route("/establishment-requests/<int:request_id>/refuse", methods=["POST"])
def refuse_establishment_request(request_id: int):
    request = db.get_or_404(EstablishmentRequest, request_id)
    form = RefuseRequestForm()
    if not form.validate_on_submit():
        return _request_page(request, form, 400 if request.status == "pending" else 200)
    try:
        establishment_requests.refuse(request, current_user, form.reason.data)
    except accounts.AccountError:
        flash(_("Cette demande a déjà été traitée."), "warning")
        return redirect(url_for("admin.establishment_request", request_id=request.id))
    notifications.requester_of_establishment_decision(request)
    db.session.commit()
    flash(_("La demande est refusée ; %(person)s en reçoit la raison par courriel.",
            person=request.requester.full_name or request.requester.email), "success")
    return redirect(url_for("admin.establishment_requests_list"))
