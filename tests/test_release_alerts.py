"""Counts of ethics alerts by category, attacked: what a visitor reads on scorecards and in guides comes from the
release, as protected cells audited by an independent reader (tests/secrecy_auditor.py), and one new alert
changes nothing a visitor can read until the minimum of establishments is met."""

from __future__ import annotations

import json
import random

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import EthicsAlert, Solution
from app.services import alert_counts, alerts, releases, stats
from app.services.disclosure import alerts as tables
from tests.conftest import backend
from tests.factories import make_category, make_establishment, make_solution, make_user, text
from tests.secrecy_auditor import audit_alert_tables

CATEGORIES = list(tables.CATEGORIES)


def _raise(solution, establishment=None, category: str = "bias"):
    author = make_user("contributor", establishment or make_establishment())
    return alerts.raise_alert(author, solution, category=category, summary="Objet", description="Faits.",
                              vendor_may_know_establishment=False)


def _random_alerts(seed: int, solutions: int = 3, establishments: int = 16) -> tuple[int, list[int]]:
    """Establishments raising alerts on solutions of one category, most categories rare: small cells abound."""
    rng = random.Random(seed)
    category = make_category()
    made = [make_solution(category) for _ in range(solutions)]
    pool = [make_establishment() for _ in range(establishments)]
    weights = [8, 1, 3, 1, 1, 2, 1, 1]
    for establishment in pool:
        for solution in rng.sample(made, rng.randint(1, 2)):
            for code in set(rng.choices(CATEGORIES, weights=weights, k=rng.randint(1, 3))):
                _raise(solution, establishment, code)
    db.session.commit()  # the releases are made after this commit
    return category.id, [s.id for s in made]


def _truth(scope: str) -> dict[str, float]:
    return tables.families(tables.load_rows(scope))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_alert_tables_leave_no_hidden_count_to_deduce(app, seed):
    category_id, solution_ids = _random_alerts(seed)
    minimum = stats.minimum()
    scopes = [releases.solution_scope(s) for s in solution_ids]
    union = releases.category_scope(category_id)
    visitor = {scope: releases.visitor_alerts(scope) for scope in [*scopes, union]}
    assert all(card["release"] is not None for card in visitor.values())
    hidden = shown = 0
    for card in visitor.values():
        for cell in [card["establishments"], *card["categories"]]:
            if cell["suppressed"]:
                hidden += 1
                assert cell["value"] is None and cell["n"] is None
            else:
                shown += 1
                assert cell["value"] == 0 or cell["value"] >= minimum, cell
    assert hidden and shown
    truth = {scope: _truth(scope) for scope in visitor}
    assert audit_alert_tables(visitor, truth, minimum, parts={union: scopes}) == []


def test_a_table_on_fewer_than_the_minimum_is_hidden_whole(app):
    solution = make_solution()
    for _ in range(stats.minimum() - 1):
        _raise(solution)
    db.session.commit()
    releases.update_now()
    db.session.commit()
    card = releases.visitor_alerts(releases.solution_scope(solution.id))
    assert card["suppressed"] is True
    assert [row["code"] for row in card["categories"]] == CATEGORIES  # same keys, same order, whatever the data
    assert all(row["value"] is None for row in card["categories"]) and card["establishments"]["value"] is None


def _visitor_documents(client, solution: Solution) -> str:
    page = text(client.get(f"/statistics/solutions/{solution.id}"))
    return json.dumps([releases.visitor_alerts(releases.solution_scope(solution.id)),
                       page[page.index('id="alerts-title"'):page.index("</section>", page.index('id="alerts-title"'))]])


