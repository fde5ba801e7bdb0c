"""The failed background jobs (the dead letters): what failed and why, to run again or delete."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.admin.blueprint import bp
from app.admin.forms import ActionForm
from app.services import jobs, jobs_admin

JOB_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def _queue_in_use() -> bool:
    app = current_app._get_current_object()
    return app.config["JOBS_MODE"] == "queue" and jobs.redis_available(app)


@bp.route("/jobs")
def failed_jobs():
    app = current_app._get_current_object()
    in_use = _queue_in_use()
    return render_template("admin/jobs.html", in_use=in_use, action_form=ActionForm(),
                           counts=jobs_admin.counts(app) if in_use else None,
                           failed=jobs_admin.failed_jobs(app) if in_use else [])


def _act(job_id: str, action, done: str):
    if not JOB_ID.fullmatch(job_id):
        abort(404)
    if ActionForm().validate_on_submit():
        if _queue_in_use() and action(current_app._get_current_object(), job_id):
            flash(done, "success")
        else:
            flash(_("Cette tâche n'est plus parmi les tâches en échec."), "warning")
    return redirect(url_for("admin.failed_jobs"))


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
def retry_job(job_id: str):
    return _act(job_id, jobs_admin.retry, _("La tâche est remise dans la file d'attente."))


@bp.route("/jobs/<job_id>/delete", methods=["POST"])
def delete_job(job_id: str):
    return _act(job_id, jobs_admin.delete, _("La tâche est supprimée."))
