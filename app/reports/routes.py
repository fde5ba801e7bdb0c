from __future__ import annotations

import json
import secrets
import uuid

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import permissions
from app import questionnaire as q
from app.auth import timeouts
from app.extensions import db, login_manager
from app.models import Report, Solution, User
from app.models.report import ReportStatus
from app.reports.blueprint import bp
from app.reports.forms import ActionForm, NewReportForm, SubmitForm, WithdrawForm, step_form
from app.reports.presenters import answer_rows, findings_as_spans, flags_as_spans
from app.services import draft_merge, notifications, peers, reminders, report_privacy
from app.services import reports as service
from app.services.catalogue import categories
from app.services.report_queries import establishment_reports, my_reports, reading, timeline, unsent_draft


@bp.before_request
def browser_key() -> None:
    # Identifies this browser, so that text typed after the login expired can be given back after login.
    session.setdefault(timeouts.BROWSER_KEY, secrets.token_urlsafe(16))


def _report_or_404(report_id: int, predicate=permissions.can_view_report) -> Report:
    report = db.session.get(Report, report_id)
    if report is None or not predicate(current_user, report):
        abort(404)
    return report


def _editable_revision_or_redirect(report: Report):
    revision = report.working_revision
    if revision is None or not revision.editable:
        flash(_("Ce retour n'est pas modifiable pour le moment."), "info")
        return None
    return revision


@bp.route("/")
@permissions.require(permissions.can_write_reports)
def mine():
    return render_template("reports/mine.html", reports=my_reports(current_user))


@bp.route("/establishment")
@permissions.require(permissions.can_write_reports)
def establishment():
    return render_template("reports/establishment.html", reports=establishment_reports(current_user.establishment_id))


@bp.route("/new", methods=["GET", "POST"])
@permissions.require(permissions.can_write_reports)
def new():
    solutions = db.session.scalars(sa.select(Solution).where(Solution.archived.is_(False))
                                   .order_by(Solution.name)).all()
    form = NewReportForm()
    form.solution_id.choices = [(0, _("Choisir une solution"))] + [(s.id, f"{s.name} — {s.vendor}") for s in solutions]
    if request.method == "GET":
        preselected = next((s for s in solutions if s.slug == request.args.get("solution")), None)
        form.solution_id.data = preselected.id if preselected else 0
        form.creation_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        solution = db.session.get(Solution, form.solution_id.data)
        if solution is None or solution.archived:
            form.solution_id.errors.append(_("Choisissez une solution du catalogue."))
        elif not form.new_anyway.data and (existing := _draft_to_offer(form.creation_key.data, solution)):
            return render_template("reports/new.html", form=form, categories=categories(), existing=existing)
        else:
            key = form.creation_key.data or None
            try:
                report, _created = service.new_report(current_user, solution, key)
                db.session.commit()
                if report.previous_report_id:
                    flash(_("Ce retour de suivi reprend les réponses de votre dernier retour publié sur cette "
                            "solution : modifiez ce qui a changé depuis."), "info")
            except IntegrityError:
                # The same form arrived twice at once (a retry, a double click): the first one made the draft.
                db.session.rollback()
                report = service.find_created_report(key) if key else None
                if report is None:
                    raise
            return redirect(url_for("reports.step", report_id=report.id, step=1))
    return render_template("reports/new.html", form=form, categories=categories())


def _draft_to_offer(creation_key: str | None, solution: Solution) -> Report | None:
    """The unsent draft on this solution that the user may continue, unless this very form created it (a double
    click or a retry goes to the draft it made)."""
    if creation_key and service.find_created_report(creation_key) is not None:
        return None
    draft = unsent_draft(current_user, solution.id)
    # The same form sent twice at once: its twin's draft may be committed between the two lookups.
    return None if draft is not None and creation_key and draft.creation_key == creation_key else draft


def _stash_for_login(report_id: int, step: int) -> None:
    """A POST that arrived after the login expired: keep what was typed for after the next login.

    Only for a report that the browser's last logged-in user may edit: a browser where no one who may edit it
    has logged in keeps nothing, so that visitors cannot fill the table."""
    last_user = session.get(timeouts.LAST_USER)
    user = db.session.get(User, last_user) if isinstance(last_user, int) else None
    report = db.session.get(Report, report_id)
    if user is None or report is None or step not in q.STEPS or not permissions.can_edit_report(user, report):
        return
    service.stash(report_id, session[timeouts.BROWSER_KEY], step, q.raw_answers(step, request.form))
    db.session.commit()


