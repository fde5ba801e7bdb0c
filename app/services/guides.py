"""Guides: generate a draft from the statistics, edit it, pick quotes, publish immutable versions."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from slugify import slugify

from app.extensions import db
from app.models import Category, Guide, GuideVersion, PrivacyFlag, Report, ReportFact, Solution, User
from app.models._types import utcnow
from app.models.report import ReportStatus
from app.services import audit, jobs, notices, releases, stat_cells, stats
from app.services.guide_changes import compare, content, fingerprint
from app.services.guide_sections import build_sections, checklist, declared_fields
from app.services.guide_sections import ordered_sections as ordered_sections  # views, API and PDF read it here
from app.services.markdown_text import render
from app.services.readable import readable_answers

QUOTABLE_FIELDS = ("advice", "success_factors", "difficulties_text")
MAX_NARRATIVE = 20_000
# A guide is a French document whatever the language of the analyst who generates it: its title, section titles,
# sentences and checklist are written in French (English pages say so).
GUIDE_LOCALE = "fr"


class GuideError(Exception):
    """A rule refused the operation; the message is for the analyst."""


def published_guides(category_slug: str | None = None) -> sa.Select:
    """Guides with at least one published version, in title order; with a category, the category's guides and
    those of its solutions. Pages and the API read the same query."""
    query = (sa.select(Guide).where(Guide.id.in_(sa.select(GuideVersion.guide_id)))
             .outerjoin(Solution, Solution.id == Guide.solution_id).order_by(Guide.title, Guide.id))
    if category_slug:
        category_id = sa.select(Category.id).where(Category.slug == category_slug).scalar_subquery()
        query = query.where(sa.or_(Guide.category_id == category_id, Solution.category_id == category_id))
    return query


def published_guide(slug: str) -> Guide | None:
    return db.session.scalar(sa.select(Guide).where(Guide.slug == slug, Guide.id.in_(sa.select(GuideVersion.guide_id))))


def create_guide(actor: User, solution: Solution | None = None, category: Category | None = None) -> Guide:
    if (solution is None) == (category is None):
        raise GuideError(_("Un guide porte sur une solution ou sur une catégorie."))
    with force_locale(GUIDE_LOCALE):
        title = (_("Retours d'expérience : %(name)s", name=solution.name) if solution
                 else _("Déployer une IA : %(category)s", category=category.name_fr))
    base = slugify(title)[:140]
    slug, n = base, 2
    while db.session.scalar(sa.select(Guide.id).where(Guide.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    guide = Guide(slug=slug, title=title, solution=solution, category=category, created_by_id=actor.id, draft={})
    db.session.add(guide)
    db.session.flush()
    generate_draft(guide, actor)
    audit.record(actor.id, "guide.created", "guide", guide.id)
    return guide


def generate_draft(guide: Guide, actor: User) -> None:
    """Recompute figures, charts and sentences from today's facts; the analyst's narratives, order, hidden
    sections and quotes are kept."""
    # A guide is read by everyone: its figures are those of the subject's current statistics release.
    scope = (releases.solution_scope(guide.solution_id) if guide.solution_id is not None
             else releases.category_scope(guide.category_id))
    card = releases.visitor_scorecard(scope)
    with force_locale(GUIDE_LOCALE):
        sections = build_sections(card, {"declared": declared_fields(guide.solution),
                                         "alerts": releases.visitor_alerts(scope)})
        recommendations = checklist(card, stats.minimum())
    previous = {s["key"]: s for s in (guide.draft or {}).get("sections", [])}
    for section in sections:
        kept = previous.get(section["key"])
        if kept:
            section.update(narrative=kept.get("narrative", ""), visible=kept.get("visible", True),
                           position=kept.get("position", section["position"]))
    current = releases.latest(scope)
    # The reports behind the release's figures; none when the release shows nothing (the count is published).
    report_ids = sorted(current.state.get("reports") or []) if current and not card["suppressed"] else []
    guide.draft = {
        "sections": sections,
        "checklist": recommendations,
        "quotes": (guide.draft or {}).get("quotes", []),
        "evidence": report_ids,
        "source": {"establishments": card["establishments"]["value"], "reports": len(report_ids),
                   "computed_at": utcnow().isoformat(), "release": card.get("release")},
    }
    guide.draft_generated_at = utcnow()
    audit.record(actor.id, "guide.generated", "guide", guide.id, reports=len(report_ids))


def update_sections(guide: Guide, changes: dict[str, dict[str, Any]], actor: User) -> bool:
    """Save narratives (Markdown), visibility and order, section by section; True when something changed (only
    then is it written to the audit log: every button of the editor saves first)."""
    draft = copy.deepcopy(guide.draft)
    for section in draft["sections"]:
        change = changes.get(section["key"])
        if not change:
            continue
        if "narrative" in change:
            text = str(change["narrative"] or "")
            if len(text) > MAX_NARRATIVE:
                raise GuideError(_("Le texte d'une section ne peut pas dépasser %(n)d caractères.", n=MAX_NARRATIVE))
            section["narrative"] = text
        if "visible" in change:
            section["visible"] = bool(change["visible"])
        if "position" in change:
            section["position"] = int(change["position"])
    if draft == guide.draft:
        return False
    guide.draft = draft
    audit.record(actor.id, "guide.edited", "guide", guide.id)
    return True


# Quotes -----------------------------------------------------------------------------------------------

def quote_candidates(guide: Guide, limit: int = 60) -> list[dict[str, Any]]:
    """Published free texts of the guide's voices that may be quoted (no unresolved personal-data flag)."""
    reports = db.session.scalars(sa.select(Report).where(Report.id.in_(guide.draft.get("evidence", [])[:2000]))
                                 .order_by(Report.id.desc()).limit(limit * 2)).all()
    candidates = []
    peers = _peers(guide)
    for report in reports:
        revision = report.published_revision
        if revision is None:
            continue
        for field in QUOTABLE_FIELDS:
            text = str((revision.answers or {}).get(field) or "").strip()
            if text and not _flagged(revision.id, field):
                candidates.append({"report_id": report.id, "field": field, "text": text,
                                   "establishment": _pseudonym(report, peers)})
    return candidates[:limit]


