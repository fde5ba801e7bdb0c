from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app import permissions
from app.extensions import db
from app.guides.blueprint import bp
from app.guides.forms import GuideEditForm, NewGuideForm, PublishForm
from app.models import Category, Guide, GuideVersion, Report, Solution
from app.page_cache import cached_page, cached_response, render_page
from app.services import guides as service
from app.services.markdown_text import render


def _published_guide_or_404(slug: str) -> Guide:
    return service.published_guide(slug) or abort(404)


def _version_or_404(guide: Guide, number: int) -> GuideVersion:
    return next((v for v in guide.versions if v.number == number), None) or abort(404)


# Reading ----------------------------------------------------------------------------------------------

@bp.route("")
@cached_page(audience=[])
def index():
    slug = request.args.get("category", "")
    category = db.session.scalar(sa.select(Category).where(Category.slug == slug)) if slug else None
    query = service.published_guides(category.slug if category is not None else None)
    categories = db.session.scalars(sa.select(Category).order_by(Category.position)).all()
    return render_page("guides/index.html", guides=db.session.scalars(query).all(), categories=categories,
                           category=category)


def _render_version(guide: Guide, version: GuideVersion):
    sections = service.ordered_sections(version.snapshot, include_hidden=False)
    return render_page("guides/version.html", guide=guide, version=version, sections=sections,
                       snapshot=version.snapshot, analyst=permissions.can_edit_guides(current_user))


@bp.route("/<slug>")
@cached_page(audience=[permissions.can_edit_guides])
def show(slug: str):
    guide = _published_guide_or_404(slug)
    return _render_version(guide, guide.latest_version)


@bp.route("/<slug>/versions/<int:number>")
@cached_page(audience=[permissions.can_edit_guides])
def version(slug: str, number: int):
    guide = _published_guide_or_404(slug)
    return _render_version(guide, _version_or_404(guide, number))


@bp.route("/<slug>/versions/<int:number>.pdf")
# A published version's PDF is the same document for every reader, in French whatever the language, and shows
# the figures of the release it was written from: a later release leaves it as it is.
@cached_response(lambda: "anyone", by_query=False, statistics=False)
def version_pdf(slug: str, number: int):
    from app.services.guide_pdf import pdf_for

    guide = _published_guide_or_404(slug)
    pdf = pdf_for(_version_or_404(guide, number))
    db.session.commit()  # the PDF is kept: produced once, served from storage afterwards
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{guide.slug}-v{number}.pdf"'})


@bp.route("/<slug>/changes")
def changes(slug: str):
    guide = _published_guide_or_404(slug)
    new_number = request.args.get("to", guide.latest_version.number, type=int)
    old_number = request.args.get("from", new_number - 1, type=int)
    new, old = _version_or_404(guide, new_number), _version_or_404(guide, old_number)
    return render_template("guides/changes.html", guide=guide, old=old, new=new, log=service.changelog(old, new))


# Writing (analysts) -----------------------------------------------------------------------------------

@bp.route("/manage")
@permissions.require(permissions.can_edit_guides)
def manage():
    guides = db.session.scalars(sa.select(Guide).order_by(Guide.updated_at.desc())).all()
    return render_template("guides/manage.html", guides=guides, form=_new_guide_form())


def _new_guide_form() -> NewGuideForm:
    form = NewGuideForm()
    solutions = db.session.scalars(sa.select(Solution).where(Solution.archived.is_(False)).order_by(Solution.name))
    categories = db.session.scalars(sa.select(Category).order_by(Category.position))
    form.subject.choices = ([SelectChoice(f"solution:{s.id}", _("Solution : %(name)s", name=s.name)) for s in solutions]
                            + [SelectChoice(f"category:{c.id}", _("Catégorie : %(name)s", name=c.name_fr))
                               for c in categories])
    return form


@bp.route("/manage/new", methods=["POST"])
@permissions.require(permissions.can_edit_guides)
def create():
    form = _new_guide_form()
    if not form.validate_on_submit():
        flash(_("Choisissez une solution ou une catégorie."), "error")
        return redirect(url_for("guides.manage"))
    kind, _sep, identifier = form.subject.data.partition(":")
    subject = db.session.get(Solution if kind == "solution" else Category, int(identifier))
    guide = service.create_guide(current_user, **{kind: subject})
    db.session.commit()
    flash(_("Brouillon généré à partir des retours publiés."), "success")
    return redirect(url_for("guides.edit", guide_id=guide.id))


def _guide_or_404(guide_id: int) -> Guide:
    return db.get_or_404(Guide, guide_id)


def _editor_page(guide: Guide, form: GuideEditForm, status: int = 200):
    sections = {s["key"]: s for s in service.ordered_sections(guide.draft)}
    return render_template("guides/edit.html", guide=guide, form=form, sections=sections,
                           candidates=service.quote_candidates(guide),
                           new_reports=service.new_reports_since(guide)), status