def _step_warnings(step: int, answers: dict):
    texts = {name: text for name, text in q.applicable_free_texts(answers).items()
             if q.FREE_TEXT_FIELDS[name] == step}
    return findings_as_spans(report_privacy.scan_texts(texts))


@bp.route("/<int:report_id>/continue")
def resume(report_id: int):
    """Where to take up the writing of a report: its first step with a missing or invalid answer, or the
    summary when every step is complete."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    report = _report_or_404(report_id, permissions.can_edit_report)
    revision = _editable_revision_or_redirect(report)
    if revision is None:
        return redirect(url_for("reports.view", report_id=report.id))
    step = q.check_completeness(revision.answers).first_incomplete_step
    if step is None:
        return redirect(url_for("reports.summary", report_id=report.id))
    return redirect(url_for("reports.step", report_id=report.id, step=step))


@bp.route("/<int:report_id>/step/<int:step>", methods=["GET", "POST"])
def step(report_id: int, step: int):
    if step not in q.STEPS:
        abort(404)
    if not current_user.is_authenticated:
        if request.method == "POST":
            _stash_for_login(report_id, step)
            flash(_("Votre session a expiré. Reconnectez-vous : ce que vous venez de saisir est conservé."), "warning")
        return login_manager.unauthorized()
    report = _report_or_404(report_id, permissions.can_edit_report)
    revision = _editable_revision_or_redirect(report)
    if revision is None:
        return redirect(url_for("reports.view", report_id=report.id))
    if service.restore_stash(revision, session[timeouts.BROWSER_KEY], current_user):
        db.session.commit()
        flash(_("Ce que vous aviez saisi avant l'expiration de votre session a été restauré."), "success")

    conflicts: dict = {}
    if request.method == "POST":
        merge, posted = _save(revision, step)
        db.session.commit()
        if merge.conflicts:
            # Both tabs changed these answers: the form shows this tab's, each with the other version beside it.
            conflicts = {name: {"shown": q.display(q.BY_NAME[name], revision.answers.get(name)) or "—",
                                "value": json.dumps(revision.answers.get(name), ensure_ascii=False)}
                         for name in merge.conflicts}
            form = step_form(step, {**revision.answers, **merge.conflicts})
            flash(ngettext("Ce brouillon a aussi été modifié dans un autre onglet. Vos autres réponses sont "
                           "enregistrées ; pour %(num)d réponse, les deux onglets diffèrent : choisissez la version à "
                           "garder, puis enregistrez.",
                           "Ce brouillon a aussi été modifié dans un autre onglet. Vos autres réponses sont "
                           "enregistrées ; pour %(num)d réponses, les deux onglets diffèrent : choisissez pour chacune "
                           "la version à garder, puis enregistrez.", len(conflicts)), "warning")
            return render_template("reports/step.html", report=report, revision=revision, form=form, step=step,
                                   warnings=_step_warnings(step, revision.answers), conflicts=conflicts,
                                   edit_base=draft_merge.base_of(revision.answers, step),
                                   hidden=form.hidden_questions()), 409
        if merge.kept:
            flash(_("Ce brouillon avait été modifié dans un autre onglet : vos réponses sont enregistrées, et celles "
                    "que vous n'aviez pas changées restent comme l'autre onglet les a enregistrées (%(fields)s). "
                    "Vérifiez l'étape avant de continuer.", fields=_labels(merge.kept)), "warning")
            return redirect(url_for("reports.step", report_id=report.id, step=step))
        form = step_form(step, revision.answers, formdata=posted)
        navigation = request.form.get("nav", "next")
        if navigation == "prev":
            return redirect(url_for("reports.step", report_id=report.id, step=max(step - 1, 1)))
        if navigation == "save":
            flash(_("Brouillon enregistré."), "success")
            return redirect(url_for("reports.step", report_id=report.id, step=step))
        if form.validate():
            target = (url_for("reports.step", report_id=report.id, step=step + 1) if step < q.STEP_COUNT
                      else url_for("reports.summary", report_id=report.id))
            return redirect(target)
    else:
        form = step_form(step, revision.answers)
    return render_template("reports/step.html", report=report, revision=revision, form=form, step=step,
                           warnings=_step_warnings(step, revision.answers), conflicts=conflicts,
                           edit_base=draft_merge.base_of(revision.answers, step), hidden=form.hidden_questions())


def _posted(step: int):
    """The step as posted, with the other tab's version wherever the contributor chose it on a conflict page. That
    version travels in the page (`theirs-<name>`): since the page was shown, its autosave may have written this
    tab's version over the saved one. It is then read and checked as a typed answer."""
    form, keep_saved = request.form.copy(), set()
    for name in q.names(step):
        if request.form.get(f"keep-{name}") != "saved":
            continue
        try:
            value = json.loads(request.form.get(f"theirs-{name}", ""))
        except ValueError:
            keep_saved.add(name)  # a page that does not carry it: the saved version is kept
            continue
        form.setlist(name, [str(item) for item in (value if isinstance(value, list) else [value]) if item is not None])
    return form, frozenset(keep_saved)