def test_one_new_alert_changes_nothing_a_visitor_can_read_until_the_minimum_is_met(app, client):
    solution = make_solution()
    for code in ("bias", "bias", "bias", "consent", "consent", "consent"):
        _raise(solution, category=code)
    db.session.commit()
    scope = releases.solution_scope(solution.id)
    first = releases.visitor_alerts(scope)
    assert first["establishments"]["value"] == 6
    before = _visitor_documents(client, solution)
    for _ in (1, 2):
        _raise(solution, category="working_conditions")
        db.session.commit()
        assert releases.is_due(scope) is False
        assert _visitor_documents(client, solution) == before  # not even the release's number moved
    _raise(solution, category="working_conditions")
    db.session.commit()
    after = releases.visitor_alerts(scope)
    assert after["release"]["number"] == first["release"]["number"] + 1
    assert after["establishments"]["value"] == 9
    assert {r["code"]: r["value"] for r in after["categories"]}["working_conditions"] == 3


def test_visitors_read_the_release_and_analysts_and_reviewers_the_live_counts(app, no_csrf):
    from tests.test_alerts import _login

    solution = make_solution()
    for code in ("bias", "bias", "bias", "oversight"):
        _raise(solution, category=code)
    db.session.commit()
    visitor = text(app.test_client().get(f"/statistics/solutions/{solution.id}"))
    section = visitor[visitor.index('id="alerts-title"'):]
    assert "effectif insuffisant" in section  # one establishment for "oversight"
    assert "Chiffres en direct" not in section
    for role in ("analyst", "ethics_reviewer"):
        user = make_user(role)
        db.session.commit()
        page = text(_login(app, user).get(f"/statistics/solutions/{solution.id}"))
        assert "Chiffres en direct" in page[page.index('id="alerts-title"'):]
    live = alert_counts.live_card(releases.solution_scope(solution.id))
    assert {r["code"]: r["value"] for r in live["categories"]}["oversight"] == 1


def test_guides_state_the_released_counts(app):
    from app.services import guides

    solution = make_solution()
    for code in ("bias", "bias", "bias"):
        _raise(solution, category=code)
    db.session.commit()
    guide = guides.create_guide(make_user("analyst"), solution=solution)
    monitoring = next(s for s in guide.draft["sections"] if s["key"] == "monitoring")
    figures = {f["key"]: f["cell"] for f in monitoring["figures"]}
    assert figures["alerts"]["value"] == 3 and figures["alerts_bias"]["value"] == 3
    assert figures["alerts_consent"]["value"] == 0
    assert db.session.scalar(sa.select(sa.func.count(EthicsAlert.id))) == 3


@st.composite
def alert_rows(draw) -> list[tables.AlertRow]:
    """A category's alerts: establishments each with alerts of a few kinds on one or more solutions."""
    rows, alert_id = [], 0
    for establishment_id in range(1, draw(st.integers(min_value=3, max_value=16)) + 1):
        for solution_id in draw(st.sets(st.sampled_from((1, 2, 3)), min_size=1, max_size=2)):
            for category in draw(st.sets(st.sampled_from(CATEGORIES[:4]), min_size=1, max_size=2)):
                alert_id += 1
                rows.append(tables.AlertRow(alert_id, establishment_id, solution_id, category))
    return rows


@pytest.mark.skipif(backend() != "sqlite", reason="no database involved: run in the SQLite pass")
@settings(max_examples=60, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=alert_rows())
def test_the_auditor_never_finds_a_disclosure_in_random_alert_tables(app, rows):
    """The protection alone (no database), solutions first and then their category, as releases make them."""
    minimum = stats.minimum()
    visitor, truth = {}, {}
    for solution_id in (1, 2, 3):
        values = tables.families([row for row in rows if row.solution_id == solution_id])
        visitor[f"solution:{solution_id}"] = tables.visitor_card(values, tables.protect(values, minimum), minimum)
        truth[f"solution:{solution_id}"] = values
    values = tables.families(rows)
    shown = {s: visitor[f"solution:{s}"] for s in (1, 2, 3)}
    hidden = tables.protect(values, minimum, tables.linked_tables(rows, shown))
    visitor["category"], truth["category"] = tables.visitor_card(values, hidden, minimum), values
    assert audit_alert_tables(visitor, truth, minimum, parts={"category": [f"solution:{s}" for s in (1, 2, 3)]}) == []
