from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app import permissions
from app import vocabulary as v
from app.alerts.blueprint import bp
from app.alerts.forms import ActionForm, AlertForm, MessageForm, OutcomeForm, QuestionForm
from app.extensions import db
from app.models import EthicsAlert, Report, Solution
from app.models._types import parse_id
from app.services import alert_counts, exports
from app.services import alerts as service
from app.services.export_writers import csv_text
from app.services.privacy import TYPE_LABELS
from app.views_common import id_arg


def _solutions() -> list[SelectChoice]:
    rows = db.session.execute(sa.select(Solution.id, Solution.name, Solution.vendor)
                              .where(Solution.archived.is_(False)).order_by(Solution.name, Solution.vendor))
    return [SelectChoice(value=str(id_), label=f"{name} ({vendor})") for id_, name, vendor in rows]


def _warnings(findings: list[dict]) -> list[dict]:
    return [{**finding, "label": str(TYPE_LABELS.get(finding["type"], finding["type"]))} for finding in findings]


def _own_report(report_id: int | None) -> Report | None:
    """A report of the author's establishment the alert starts from (anything else is ignored)."""
    report = db.session.get(Report, report_id) if report_id else None
    return report if report is not None and permissions.is_member_of(current_user, report) else None


@bp.route("/new", methods=["GET", "POST"])
@permissions.require(permissions.can_raise_alerts)
def new():
    form = AlertForm()
    form.solution_id.choices = [SelectChoice(value="", label=_("Choisissez une solution")), *_solutions()]
    if request.method == "GET":
        report = _own_report(id_arg("report"))
        chosen = report.solution if report else None
        key = request.args.get("solution", "")
        if chosen is None and key:
            chosen = db.session.scalar(sa.select(Solution).where(Solution.slug == key, Solution.archived.is_(False)))
        if chosen is not None and not chosen.archived:
            form.solution_id.data = str(chosen.id)
        form.report_id.data = str(report.id) if report else ""
    warnings: list[dict] = []
    solution = None
    solution_id = parse_id(form.solution_id.data or "") if form.is_submitted() else None
    if solution_id is not None:
        solution = db.session.scalar(sa.select(Solution).where(Solution.id == solution_id,
                                                               Solution.archived.is_(False)))
    if form.validate_on_submit():
        if form.needs_vigilance(solution.device_class if solution else None) and not form.vigilance_declared.data:
            form.vigilance_declared.errors = [_("Indiquez si la déclaration de matériovigilance a été faite.")]
        else:
            findings = service.scan({"summary": form.summary.data, "description": form.description.data})
            if findings and not form.privacy_confirmed.data:
                warnings = _warnings(findings)
            else:
                report = _own_report(parse_id(form.report_id.data or ""))
                alert = service.raise_alert(
                    current_user, solution, category=form.category.data, summary=form.summary.data,
                    description=form.description.data, vendor_may_know_establishment=form.vendor_may_know.data == "yes",
                    vigilance_declared=form.vigilance_declared.data or None, report=report, findings=findings)
                db.session.commit()
                flash(_("Votre alerte est envoyée à la cellule éthique. Vous suivrez ici ses suites."), "success")
                return redirect(url_for("alerts.view", alert_id=alert.id))
    device = v.is_possible_device(solution.device_class) if solution else None
    return render_template("alerts/new.html", form=form, warnings=warnings, device=device,
                           portal=v.VIGILANCE_PORTAL)


@bp.route("/")
@permissions.require(permissions.can_raise_alerts)
def mine():
    return render_template("alerts/mine.html", alerts=service.authored_by(current_user))


@bp.route("/review")
@permissions.require(permissions.can_review_alerts)
def queue():
    return render_template("alerts/queue.html", alerts=service.queue())


def _alert_or_404(alert_id: int) -> EthicsAlert:
    alert = db.get_or_404(EthicsAlert, alert_id)
    if not permissions.can_view_alert(current_user, alert):
        abort(404)  # its existence is not revealed
    return alert