def _flagged(revision_id: int, field: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PrivacyFlag).where(
        PrivacyFlag.revision_id == revision_id, PrivacyFlag.field == field,
        PrivacyFlag.status.in_(("open", "rewrite")))) > 0


def _peers(guide: Guide) -> Counter:
    """How many of the subject's establishments share each (type, size) and each type: a quote's label may name
    only a group of at least the minimum, or its free text would point at one establishment (a lone CLCC)."""
    subject = (ReportFact.solution_id == guide.solution_id if guide.solution_id is not None
               else ReportFact.category_id == guide.category_id)
    counts: Counter = Counter()
    for kind, size, establishments in db.session.execute(
            sa.select(ReportFact.establishment_type, ReportFact.size_class,
                      sa.func.count(sa.distinct(ReportFact.establishment_id)))
            .where(subject).group_by(ReportFact.establishment_type, ReportFact.size_class)):
        counts[(kind, size)] += establishments
        counts[kind] += establishments  # an establishment has one type: the sizes of a type add up
    return counts


def _pseudonym(report: Report, peers: Counter) -> str:
    """Type and size, type alone, or nothing, whichever is the most the subject's establishments share with the
    quoted one in groups of at least the minimum."""
    from app import vocabulary as v

    establishment = report.establishment
    minimum = stat_cells.minimum()
    kind = v.label(v.ESTABLISHMENT_TYPES, establishment.type)
    if peers[(establishment.type, establishment.size_class)] >= minimum:
        return f"{kind} · {v.label(v.SIZE_CLASSES, establishment.size_class)}"
    if peers[establishment.type] >= minimum:
        return str(kind)
    return _("Un établissement")


