"""Property: whatever its solutions' voices, a category read beside them gives no hidden count by subtraction.

Random small categories (two or three solutions, each with its own establishments, spread over few regions and
types so that most counts are small) are released as the platform releases them: each solution on its own, then
the category audited with the solutions' releases (`app.services.disclosure.joint`). A visitor then takes, for
every count the category publishes (stages, reasons for stopping, codes, establishments by region and by type),
the visible solutions' counts from the category's: where a single solution's count is hidden, that gives it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app import questionnaire as q
from app.services import releases, stats
from app.services.disclosure.cards import visitor_card
from app.services.disclosure.figures import (
    MEASURES,
    SHARES,
    TOTAL,
    Voice,
    all_view_keys,
    compute_view,
    fingerprint,
    views_of,
)
from app.services.disclosure.joint import Part
from app.services.disclosure.protect import hide_views, protect
from tests.conftest import backend
from tests.test_category_secrecy import LISTS

pytestmark = pytest.mark.skipif(backend() != "sqlite", reason="no database involved: run in the SQLite pass")

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
REGIONS, TYPES = ("11", "84"), ("ch", "chu", "ehpad")


@st.composite
def category(draw) -> list[Voice]:
    out, fact, establishment = [], 0, 0
    for solution in range(1, draw(st.integers(min_value=2, max_value=3)) + 1):
        for _ in range(draw(st.integers(min_value=1, max_value=8))):
            establishment += 1
            fact += 1
            stage = draw(st.sampled_from(list(q.STAGES)))
            kind = draw(st.sampled_from(TYPES))
            out.append(Voice(
                id=fact, report_id=fact, revision_id=fact, establishment_id=establishment, solution_id=solution,
                published_at=AS_OF - timedelta(days=30 + fact), stage=stage,
                segments={"type": kind, "sector": "medico_social" if kind == "ehpad" else "health",
                          "size_class": "200_499", "region": draw(st.sampled_from(REGIONS)), "hosting": None},
                systems=frozenset(), start_quarter=None, measures=dict.fromkeys(MEASURES), shares=dict.fromkeys(SHARES),
                time_saved=None,
                codes={"prerequisite_met": frozenset(), "prerequisite_missing": frozenset(),
                       "difficulty": frozenset(draw(st.sets(st.sampled_from(("integration", "cost"))))),
                       "stop_reason": frozenset({"cost"}) if stage == "stopped" else frozenset()}))
    return out


def _release(voices: list[Voice], minimum: int, **joint):
    grouped = views_of(voices, AS_OF)
    figures = {key: compute_view(vs, with_stop_any=bool(joint), as_of=AS_OF) for key, vs in grouped.items()}
    families = {key: figure.families for key, figure in figures.items()}
    now = {key: fingerprint(vs) for key, vs in grouped.items()}
    if joint:
        protection, _ = releases._protected(families, now, {}, {}, minimum, set(), joint)
    else:
        protection = protect(families, hide_views(families, now, {}, {}, minimum), minimum)
    cards = {key: visitor_card(key, figures, protection, minimum) for key in all_view_keys()}
    return families, protection, cards


def _counts(cards: dict) -> dict[tuple, float | None]:
    """What a visitor reads of a release: the whole's lists, and the establishments of each region and type."""
    whole = cards[TOTAL]
    out = {}
    for name in LISTS:
        for row in whole[name]:
            hidden = whole["suppressed"] or row["suppressed"]
            out[(name, row.get("stage") or row["code"])] = None if hidden else row.get("count", row.get("value"))
    for key, card in cards.items():
        if key.startswith(("region=", "type=")):
            out[(key, "n")] = None if card["suppressed"] else card["establishments"]["value"]
    return out


@settings(max_examples=60, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(voices=category())
def test_the_category_less_its_solutions_gives_no_hidden_count(app, voices):
    minimum = stats.minimum()
    solution_ids = sorted({voice.solution_id for voice in voices})
    parts, others, shown = [], [], {}
    for solution_id in solution_ids:
        own = [voice for voice in voices if voice.solution_id == solution_id]
        families, protection, cards = _release(own, minimum)
        shown[solution_id] = _counts(cards)
        if TOTAL in protection.hidden_views:
            others += own
        else:
            parts.append(Part(solution_id, families, protection.hidden_views, protection.hidden_cells))
    joint = {"parts": parts, "shared": {}, "others_known": not others,
             "contributors": {key: len({v.solution_id for v in vs}) for key, vs in views_of(others, AS_OF).items()},
             "others": {key: compute_view(vs, as_of=AS_OF).families for key, vs in views_of(others, AS_OF).items()}}
    _, _, category_cards = _release(voices, minimum, **joint)
    derived = []
    for key, value in _counts(category_cards).items():
        if value is None:
            continue
        hidden = [s for s in solution_ids if shown[s].get(key) is None]
        if len(hidden) == 1:
            guess = value - sum(shown[s][key] for s in solution_ids if shown[s].get(key) is not None)
            # A count read as 0 says nothing of an establishment (README, "Limits").
            if guess:
                derived.append((key, hidden[0], guess))
    assert derived == []
