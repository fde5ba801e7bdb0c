"""The statistics pages say what the service computes, and hide what secrecy hides."""

import re

import pytest

from app.extensions import db
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user, text


@pytest.fixture
def solution_with_five(app):
    solution = make_solution(name="Radiolys")
    for index in range(5):
        establishment = make_establishment(region="11" if index < 4 else "53")
        make_report(make_user("contributor", establishment), solution, "published",
                    complete_answers(rating_usefulness=str(index + 1), stage="stopped" if index == 4 else "production",
                                     stop_reasons=["cost"] if index == 4 else []))
    db.session.commit()
    return solution


def test_scorecard_shows_figures_with_their_establishment_counts(client, solution_with_five):
    page = text(client.get(f"/statistics/solutions/{solution_with_five.id}"))
    assert "Retours d'expérience : Radiolys" in page
    assert "5 établissements" in page
    # Five establishments: the mean, without its interval (shown from 10 on: on a few it gives the answers).
    assert re.search(r"Utilité</th><td>3,0</td>", page) and 'class="ci"' not in page
    assert "<svg" in page and "<table" in page


def test_visitors_read_effectif_insuffisant_where_analysts_read_the_value(client, auth, solution_with_five):
    page = text(client.get(f"/statistics/solutions/{solution_with_five.id}"))
    assert "effectif insuffisant" in page  # one stopped establishment out of five
    assert "faible effectif" not in page
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    page = text(client.get(f"/statistics/solutions/{solution_with_five.id}"))
    assert "faible effectif" in page
    assert "20\u00a0%" in page  # the stop rate, in French with a non-breaking space
    assert re.search(r"Utilité</th><td>3,0 <span class=\"ci\">\[", page)  # analysts read every interval


def test_a_small_segment_is_hidden_and_the_filter_stays_in_the_url(client, solution_with_five):
    response = client.get(f"/statistics/solutions/{solution_with_five.id}?segment=region:53")
    page = text(response)
    assert "trop peu d'établissements" in page
    assert 'value="region:53" selected' in page
    # Its complement too: otherwise "all" minus "Île-de-France" would give the hidden region.
    assert "trop peu d'établissements" in text(client.get(f"/statistics/solutions/{solution_with_five.id}"
                                                          "?segment=region:11"))


def test_comparison_keeps_the_readers_order_and_refuses_a_single_solution(client, solution_with_five):
    other = make_solution(name="Mammavue")
    db.session.commit()
    page = text(client.get(f"/statistics/compare?solutions={other.id}&solutions={solution_with_five.id}"))
    assert page.index("Mammavue</a></th>") < page.index("Radiolys</a></th>")
    assert "IC 95 %" in page
    single = text(client.get(f"/statistics/compare?solutions={other.id}"))
    assert "au moins deux solutions" in single


def test_category_and_observatory_pages(client, solution_with_five):
    assert "Radiolys" in text(client.get(f"/statistics/categories/{solution_with_five.category.slug}"))
    page = text(client.get("/observatory"))
    assert "Observatoire national" in page
    assert "Radiolys" in page  # the most deployed solutions