def add_quote(guide: Guide, report_id: int, field: str, actor: User) -> None:
    if field not in QUOTABLE_FIELDS or report_id not in guide.draft.get("evidence", []):
        raise GuideError(_("Ce texte ne fait pas partie des retours publiés de ce guide."))
    report = db.session.get(Report, report_id)
    revision = report.published_revision if report else None
    if revision is None or report.status != ReportStatus.PUBLISHED:
        raise GuideError(_("Ce texte ne fait pas partie des retours publiés de ce guide."))
    if _flagged(revision.id, field):
        raise GuideError(_("Ce texte contient une donnée personnelle possible non traitée : il ne peut pas être cité."))
    text = str(readable_answers(revision).get(field) or "").strip()
    draft = copy.deepcopy(guide.draft)
    if not any(q["report_id"] == report_id and q["field"] == field for q in draft["quotes"]):
        draft["quotes"].append({"report_id": report_id, "field": field, "text": text,
                                "establishment": _pseudonym(report, _peers(guide))})
    guide.draft = draft
    audit.record(actor.id, "guide.quote_added", "guide", guide.id, report=report_id, field=field)


def remove_quote(guide: Guide, report_id: int, field: str, actor: User) -> None:
    """Remove a quote, named by what it quotes (an index would point elsewhere once another one is removed)."""
    draft = copy.deepcopy(guide.draft)
    kept = [q for q in draft["quotes"] if (q["report_id"], q["field"]) != (report_id, field)]
    if len(kept) == len(draft["quotes"]):
        return
    draft["quotes"] = kept
    guide.draft = draft
    audit.record(actor.id, "guide.quote_removed", "guide", guide.id, report=report_id, field=field)


# Versions ---------------------------------------------------------------------------------------------

def publication_error(guide: Guide) -> str | None:
    """Why the draft cannot be published now, for the analyst; None when it can."""
    if not guide.draft.get("sections"):
        return _("Générez d'abord le brouillon.")
    latest = guide.latest_version
    if latest is not None and content(latest.snapshot) == content(guide.draft):
        return _("Rien n'a changé depuis la version %(n)d : modifiez le texte ou recalculez les chiffres avant de "
                 "publier.", n=latest.number)
    return None


def draft_fingerprint(guide: Guide) -> str:
    return fingerprint(guide.draft)


def publish(guide: Guide, actor: User) -> GuideVersion:
    """Freeze the draft as version N: text rendered and sanitised, figures, charts' data, quotes, sources."""
    error = publication_error(guide)
    if error:
        raise GuideError(error)
    snapshot = copy.deepcopy(guide.draft)
    for section in snapshot["sections"]:
        section["narrative_html"] = str(render(section.get("narrative", "")))
    number = (guide.latest_version.number + 1) if guide.latest_version else 1
    version = GuideVersion(number=number, title=guide.title, snapshot=snapshot,
                           report_count=len(snapshot.get("evidence", [])), data_as_of=guide.draft_generated_at,
                           published_by_id=actor.id)
    guide.versions.append(version)
    db.session.flush()
    audit.record(actor.id, "guide.published", "guide", guide.id, version=number)
    notices.guide_published(guide, version)
    if current_app.config.get("GUIDE_PDF_AFTER_PUBLICATION", True):
        jobs.enqueue_after_commit("app.services.guide_pdf.store_pdf", version.id)
    return version


def new_reports_since(guide: Guide) -> int:
    """Reports published on the guide's subject since its latest version's figures were computed."""
    version = guide.latest_version
    if version is None or version.data_as_of is None:
        return 0
    query = sa.select(sa.func.count()).select_from(Report).where(Report.status == ReportStatus.PUBLISHED,
                                                                 Report.first_published_at > version.data_as_of)
    if guide.solution_id is not None:
        query = query.where(Report.solution_id == guide.solution_id)
    else:
        query = query.join(Solution, Solution.id == Report.solution_id).where(Solution.category_id == guide.category_id)
    return db.session.scalar(query) or 0


def changelog(old: GuideVersion, new: GuideVersion) -> dict[str, Any]:
    """What changed from one published version to another: texts word by word, figures as they were published."""
    return compare(old.snapshot, new.snapshot)


def pending_changes(guide: Guide) -> dict[str, Any]:
    """What publishing the draft now would change, against the latest published version (or nothing)."""
    latest = guide.latest_version
    return compare(latest.snapshot if latest else None, guide.draft)
