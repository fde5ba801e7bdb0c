"""Catalogue cards and solution pages show each solution's headline figures as its statistics release publishes
them; sorting by a figure orders only what is published."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Solution
from app.services import catalogue_figures, guides, numbers, releases
from tests.factories import (
    RATING_CODES,
    complete_answers,
    make_category,
    make_establishment,
    make_report,
    make_solution,
    make_user,
)
from tests.factories import text as page_text


def publish_voices(solution, answers_list):
    """One establishment per answers, each publishing a report on the solution; then the due releases."""
    for answers in answers_list:
        author = make_user("contributor", make_establishment())
        make_report(author, solution, "published", complete_answers(**answers))
    db.session.flush()
    releases.update_now()
    db.session.commit()


def card_of(page: str, name: str) -> str:
    start = page.index(f">{name}</a></h3>")
    end = page.find('<li class="card">', start)
    return page[start:end if end != -1 else len(page)]


def shown_figure(label: str, written: str) -> str:
    """A figure as the card writes it, e.g. "<dt>Satisfaction globale</dt><dd>4,0 / 5</dd>"."""
    return f"<dt>{label}</dt><dd>{written}</dd>"


@pytest.fixture
def catalogue(app):
    imaging = make_category("imagerie", "Imagerie")
    big = make_solution(imaging, name="Grandeur")
    small = make_solution(imaging, name="Petitpas")
    bare = make_solution(imaging, name="Sansretour")
    # Grandeur: four establishments; all of them would choose it again, ratings 4 (SUS 85 from the factory).
    publish_voices(big, [{}] * 4)
    # Petitpas: three establishments, one of which stopped: the stopped stage (1) is hidden, so is its complement.
    publish_voices(small, [{"rating_usefulness": "2"}, {"rating_usefulness": "3"},
                           {"stage": "stopped", "stop_reasons": ["cost"], "choose_again": "no"}])
    return big, small, bare


def test_cards_show_the_releases_visible_figures(client, catalogue):
    big, small, bare = catalogue
    page = page_text(client.get("/catalogue"))
    for solution in (big, small):
        card = releases.visitor_scorecard(releases.solution_scope(solution.id))
        shown = card_of(page, solution.name)
        # French writing (app.services.numbers): "4,0 / 5", "85,0 / 100", "100 %" with non-breaking spaces.
        assert shown_figure("Établissements", numbers.integer(card["establishments"]["value"], "fr")) in shown
        sus = numbers.with_unit(numbers.decimal(card["sus"]["value"], 1, "fr"), " / 100")
        assert shown_figure("Utilisabilité (F-SUS)", sus) in shown, shown
        ratings = [c["value"] for c in card["ratings"].values()]
        satisfaction = numbers.with_unit(numbers.decimal(sum(ratings) / len(ratings), 1, "fr"), " / 5")
        assert shown_figure("Satisfaction globale", satisfaction) in shown, shown
    big_card = card_of(page, big.name)
    assert shown_figure("Satisfaction globale", "4,0\u00a0/ 5") in big_card
    assert shown_figure("Utilisabilité (F-SUS)", "85,0\u00a0/ 100") in big_card
    assert shown_figure("La choisiraient à nouveau", "100\u00a0%") in big_card
    assert "Pas encore de statistiques publiées" in card_of(page, bare.name)


def test_a_figure_the_release_hides_reads_effectif_insuffisant(client, catalogue):
    big, small, _bare = catalogue
    card = releases.visitor_scorecard(releases.solution_scope(small.id))
    assert card["choose_again"]["value"] is None and card["choose_again"]["suppressed"]
    shown = card_of(page_text(client.get("/catalogue")), small.name)
    assert re.search(r"<dt>La choisiraient à nouveau</dt><dd><span class=\"suppressed\">effectif insuffisant</span>",
                     shown)
    solution_page = page_text(client.get(f"/catalogue/{small.slug}"))
    assert "effectif insuffisant" in solution_page
    assert "publication statistique n° 1" in solution_page


def test_solution_page_shows_the_figures_and_links(client, catalogue):
    big, _small, _bare = catalogue
    analyst = make_user("analyst")
    guide = guides.create_guide(analyst, category=big.category)
    guides.publish(guide, analyst)
    db.session.commit()
    page = page_text(client.get(f"/catalogue/{big.slug}"))
    assert "<dt>Établissements</dt><dd>4</dd>" in page
    assert f'href="/statistics/solutions/{big.id}"' in page
    assert f'href="/guides/{guide.slug}"' in page
    assert f'href="/reports/new?solution={big.slug}"' in page  # a visitor goes through the login page
    assert "Écrire un retour sur cette solution" in page


def test_the_write_link_leads_a_visitor_to_the_login_then_the_form(client, auth, catalogue):
    big, _small, _bare = catalogue
    response = client.get(f"/reports/new?solution={big.slug}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    contributor = make_user("contributor")
    db.session.commit()
    response = client.post(response.headers["Location"], data={"email": contributor.email,
                                                                "password": "correct-horse-battery"})
    assert response.status_code == 302 and f"solution={big.slug}" in response.headers["Location"]
    form = page_text(client.get(response.headers["Location"]))
    assert re.search(rf'<option selected value="{big.id}">|<option value="{big.id}" selected', form)


def test_staff_who_cannot_write_reports_are_not_offered_the_link(client, auth, catalogue):
    big, _small, _bare = catalogue
    moderator = make_user("moderator")
    db.session.commit()
    auth.login(moderator.email)
    assert "Écrire un retour sur cette solution" not in page_text(client.get(f"/catalogue/{big.slug}"))
    assert "Écrire un retour sur cette solution" not in page_text(client.get("/catalogue"))


def names_in_order(client, query: str) -> list[str]:
    return re.findall(r'<h3><a href="/catalogue/[^"]+">([^<]+)</a></h3>', client.get(f"/catalogue?{query}")
                      .get_data(as_text=True))


def test_sorts_by_published_figures_with_hidden_ones_after_by_name(client, catalogue):
    assert names_in_order(client, "") == ["Grandeur", "Petitpas", "Sansretour"]
    assert names_in_order(client, "sort=establishments") == ["Grandeur", "Petitpas", "Sansretour"]
    assert names_in_order(client, "sort=rating") == ["Grandeur", "Petitpas", "Sansretour"]
    page = page_text(client.get("/catalogue?sort=rating"))
    assert '<option value="rating" selected>' in page
    assert "Ordre par défaut : par nom, de A à Z." in page_text(client.get("/catalogue"))


def test_sort_stays_with_filters_and_pages(client, app):
    category = make_category("imagerie", "Imagerie")
    for n in range(22):
        make_solution(category, name=f"Outil {n:02d}")
    db.session.commit()
    page = client.get("/catalogue?category=imagerie&sort=establishments").get_data(as_text=True)
    assert "/catalogue?page=2&amp;category=imagerie&amp;sort=establishments" in page
    assert '<input type="hidden" name="sort" value="establishments">' in page  # the filter form keeps it
    assert '<input type="hidden" name="category" value="imagerie">' in page  # the sort form keeps the filter
    assert client.get("/catalogue?sort=zzz").status_code == 200  # an unknown order: the default one


def ordered(sort: str) -> list[str]:
    return list(db.session.scalars(catalogue_figures.order(sa.select(Solution.name), sort)))


@pytest.mark.parametrize(("amont", "aval"), [("1", "5"), ("5", "1")])
def test_hidden_ratings_do_not_move_a_solution_in_the_best_rated_order(app, client, amont, aval):
    """Amont and Aval each have a release whose overall satisfaction is hidden (two of their three establishments
    gave no opinion on one criterion): whichever has the better hidden ratings, they follow the published one by
    name."""
    category = make_category()
    for name, rating in (("Aval", aval), ("Amont", amont)):
        solution = make_solution(category, name=name)
        publish_voices(solution, [{f"rating_{code}": rating for code in RATING_CODES}]
                       + [{**{f"rating_{code}": rating for code in RATING_CODES}, "rating_vendor_support": "na"}] * 2)
        card = releases.visitor_scorecard(releases.solution_scope(solution.id))
        assert card["ratings"]["vendor_support"]["value"] is None  # hidden in the release
        assert card["ratings"]["usefulness"]["value"] == float(rating)  # the others are published
    publish_voices(make_solution(category, name="Zénith"), [{"rating_usefulness": "2"}] * 3)
    assert ordered("rating") == ["Zénith", "Amont", "Aval"]
    assert ordered("establishments") == ["Amont", "Aval", "Zénith"]  # three each, published: by name
    assert names_in_order(client, "sort=rating") == ["Zénith", "Amont", "Aval"]  # what a visitor sees


def test_sorting_reads_the_release_not_the_live_reports(app):
    """Figures move only at a release: reports published since the last one change no order."""
    category = make_category()
    first, second = make_solution(category, name="Aval"), make_solution(category, name="Amont")
    publish_voices(first, [{}] * 4)
    publish_voices(second, [{}] * 3)
    assert ordered("establishments") == ["Aval", "Amont"]
    publish_voices(second, [{}] * 2)  # five establishments now, but two changes are not a release
    assert releases.visitor_scorecard(releases.solution_scope(second.id))["establishments"]["value"] == 3
    assert ordered("establishments") == ["Aval", "Amont"]
    # Both released the same day: the same date, so the most recent order says nothing of which report came last.
    assert ordered("recent") == ["Amont", "Aval"]
    publish_voices(second, [{}])
    assert ordered("establishments") == ["Amont", "Aval"]


def test_most_recent_orders_by_the_releases_published_day(app, client):
    """The day a release was published (as its scorecard says) orders the solutions, latest first; a solution with
    no release comes after, by name."""
    from app.models import StatRelease, StatReleaseView

    category = make_category()
    older, newer = make_solution(category, name="Ancienne"), make_solution(category, name="Nouvelle")
    make_solution(category, name="Attente")
    publish_voices(newer, [{}] * 3)
    publish_voices(older, [{}] * 3)
    release = db.session.scalar(sa.select(StatRelease).where(StatRelease.scope == releases.solution_scope(older.id)))
    for view in db.session.scalars(sa.select(StatReleaseView).where(StatReleaseView.release_id == release.id)):
        view.card = {**view.card, "release": {**view.card["release"], "date": "2026-01-15"}}
    db.session.commit()
    assert ordered("recent") == ["Nouvelle", "Ancienne", "Attente"]
    assert names_in_order(client, "sort=recent") == ["Nouvelle", "Ancienne", "Attente"]
    assert "Ordre de la dernière publication statistique" in page_text(client.get("/catalogue?sort=recent"))