def _save(revision, step: int):
    """Save a step as posted, with the save count and answers' fingerprints its page was shown with; returns the
    merge and the answers as taken from the page."""
    form, keep_saved = _posted(step)
    merge = service.save_step(revision, step, q.raw_answers(step, form), current_user,
                              seen=request.form.get("edit_count", type=int),
                              base=draft_merge.parse_base(request.form.get("edit_base"), step), keep_saved=keep_saved)
    return merge, form


def _labels(names) -> str:
    return ", ".join(f"« {q.BY_NAME[name].label} »" for name in names)


@bp.route("/<int:report_id>/step/<int:step>/autosave", methods=["POST"])
def autosave(report_id: int, step: int):
    if step not in q.STEPS:
        abort(404)
    if not current_user.is_authenticated:
        _stash_for_login(report_id, step)
        return jsonify(status="expired", message=_("Votre session a expiré : reconnectez-vous. Ce que vous avez "
                                                   "saisi est conservé."),
                       login_url=url_for("auth.login", next=url_for("reports.step", report_id=report_id,
                                                                     step=step))), 401
    report = _report_or_404(report_id, permissions.can_edit_report)
    revision = report.working_revision
    if revision is None or not revision.editable:
        return jsonify(status="locked", message=_("Ce retour n'est plus modifiable.")), 409
    seen = request.form.get("edit_count", type=int)
    base = draft_merge.parse_base(request.form.get("edit_base"), step)
    merge, _form = _save(revision, step)
    db.session.commit()
    warnings = _step_warnings(step, revision.answers)
    count, page_base = draft_merge.page_state(revision.answers, step, merge, seen, revision.edit_count, base)
    time = format_datetime(revision.updated_at, "HH:mm")
    if merge.conflicts:
        message = _("Brouillon enregistré à %(time)s, mais ce brouillon a aussi été modifié dans un autre onglet et "
                    "certaines réponses diffèrent : cliquez sur « Enregistrer le brouillon » pour choisir la version à "
                    "garder.", time=time)
    elif merge.kept:
        message = _("Brouillon enregistré à %(time)s. Il a aussi été modifié dans un autre onglet : rechargez la "
                    "page pour voir toutes les réponses enregistrées.", time=time)
    else:
        message = _("Brouillon enregistré à %(time)s.", time=time)
    return jsonify(status="saved", saved_at=time, message=message, edit_count=count,
                   edit_base=json.dumps(page_base), merged=merge.told,
                   warnings_html=render_template("reports/_warnings.html", warnings=warnings,
                                                 answers=revision.answers))


