"""No figure a visitor can read rests on fewer than MIN_ESTABLISHMENTS establishments: API, pages, every segment."""

import re

import pytest

from app.demo.loader import load_demo
from app.extensions import db
from app.services import stats
from tests.factories import text


def cells(data):
    """Every cell of a JSON document (dicts carrying value, n and suppressed)."""
    if isinstance(data, dict):
        if {"value", "n", "suppressed"} <= data.keys():
            yield data
        else:
            for value in data.values():
                yield from cells(value)
    elif isinstance(data, list):
        for item in data:
            yield from cells(item)


@pytest.fixture
def demo(app):
    load_demo(report_target=300)
    db.session.commit()
    return app


def _check(document, where: str) -> int:
    checked = 0
    minimum = stats.minimum()
    for c in cells(document):
        checked += 1
        if c["suppressed"]:
            assert c["value"] is None and c["n"] is None and c.get("count") is None, where
        else:
            # A zero rests on no establishment: it may be shown (no one is in that cell).
            assert c["n"] is not None and (c["n"] == 0 or c["n"] >= minimum), (
                f"{where}: visible cell on {c['n']} establishments")
    return checked


def test_every_visitor_scorecard_and_segment_respects_the_minimum(demo, client, capsys):
    """Every API scorecard and segment, the observatory and the scorecard pages (one demonstration load)."""
    from app.models import Solution

    demo.config["API_RATE_LIMIT"] = "100000 per minute"

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    checked = documents = 0
    for solution in db.session.scalars(db.select(Solution)):
        response = get(f"/api/v1/solutions/{solution.id}/scorecard")
        checked += _check(response.get_json(), f"solution {solution.id}")
        documents += 1
        for dimension in stats.SEGMENT_DIMENSIONS:
            for value in stats.segment_counts(solution.id, dimension):
                response = get(f"/api/v1/solutions/{solution.id}/scorecard?segment={dimension}&value={value}")
                checked += _check(response.get_json(), f"solution {solution.id} {dimension}={value}")
                documents += 1
    checked += _check(get("/api/v1/observatory").get_json(), "observatory")
    _pages_show_no_count_below_the_minimum(demo, client)
    _no_hidden_stage_can_be_recovered_by_subtraction(demo, client)
    with capsys.disabled():
        print(f"\nsecrecy: {documents} scorecards and the observatory, {checked} cells checked")
    assert documents > 100
    assert checked > 30 * documents  # every cell of every document, not error bodies


def _pages_show_no_count_below_the_minimum(demo, client):
    from app.models import Solution

    minimum = stats.minimum()
    for solution in db.session.scalars(db.select(Solution).limit(15)):
        page = text(client.get(f"/statistics/solutions/{solution.id}"))
        for n in re.findall(r"([0-9]+) établissements?\b", page):
            assert int(n) == 0 or int(n) >= minimum, f"solution {solution.id}: {n} établissement(s) shown"


def _no_hidden_stage_can_be_recovered_by_subtraction(demo, client):
    """Total minus the visible stages leaves at least the minimum (or nothing) spread over two or more hidden
    stages."""
    from app.models import Solution

    demo.config["API_RATE_LIMIT"] = "100000 per minute"
    minimum = stats.minimum()
    tried = 0
    for solution in db.session.scalars(db.select(Solution)):
        for dimension in (None, *stats.SEGMENT_DIMENSIONS):
            values = [None] if dimension is None else list(stats.segment_counts(solution.id, dimension))
            for value in values:
                query = "" if dimension is None else f"?segment={dimension}&value={value}"
                card = client.get(f"/api/v1/solutions/{solution.id}/scorecard{query}").get_json()
                total = card["establishments"]["value"]
                if total is None:
                    continue
                hidden = [row for row in card["stages"] if row["suppressed"]]
                if hidden:
                    tried += 1
                    remaining = total - sum(row["value"] for row in card["stages"] if not row["suppressed"])
                    # Nothing, or at least the minimum: hidden cells a reader can prove empty tell nothing of
                    # any establishment.
                    assert len(hidden) >= 2 and (remaining == 0 or remaining >= minimum), (solution.id, dimension,
                                                                                          value)
    assert tried > 0
