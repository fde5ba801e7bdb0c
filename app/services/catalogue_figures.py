"""The headline figures of catalogue cards and solution pages, and the catalogue's sort orders.

Every figure comes from the solution's current statistics release, as visitors read it (`releases`): a cell the
release hides has no value there, so it is shown as hidden and it never orders anything. Sorting by a figure puts
the solutions whose figure is published first, by that figure, then every other solution by name: an order that
depends on nothing a visitor cannot read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Solution, StatRelease, StatReleaseView
from app.models.facts import RATING_COLUMNS
from app.services import releases, stat_cells
from app.services.disclosure.cards import hidden_card
from app.services.disclosure.figures import TOTAL

SORTS = ("name", "establishments", "rating", "recent")
DEFAULT_SORT = "name"


def _current_total_views() -> sa.Subquery:
    """Each solution's current release, its whole-scope view: the scope and the figures that order the catalogue."""
    latest = (sa.select(StatRelease.scope, sa.func.max(StatRelease.number).label("number"))
              .where(StatRelease.scope.like("solution:%")).group_by(StatRelease.scope).subquery())
    card = StatReleaseView.card
    ratings = [card[("ratings", name, "value")].as_float() for name in RATING_COLUMNS]
    return (sa.select(StatRelease.scope.label("scope"),
                      card[("establishments", "value")].as_float().label("establishments"),
                      # The mean of the seven criteria: a value only when all seven are published (NULL + x is NULL).
                      (sum(ratings[1:], ratings[0]) / float(len(ratings))).label("rating"),
                      card[("release", "date")].as_string().label("release_date"))
            .join(latest, sa.and_(latest.c.scope == StatRelease.scope, latest.c.number == StatRelease.number))
            .join(StatReleaseView, sa.and_(StatReleaseView.release_id == StatRelease.id, StatReleaseView.view == TOTAL))
            .subquery())


def _scope_of(solution_id: Any) -> sa.ColumnElement[str]:
    return sa.literal("solution:", sa.String) + sa.cast(solution_id, sa.String)


def order(query: sa.Select, sort: str) -> sa.Select:
    """The catalogue query in the chosen order; by name (the default) when the sort is unknown."""
    by_name = (sa.func.lower(Solution.name), Solution.id)
    if sort not in SORTS or sort == DEFAULT_SORT:
        return query.order_by(*by_name)
    figures = _current_total_views()
    key = {"establishments": figures.c.establishments, "rating": figures.c.rating,
           "recent": figures.c.release_date}[sort]
    # Published figures first, largest first; every solution without one after them, by name alone.
    return (query.outerjoin(figures, figures.c.scope == _scope_of(Solution.id))
            .order_by(sa.case((key.is_(None), 1), else_=0), key.desc(), *by_name))


def headline(card: dict[str, Any]) -> dict[str, Any]:
    """A solution's headline figures from its visitor card: establishments, overall satisfaction (the mean of the
    seven criteria rated 1 to 5, shown only when all seven are published), F-SUS and would-choose-again."""
    ratings = [card["ratings"][name] for name in RATING_COLUMNS]
    values = [cell["value"] for cell in ratings]
    published = all(value is not None for value in values)
    satisfaction = {"value": round(sum(values) / len(values), 2) if published else None, "n": None, "ci": None,
                    "suppressed": not published, "low_n": not published}
    return {"establishments": card["establishments"], "satisfaction": satisfaction, "sus": card["sus"],
            "choose_again": card["choose_again"], "release": card.get("release"),
            "min_establishments": card.get("min_establishments", stat_cells.minimum())}


def solution_headline(solution_id: int) -> dict[str, Any]:
    return headline(releases.visitor_scorecard(releases.solution_scope(solution_id)))


def headlines(solution_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The headline figures of several solutions in one query (a catalogue page); hidden ones when a solution has
    no release yet."""
    latest = (sa.select(StatRelease.scope, sa.func.max(StatRelease.number).label("number"))
              .where(StatRelease.scope.in_([releases.solution_scope(i) for i in solution_ids]))
              .group_by(StatRelease.scope).subquery())
    card = StatReleaseView.card
    rows = db.session.execute(
        sa.select(StatRelease.scope, card["establishments"], card["ratings"], card["sus"], card["choose_again"],
                  card["release"], card["min_establishments"])
        .join(latest, sa.and_(latest.c.scope == StatRelease.scope, latest.c.number == StatRelease.number))
        .join(StatReleaseView, sa.and_(StatReleaseView.release_id == StatRelease.id, StatReleaseView.view == TOTAL)))
    found = {}
    for scope, establishments, ratings, sus, choose_again, release, minimum in rows:
        found[int(scope.partition(":")[2])] = headline({
            "establishments": establishments, "ratings": ratings, "sus": sus, "choose_again": choose_again,
            "release": release, "min_establishments": minimum})
    hidden = headline({**hidden_card(TOTAL, stat_cells.minimum()), "release": None})
    return {solution_id: found.get(solution_id, hidden) for solution_id in solution_ids}
