"""The national FINESS extract, imported from the administration: the service the `flask import finess` command
calls, on an uploaded file."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.admin.blueprint import bp
from app.admin.forms import FinessImportForm
from app.extensions import db
from app.services.finess_import import FinessImportError, import_finess_data

MB = 1024 * 1024


def upload_limit() -> int:
    return current_app.config["FINESS_UPLOAD_MAX_MB"] * MB


def allow_extract_upload() -> None:
    """Before the CSRF check reads the body: the extract outgrows the site's 1 MB limit, for administrators only
    (anyone else still meets the site's limit). A little room over the file's own limit lets the page say, in
    French, that a file is too large rather than answer with the 413 page."""
    if (request.endpoint == "admin.finess_import" and request.method == "POST"
            and permissions.can_administer(current_user)):
        request.max_content_length = upload_limit() + MB


@bp.route("/finess-import", methods=["GET", "POST"])
def finess_import():
    form = FinessImportForm()
    report = error = None
    if form.validate_on_submit():
        raw = form.extract.data.read(upload_limit() + 1)
        filename = form.extract.data.filename or "extrait"
        if len(raw) > upload_limit():
            form.extract.errors.append(_("Le fichier dépasse %(mb)d Mo : importez-le avec la commande « flask import "
                                         "finess ».", mb=current_app.config["FINESS_UPLOAD_MAX_MB"]))
        else:
            try:
                report = import_finess_data(raw, filename, current_user.id)
            except UnicodeDecodeError:
                error = _("Fichier illisible : le flux JSON doit être encodé en UTF-8.")
            except FinessImportError as failure:
                error = str(failure)
            if error or form.dry_run.data:
                db.session.rollback()
            else:
                db.session.commit()
            if error:
                form.extract.errors.append(error)
                report = None
    status = 400 if form.errors and request.method == "POST" else 200
    return render_template("admin/finess_import.html", form=form, report=report,
                           dry_run=bool(form.dry_run.data), max_mb=current_app.config["FINESS_UPLOAD_MAX_MB"]), status
