"""Statistical secrecy, attacked: what a visitor downloads, audited as one system of linked tables.

For every solution, every view a visitor can ask the API for (the whole solution and every segment of
every dimension) is downloaded without a token; the analysts' exact figures of the same moment are the
truth. The independent auditor (`tests/secrecy_auditor.py`) then looks for any hidden count a reader can
pin down. Also: no visible cell rests on fewer than the minimum, hidden cells carry nothing, lists do not
depend on the data, and a single new report changes nothing a visitor can read.
"""

from __future__ import annotations

import json
import random

import pytest

from app import questionnaire as q
from app import vocabulary as v
from app.demo.loader import load_demo
from app.extensions import db
from app.models import Solution
from app.services import releases, stats
from app.services.disclosure.figures import all_view_keys
from tests.api_helpers import bearer, token_for
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user
from tests.secrecy_auditor import audit
from tests.test_secrecy import cells as _cells


def _views(client, solution_id: int, headers=None) -> dict[str, dict]:
    out = {}
    for key in all_view_keys():
        query = "" if key == "-" else "?segment={}&value={}".format(*key.split("="))
        response = client.get(f"/api/v1/solutions/{solution_id}/scorecard{query}", headers=headers or {})
        assert response.status_code == 200, (solution_id, key, response.status_code)
        out[key] = response.get_json()
    return out


def _exact_views(solution_id: int) -> dict[str, dict]:
    """The exact figures of every view, as the release computed them from the voices (see
    test_release_figures_are_the_analysts_figures for their agreement with the analysts' statistics)."""
    from app.models import ReportFact
    from app.services.disclosure.figures import compute_view, load_voices, views_of

    grouped = views_of(load_voices(ReportFact.solution_id == solution_id))
    out = {}
    for key in all_view_keys():
        figures = compute_view(grouped.get(key, []))
        card = stats.analyst_view(figures.card)
        # Shares are given to three decimals; the auditor is handed the exact count of "yes" behind each.
        for name, cell in [("again", card["choose_again"]), *((f"gov_{k}", c) for k, c in card["governance"].items())]:
            cell["k"] = figures.families[f"shk:{name}"]
        out[key] = card
    return out


def _audit_solutions(app, client, solution_ids, *, api: bool = True) -> tuple[list, int, int]:
    """Download every view of each solution as a visitor (through the API, or the same reads the API makes),
    check each cell, and run the auditor."""
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    token = token_for("analyst") if api else None
    breaches, hidden, shown = [], 0, 0
    minimum = stats.minimum()
    for solution_id in solution_ids:
        if api:
            visitor, exact = _views(client, solution_id), _views(client, solution_id, bearer(token))
        else:
            scope = releases.solution_scope(solution_id)
            visitor = {key: releases.visitor_scorecard(scope, key) for key in all_view_keys()}
            exact = _exact_views(solution_id)
        for key, card in visitor.items():
            for cell in _cells(card):
                if cell["suppressed"]:
                    hidden += 1
                    assert cell["value"] is None and cell["n"] is None and cell["ci"] is None
                    assert cell.get("count") is None
                else:
                    shown += 1
                    assert cell["n"] is None or cell["n"] == 0 or cell["n"] >= minimum, (solution_id, key, cell)
        breaches += [(solution_id, *b) for b in audit(visitor, exact, minimum)]
    return breaches, hidden, shown


def test_the_demo_release_leaves_no_hidden_count_to_deduce(app, client, capsys):
    load_demo(report_target=300)
    db.session.commit()  # the releases are made after this commit
    ids = sorted(db.session.scalars(db.select(Solution.id)))
    breaches, hidden, shown = _audit_solutions(app, client, ids, api=False)
    with capsys.disabled():
        print(f"\nrelease audit (demo): {len(ids)} solutions × {len(all_view_keys())} views, {shown} cells shown, "
              f"{hidden} hidden, {len(breaches)} disclosed")
    assert hidden > 1000 and shown > 1000
    assert breaches == []