def _show(alert: EthicsAlert, *, message_form=None, question_form=None, outcome_form=None, warnings=None, status=200):
    reviewer = permissions.can_review_alerts(current_user)
    return render_template(
        "alerts/view.html", alert=alert, reviewer=reviewer, author=permissions.can_answer_alert(current_user, alert),
        history=service.history(alert) if reviewer else [], action_form=ActionForm(),
        message_form=message_form or MessageForm(prefix="answer"),
        question_form=question_form or QuestionForm(prefix="question"),
        outcome_form=outcome_form or OutcomeForm(prefix="outcome"), warnings=warnings or [],
        portal=v.VIGILANCE_PORTAL), status


@bp.route("/<int:alert_id>")
@login_required
def view(alert_id: int):
    return _show(_alert_or_404(alert_id))


def _refused(alert: EthicsAlert):
    db.session.rollback()
    flash(_("Cette action n'est plus possible : l'alerte a changé de statut."), "error")
    return redirect(url_for("alerts.view", alert_id=alert.id))


@bp.route("/<int:alert_id>/answer", methods=["POST"])
@login_required
def answer(alert_id: int):
    alert = _alert_or_404(alert_id)
    if not permissions.can_answer_alert(current_user, alert):
        abort(403)
    return _post_message(alert, MessageForm(prefix="answer"), "message_form", "answer", service.answer,
                         _("Votre réponse est envoyée à la cellule éthique."))


def _post_message(alert, form, form_name: str, field: str, send, sent: str):
    """A message of the alert's thread (the author's answer, a reviewer's question): checked, scanned for patient
    data (shown back with the text kept until confirmed), then sent."""
    if not form.validate_on_submit():
        return _show(alert, **{form_name: form})
    findings = service.scan({field: form.body.data})
    if findings and not form.privacy_confirmed.data:
        return _show(alert, **{form_name: form}, warnings=_warnings(findings))
    try:
        send(alert, current_user, form.body.data, findings)
    except service.AlertError:
        return _refused(alert)
    db.session.commit()
    flash(sent, "success")
    return redirect(url_for("alerts.view", alert_id=alert.id))


@bp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@permissions.require(permissions.can_review_alerts)
def acknowledge(alert_id: int):
    alert = _alert_or_404(alert_id)
    if ActionForm().validate_on_submit():
        try:
            service.acknowledge(alert, current_user)
        except service.AlertError:
            return _refused(alert)
        db.session.commit()
        flash(_("L'alerte est prise en compte ; son auteur en est informé."), "success")
    return redirect(url_for("alerts.view", alert_id=alert.id))


@bp.route("/<int:alert_id>/question", methods=["POST"])
@permissions.require(permissions.can_review_alerts)
def question(alert_id: int):
    alert = _alert_or_404(alert_id)
    return _post_message(alert, QuestionForm(prefix="question"), "question_form", "question", service.ask,
                         _("Votre question est envoyée à l'auteur de l'alerte."))


@bp.route("/<int:alert_id>/outcome", methods=["POST"])
@permissions.require(permissions.can_review_alerts)
def outcome(alert_id: int):
    alert = _alert_or_404(alert_id)
    form = OutcomeForm(prefix="outcome")
    if not form.validate_on_submit():
        return _show(alert, outcome_form=form)
    try:
        service.decide(alert, current_user, form.outcome.data, form.note.data)
    except service.AlertError:
        return _refused(alert)
    db.session.commit()
    flash(_("La suite donnée est enregistrée ; l'auteur en est informé."), "success")
    return redirect(url_for("alerts.view", alert_id=alert.id))


@bp.route("/counts.csv")
@permissions.require(permissions.can_export_alert_counts)
def counts_csv():
    filename = f"retex-ia-alertes-{exports.local_today().isoformat()}.csv"
    body = csv_text(alert_counts.EXPORT_COLUMNS, alert_counts.export_rows())
    headers = {"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store",
               "X-Content-Type-Options": "nosniff"}
    return Response(stream_with_context(body), mimetype="text/csv", headers=headers)