def _typed_changes(form: GuideEditForm) -> dict[str, dict]:
    """What the analyst typed, section by section, leaving out only the fields that failed their checks (those
    stay on the page with their error): nothing valid waits for another field to be corrected."""
    changes: dict[str, dict] = {}
    for entry in form.sections:  # a section named twice: its first entry, as the page shows it
        if entry.key.data in changes:
            continue
        change = {"visible": entry.visible.data}
        if not entry.narrative.errors:
            change["narrative"] = entry.narrative.data
        if not entry.position.errors:
            change["position"] = entry.position.data
        changes[entry.key.data] = change
    return changes


@bp.route("/manage/<int:guide_id>", methods=["GET", "POST"])
@permissions.require(permissions.can_edit_guides)
def edit(guide_id: int):
    """The editor: one form, whose every button saves what is typed before doing what it says."""
    guide = _guide_or_404(guide_id)
    if request.method == "GET":
        form = GuideEditForm(data={"sections": [{"key": s["key"], "narrative": s.get("narrative", ""),
                                                 "visible": s.get("visible", True), "position": s.get("position", 0)}
                                                for s in service.ordered_sections(guide.draft)]})
        return _editor_page(guide, form)
    form = GuideEditForm()
    valid = form.validate_on_submit()  # the token itself is checked by CSRFProtect before any view
    try:
        service.update_sections(guide, _typed_changes(form), current_user)
    except service.GuideError as error:  # the form's own checks come first: a rule changed in between
        db.session.rollback()
        flash(str(error), "error")
        return _editor_page(guide, form)
    db.session.commit()
    if not valid:
        # Nothing else is done: the analyst corrects the field shown in error, all the text still on the page.
        return _editor_page(guide, form)
    action, report_id, field = form.requested()
    anchor = ""
    if action == "preview":
        return redirect(url_for("guides.preview", guide_id=guide.id))
    if action == "publish":
        return redirect(url_for("guides.publish", guide_id=guide.id))
    if action == "generate":
        service.generate_draft(guide, current_user)
        flash(_("Textes enregistrés ; chiffres recalculés à partir des retours publiés."), "success")
    elif action == "cite":
        anchor = "#quotes"
        try:
            service.add_quote(guide, report_id, field, current_user)
        except service.GuideError as error:
            flash(_("Textes enregistrés.") + " " + str(error), "error")
        else:
            flash(_("Textes enregistrés ; citation ajoutée."), "success")
    elif action == "uncite":
        anchor = "#quotes"
        service.remove_quote(guide, report_id, field, current_user)
        flash(_("Textes enregistrés ; citation retirée."), "success")
    else:
        flash(_("Brouillon enregistré."), "success")
    db.session.commit()
    return redirect(url_for("guides.edit", guide_id=guide.id) + anchor)


@bp.route("/manage/<int:guide_id>/preview")
@permissions.require(permissions.can_edit_guides)
def preview(guide_id: int):
    guide = _guide_or_404(guide_id)
    sections = []
    for section in service.ordered_sections(guide.draft, include_hidden=False):
        sections.append({**section, "narrative_html": str(render(section.get("narrative", "")))})
    return render_template("guides/version.html", guide=guide, version=None, sections=sections,
                           snapshot=guide.draft, analyst=True, preview=True)


@bp.route("/manage/<int:guide_id>/publish", methods=["GET", "POST"])
@permissions.require(permissions.can_edit_guides)
def publish(guide_id: int):
    """Publishing is confirmed on a page showing what changes since the latest version; the confirmation
    carries a digest of what was shown, so that a draft changed in between is shown again, not published."""
    guide = _guide_or_404(guide_id)
    form = PublishForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Vérifiez ce qui change, puis confirmez la publication."), "error")
            return redirect(url_for("guides.publish", guide_id=guide.id))
        if form.shown.data != service.draft_fingerprint(guide):
            flash(_("Le brouillon a changé depuis l'affichage de cette page : vérifiez ce qui change avant de "
                    "confirmer."), "error")
            return redirect(url_for("guides.publish", guide_id=guide.id))
        try:
            version = service.publish(guide, current_user)
        except service.GuideError as error:
            flash(str(error), "error")
            return redirect(url_for("guides.edit", guide_id=guide.id))
        db.session.commit()
        flash(_("Version %(n)d publiée.", n=version.number), "success")
        return redirect(url_for("guides.version", slug=guide.slug, number=version.number))
    form.shown.data = service.draft_fingerprint(guide)
    latest = guide.latest_version
    return render_template("guides/publish.html", guide=guide, form=form, latest=latest,
                           number=(latest.number + 1) if latest else 1, log=service.pending_changes(guide),
                           error=service.publication_error(guide))


@bp.route("/manage/<int:guide_id>/evidence")
@permissions.require(permissions.can_edit_guides)
def evidence(guide_id: int):
    guide = _guide_or_404(guide_id)
    number = request.args.get("version", type=int)
    source = _version_or_404(guide, number).snapshot if number else guide.draft
    reports = db.session.scalars(sa.select(Report).where(Report.id.in_(source.get("evidence", [])))
                                 .order_by(Report.id)).all()
    return render_template("guides/evidence.html", guide=guide, reports=reports, number=number)
