from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, redirect, render_template, request, session
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import HiddenField

from app.extensions import db, limiter
from app.main.blueprint import bp
from app.models import Solution
from app.services.catalogue import categories
from app.urls import safe_redirect_target


class LanguageForm(FlaskForm):
    lang = HiddenField()
    next = HiddenField()


@bp.route("/")
def index():
    counts = dict(db.session.execute(
        sa.select(Solution.category_id, sa.func.count()).where(Solution.archived.is_(False))
        .group_by(Solution.category_id)).all())
    return render_template("main/index.html", categories=categories(), counts=counts)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: database unreachable")
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/langue", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    return redirect(safe_redirect_target(form.next.data))


@bp.app_context_processor
def inject_language_form():
    return {"language_form": LanguageForm, "request_path": request.full_path.rstrip("?") if request else "/"}