def _small_segments(seed: int, solutions: int = 2, establishments: int = 14) -> list[int]:
    """Establishments spread over many regions, types and sizes: most segments hold one or two."""
    rng = random.Random(seed)
    moderator = make_user("moderator")
    made = []
    for _ in range(solutions):
        solution = make_solution(integration=("dpi", "pacs", "ris"))
        made.append(solution.id)
        for _ in range(establishments):
            kind = rng.choice(["chu", "ch", "ehpad", "clinic_mco", "smr"])
            establishment = make_establishment(region=rng.choice(list(v.REGIONS)), type=kind,
                                               sector="medico_social" if kind == "ehpad" else "health",
                                               size_class=rng.choice(list(v.SIZE_CLASSES)))
            author = make_user("contributor", establishment)
            stage = rng.choice(list(q.STAGES))
            answers = complete_answers(
                stage=stage, hosting=rng.choice(list(q.REPORT_HOSTING)),
                integrated_systems=rng.sample(["dpi", "pacs", "ris"], rng.randint(0, 2)),
                rating_usefulness=str(rng.randint(1, 5)), rating_reliability=rng.choice(["1", "3", "5", "na"]),
                nps=str(rng.randint(0, 10)), choose_again=rng.choice(["yes", "no", "unsure"]),
                difficulties=rng.sample(list(q.DIFFICULTIES), rng.randint(0, 3)),
                prerequisites_met=["training"],
                prerequisites_missing=rng.sample([p for p in q.PREREQUISITES if p != "training"], rng.randint(0, 2)),
                stop_reasons=rng.sample(list(q.STOP_REASONS), rng.randint(1, 2)) if stage == "stopped" else [])
            make_report(author, solution, "published", answers, moderator)
    db.session.commit()
    return made


@pytest.mark.parametrize("seed", [1, 2])
def test_many_small_segments_leave_no_hidden_count_to_deduce(app, client, seed):
    ids = _small_segments(seed)
    breaches, hidden, shown = _audit_solutions(app, client, ids)
    assert hidden > 100 and shown > 50
    assert breaches == []


def test_the_observatory_and_category_views_come_from_releases(app, client):
    _small_segments(3, solutions=1, establishments=8)
    observatory = client.get("/api/v1/observatory").get_json()
    assert observatory["release"] is not None
    for cell in _cells(observatory):
        assert cell["suppressed"] or cell["n"] == 0 or cell["n"] >= stats.minimum()
        if cell["suppressed"]:
            assert cell["value"] is None and cell["n"] is None


def _main(html: str) -> str:
    """A page's own content (the layout around it carries this request's nonce and tokens)."""
    return html[html.index('<main id="content"'):html.index("</main>")]


def _visitor_documents(client, solution_id: int, other_id: int) -> str:
    documents = _views(client, solution_id)
    documents["observatory"] = client.get("/api/v1/observatory").get_json()
    for page in (f"/statistics/solutions/{solution_id}", f"/statistics/solutions/{solution_id}?segment=region:11",
                 "/observatory", f"/statistics/compare?solutions={solution_id}&solutions={other_id}"):
        documents[page] = _main(client.get(page).get_data(as_text=True))
    return json.dumps(documents, sort_keys=True)


def test_one_new_report_changes_nothing_a_visitor_can_read_until_the_minimum_is_met(app, client):
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    solution_id, other_id = _small_segments(4, solutions=2, establishments=10)
    solution = db.session.get(Solution, solution_id)
    moderator = make_user("moderator")
    before = _visitor_documents(client, solution_id, other_id)
    number = releases.latest(releases.solution_scope(solution_id)).number

    for count, region in enumerate(("11", "84"), start=1):
        author = make_user("contributor", make_establishment(region=region))
        make_report(author, solution, "published", complete_answers(rating_usefulness="1", nps="0"), moderator)
        db.session.commit()
        assert releases.pending(releases.solution_scope(solution_id)) == count
        assert _visitor_documents(client, solution_id, other_id) == before  # nothing moved, not even a date

    author = make_user("contributor", make_establishment(region="53"))
    make_report(author, solution, "published", complete_answers(rating_usefulness="1", nps="0"), moderator)
    db.session.commit()
    assert releases.latest(releases.solution_scope(solution_id)).number == number + 1
    assert releases.pending(releases.solution_scope(solution_id)) == 0
    assert _visitor_documents(client, solution_id, other_id) != before
    analyst = stats.compute_scorecard(solution_id)
    assert analyst["establishments"]["value"] == 13


