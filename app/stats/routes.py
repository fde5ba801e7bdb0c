from __future__ import annotations

import sqlalchemy as sa
from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import permissions
from app import questionnaire as q
from app import vocabulary as v
from app.extensions import db
from app.models import Category, Solution
from app.page_cache import cached_page, render_page
from app.services import alert_counts, releases, stats
from app.stats.blueprint import bp
from app.views_common import id_args

SEGMENT_LABELS = {
    "type": (_l("Type d'établissement"), v.ESTABLISHMENT_TYPES),
    "sector": (_l("Secteur"), v.SECTORS),
    "size_class": (_l("Taille"), v.SIZE_CLASSES),
    "region": (_l("Région"), v.REGIONS),
    "hosting": (_l("Hébergement"), q.REPORT_HOSTING),
    "system": (_l("Système intégré"), q.REPORT_SYSTEMS),
    "period": (_l("Période"), {"12m": _l("Retours des 12 derniers mois")}),
}


COMPARE_MAX = 4  # solutions side by side


def _segment_from_args() -> stats.Segment | None:
    dimension, _, value = (request.args.get("segment") or "").partition(":")
    return stats.Segment.parse(dimension, value)


def _solution_or_404(solution_id: int) -> Solution:
    solution = db.session.get(Solution, solution_id)
    if solution is None or (solution.archived and not permissions.can_see_archived_solutions(current_user)):
        abort(404)
    return solution


def _commit_cache() -> None:
    # Scorecards computed for this request were cached in the session: keep them for the next readers.
    db.session.commit()


@bp.route("/statistics/solutions/<int:solution_id>")
@cached_page(audience=[permissions.can_see_unsuppressed_statistics, permissions.can_see_archived_solutions,
                        permissions.can_see_live_alert_counts])
def scorecard(solution_id: int):
    solution = _solution_or_404(solution_id)
    segment = _segment_from_args()
    analyst = permissions.can_see_unsuppressed_statistics(current_user)
    card = stats.scorecard(solution.id, segment, analyst=analyst)
    live_alerts = permissions.can_see_live_alert_counts(current_user)
    scope = releases.solution_scope(solution.id)
    alerts = alert_counts.live_card(scope) if live_alerts else releases.visitor_alerts(scope)
    _commit_cache()
    return render_page("stats/scorecard.html", solution=solution, card=card, segment=segment, analyst=analyst,
                       segment_labels=SEGMENT_LABELS, alerts=alerts, live_alerts=live_alerts)


@bp.route("/statistics/compare")
@cached_page(audience=[permissions.can_see_unsuppressed_statistics])
def compare():
    asked = list(dict.fromkeys(id_args("solutions")))  # each solution once, in the reader's order
    found = {s.id: s for s in db.session.scalars(sa.select(Solution).where(Solution.id.in_(asked[:COMPARE_MAX + 20]),
                                                                           Solution.archived.is_(False)))}
    chosen = [found[i] for i in asked if i in found]
    # More than the table holds: the first ones are compared, and the page names those left out (never silently).
    solutions, left_out = chosen[:COMPARE_MAX], chosen[COMPARE_MAX:]
    ids = [s.id for s in solutions]
    analyst = permissions.can_see_unsuppressed_statistics(current_user)
    cards = [stats.scorecard(s.id, analyst=analyst) for s in solutions] if 2 <= len(solutions) <= 4 else []
    _commit_cache()
    choices = db.session.scalars(sa.select(Solution).where(Solution.archived.is_(False))
                                 .order_by(Solution.name)).all()
    return render_page("stats/compare.html", solutions=solutions, cards=cards, analyst=analyst,
                           choices=choices, selected=ids, left_out=left_out, compare_max=COMPARE_MAX)


@bp.route("/statistics/categories/<slug>")
@cached_page(audience=[permissions.can_see_unsuppressed_statistics])
def category(slug: str):
    category_obj = db.session.scalar(sa.select(Category).where(Category.slug == slug)) or abort(404)
    solutions = db.session.scalars(sa.select(Solution).where(Solution.category_id == category_obj.id,
                                                             Solution.archived.is_(False))
                                   .order_by(Solution.name)).all()
    analyst = permissions.can_see_unsuppressed_statistics(current_user)
    cards = {s.id: stats.scorecard(s.id, analyst=analyst) for s in solutions}
    _commit_cache()
    return render_page("stats/category.html", category=category_obj, solutions=solutions, cards=cards,
                           analyst=analyst)


@bp.route("/observatory")
@cached_page(audience=[permissions.can_see_unsuppressed_statistics])
def observatory():
    analyst = permissions.can_see_unsuppressed_statistics(current_user)
    data = stats.observatory(analyst=analyst)
    _commit_cache()
    categories = db.session.scalars(sa.select(Category).order_by(Category.position)).all()
    names = dict(db.session.execute(sa.select(Solution.id, Solution.name)).all())
    return render_page("stats/observatory.html", data=data, categories=categories, analyst=analyst,
                           solution_names=names)