@bp.route("/<int:report_id>/summary", methods=["GET", "POST"])
def summary(report_id: int):
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    report = _report_or_404(report_id, permissions.can_edit_report)
    form = SubmitForm()
    if request.method == "POST" and form.validate_on_submit():
        key = form.submission_key.data[:64]
        earlier = service.find_submission(key)
        if earlier is not None and earlier.revision.report_id == report.id:
            flash(_("Ce retour a déjà été envoyé : le voici."), "info")
            return redirect(url_for("reports.view", report_id=report.id))
        revision = report.working_revision
        if revision is None or not revision.editable:
            flash(_("Ce retour a déjà été envoyé : le voici."), "info")
            return redirect(url_for("reports.view", report_id=report.id))
        try:
            service.submit(revision, key, current_user)
            notifications.moderators_of_new_submission(report, revision)
            db.session.commit()
        except IntegrityError:
            # The same submission arrived twice at once: the first one won.
            db.session.rollback()
            flash(_("Ce retour a déjà été envoyé : le voici."), "info")
            return redirect(url_for("reports.view", report_id=report.id))
        except service.IncompleteReport as incomplete:
            db.session.rollback()
            step = incomplete.completeness.first_incomplete_step
            flash(_("Le questionnaire est incomplet : complétez l'étape %(step)d.", step=step), "error")
            return redirect(url_for("reports.step", report_id=report.id, step=step))
        except service.ReportError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("reports.view", report_id=report.id))
        flash(_("Merci ! Votre retour est envoyé à la modération. Vous serez prévenu(e) de sa publication."),
              "success")
        return redirect(url_for("reports.view", report_id=report.id))

    revision = _editable_revision_or_redirect(report)
    if revision is None:
        return redirect(url_for("reports.view", report_id=report.id))
    answers = revision.answers or {}
    warnings = findings_as_spans(report_privacy.scan_texts(q.applicable_free_texts(answers)))
    form.submission_key.data = uuid.uuid4().hex
    return render_template("reports/summary.html", report=report, revision=revision, form=form,
                           completeness=q.check_completeness(answers),
                           steps={step: answer_rows(step, answers, warnings) for step in q.STEPS},
                           warning_count=sum(len(v) for v in warnings.values()))


@bp.route("/<int:report_id>")
def view(report_id: int):
    report = _report_or_404(report_id)
    shown = reading(current_user, report, request.args.get("revision", type=int)) or abort(404)
    spans = flags_as_spans(shown.shown.flags) if shown.raw else {}
    return render_template("reports/view.html", report=report, shown=shown.shown, revisions=shown.revisions,
                           member=permissions.is_member_of(current_user, report),
                           steps={step: answer_rows(step, shown.answers, spans) for step in q.STEPS},
                           action_form=ActionForm(), show_identity=shown.show_identity,
                           can_restore=service.can_restore(report),
                           consent_to_withdraw=peers.has_consent_to_withdraw(report),
                           follow_up_answer=reminders.changes_of(report))


@bp.route("/<int:report_id>/update", methods=["POST"])
def start_update(report_id: int):
    report = _report_or_404(report_id, permissions.can_edit_report)
    if ActionForm().validate_on_submit():
        try:
            service.start_update(report, current_user)
        except service.ReportError as error:
            flash(str(error), "error")
            return redirect(url_for("reports.view", report_id=report.id))
        db.session.commit()
        flash(_("Nouvelle version ouverte : la version publiée reste visible jusqu'à la publication de celle-ci."),
              "info")
    return redirect(url_for("reports.step", report_id=report.id, step=1))


@bp.route("/<int:report_id>/withdraw", methods=["GET", "POST"])
def withdraw(report_id: int):
    """Withdrawing asks for confirmation and a reason: the page says what it changes, the form sends both."""
    report = _report_or_404(report_id, permissions.can_edit_report)
    if report.status == ReportStatus.WITHDRAWN:
        flash(_("Ce retour est déjà retiré."), "info")
        return redirect(url_for("reports.view", report_id=report.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            service.withdraw(report, current_user, form.reason.data)
            db.session.commit()
            flash(_("Le retour est retiré : il n'est plus pris en compte."), "info")
        except service.ReportError as error:
            db.session.rollback()
            flash(str(error), "error")
        return redirect(url_for("reports.view", report_id=report.id))
    return render_template("reports/withdraw.html", report=report, form=form)


@bp.route("/<int:report_id>/restore", methods=["POST"])
def restore(report_id: int):
    report = _report_or_404(report_id, permissions.can_restore_report)
    if ActionForm().validate_on_submit():
        try:
            service.restore(report, current_user)
            db.session.commit()
            flash(_("Le retrait est annulé : le retour est de nouveau publié et pris en compte."), "success")
        except service.ReportError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("reports.view", report_id=report.id))


@bp.route("/timeline/<int:solution_id>")
@permissions.require(permissions.can_write_reports)
def solution_timeline(solution_id: int):
    solution = db.get_or_404(Solution, solution_id)
    return render_template("reports/timeline.html", solution=solution,
                           reports=timeline(current_user.establishment_id, solution.id))