def test_lists_keep_every_code_in_the_vocabulary_order_whatever_the_data(app, client):
    solution_id = _small_segments(5, solutions=1, establishments=9)[0]
    card = client.get(f"/api/v1/solutions/{solution_id}/scorecard").get_json()
    assert [row["code"] for row in card["difficulties"]] == list(q.DIFFICULTIES)
    assert [row["code"] for row in card["stop_reasons"]] == list(q.STOP_REASONS)
    assert [row["system"] for row in card["integration"]] == list(q.REPORT_SYSTEMS)
    hidden_view = client.get(f"/api/v1/solutions/{solution_id}/scorecard?segment=region&value=06").get_json()
    assert hidden_view["suppressed"] is True
    assert hidden_view["adoption"] == [] and hidden_view["integration"] == []
    assert [row["code"] for row in hidden_view["difficulties"]] == list(q.DIFFICULTIES)
    assert all(cell["value"] is None for cell in _cells(hidden_view))


def test_release_figures_are_the_analysts_figures(app, client):
    """Releases compute every view in one pass over the voices: the same figures as the analysts' statistics."""
    for solution_id in _small_segments(6, solutions=2, establishments=12):
        exact = _exact_views(solution_id)
        for key in all_view_keys():
            segment = None if key == "-" else stats.Segment(*key.split("="))
            analyst = stats.analyst_view(stats.compute_scorecard(solution_id, segment))
            assert _comparable(exact[key]) == _comparable(analyst), (solution_id, key)


def _comparable(card: dict) -> dict:
    """Every figure, codes keyed by code (the analysts' lists are ranked; absent codes are 0)."""
    out = {}
    for path, cell in _walk(card):
        out[path] = (cell["value"], cell["n"], tuple(cell["ci"] or ()))
    return {path: value for path, value in out.items() if not path.startswith("integration")
            and not (value[0] in (0, None) and path.split("|")[0] in LISTED)}


LISTED = {"prerequisites_met", "prerequisites_missing", "difficulties", "stop_reasons"}


def _walk(data, path=""):
    if isinstance(data, dict):
        if {"value", "n", "suppressed"} <= data.keys():
            yield path, data
        for key, value in data.items():
            if isinstance(value, dict | list):
                yield from _walk(value, f"{path}|{key}" if path else key)
    elif isinstance(data, list):
        for item in (item for item in data if isinstance(item, dict)):
            key = item.get("code") or item.get("stage") or item.get("quarter") or item.get("system")
            yield from _walk(item, f"{path}|{key}")


def test_the_release_command_makes_what_is_due_and_nothing_else(app, runner):
    solution = make_solution()
    moderator = make_user("moderator")
    for region in ("11", "84", "53"):
        make_report(make_user("contributor", make_establishment(region=region)), solution, "published",
                    complete_answers(), moderator)
    releases.leave_for_later()  # as after a bulk load
    db.session.commit()
    scope = releases.solution_scope(solution.id)
    assert releases.latest(scope) is None and releases.pending(scope) == 3

    result = runner.invoke(args=["stats", "release"])
    assert result.exit_code == 0, result.output
    assert scope in result.output and "all" in result.output
    assert releases.latest(scope).number == 1 and releases.pending(scope) == 0
    assert releases.visitor_scorecard(scope)["establishments"]["value"] == 3

    again = runner.invoke(args=["stats", "release"])
    assert "aucune" in again.output and releases.latest(scope).number == 1


def test_the_view_of_the_last_12_months_leaves_no_hidden_count_to_deduce(app, client):
    """Reports of every age: the view of the last 12 months is a part of the whole that the protection hides or
    shows as a system's segment, and the auditor attacks it with the rest."""
    from datetime import timedelta

    from app.models import ReportFact
    from app.models._types import utcnow

    ids = _small_segments(7, solutions=2, establishments=16)
    rng = random.Random(7)
    for fact in db.session.scalars(db.select(ReportFact).where(ReportFact.solution_id.in_(ids))):
        fact.published_at = utcnow() - timedelta(days=rng.choice([10, 100, 300, 450, 700, 1000]))
    for solution_id in ids:
        releases.build(releases.solution_scope(solution_id))
    db.session.commit()
    recent, whole = (releases.visitor_scorecard(releases.solution_scope(ids[0]), key) for key in ("period=12m", "-"))
    exact = _exact_views(ids[0])
    assert exact["period=12m"]["establishments"]["value"] < exact["-"]["establishments"]["value"]
    assert exact["-"]["freshness"]["older_18m"]["value"] > 0
    assert recent["segment"] == {"dimension": "period", "value": "12m"} and whole["freshness"]
    breaches, hidden, shown = _audit_solutions(app, client, ids)
    assert hidden > 100 and shown > 50
    assert breaches == []
