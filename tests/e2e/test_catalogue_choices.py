"""Journey: a visitor searches the catalogue by a medical word, sorts it by published figures, ticks two solutions
to compare them, opens a solution page with its headline figures and is led to write a report through the login."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _number(text: str) -> float | None:
    """A figure as a card shows it ("12", "85 %", "3,9 / 5"), None when hidden."""
    if "effectif insuffisant" in text:
        return None
    return float(re.match(r"[0-9]+(?:[.,][0-9]+)?", text.strip()).group(0).replace(",", "."))


def test_visitor_searches_sorts_compares_and_opens_a_solution(page, live_server, check_page):
    page.goto(f"{live_server}/catalogue")
    expect(page.locator(".sort-note")).to_have_text("Ordre par défaut : par nom, de A à Z.")
    with_figures = page.locator(".cards > li.card .headline-figures").first
    expect(with_figures.locator("dt")).to_have_text(
        ["Établissements", "Satisfaction globale", "Utilisabilité (F-SUS)", "La choisiraient à nouveau"])

    # "radiologie" is in no solution's name: it finds the imaging category's solutions.
    page.get_by_role("searchbox", name="Rechercher une solution").fill("radiologie")
    page.get_by_role("button", name="Rechercher").click()
    cards = page.locator(".cards > li.card")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 5
    for card in cards.all():
        expect(card.locator(".muted").first).to_contain_text("Imagerie")
    check_page(page, "catalogue-radiologie")

    # Sort by the most reported: the search stays, published counts come in decreasing order, hidden ones last.
    page.get_by_label("Trier par").select_option(label="Les plus de retours (établissements)")
    page.get_by_role("button", name="Trier", exact=True).click()
    assert "sort=establishments" in page.url and "q=radiologie" in page.url
    expect(page.get_by_role("searchbox", name="Rechercher une solution")).to_have_value("radiologie")
    expect(page.locator(".sort-note")).to_contain_text("Ordre des chiffres publiés")
    counts = [_number(t) for t in page.locator(".headline-figures div:first-child dd").all_inner_texts()]
    published = [c for c in counts if c is not None]
    assert published == sorted(published, reverse=True) and published
    assert counts[:len(published)] == published  # hidden ones only after every published one
    check_page(page, "catalogue-sorted")

    # Tick two solutions and compare them.
    names = cards.locator("h3").all_inner_texts()[:2]
    for name in names:
        page.get_by_role("checkbox", name=f"Comparer {name}").check()
    page.get_by_role("button", name="Comparer la sélection").click()
    expect(page).to_have_url(re.compile(r"/statistics/compare\?solutions=[0-9]+&solutions=[0-9]+$"))
    headers = page.locator(".compare-table thead th a")
    expect(headers).to_have_text(names)
    check_page(page, "compare-from-catalogue")
    page.go_back()

    # The solution page: its figures from the release, its statistics, and writing a report through the login.
    page.get_by_role("link", name=names[0], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(names[0])
    section = page.locator(".solution-headline")
    expect(section.get_by_role("heading", name="En chiffres")).to_be_visible()
    expect(section).to_contain_text("publication statistique n°")
    expect(section.get_by_role("link", name=re.compile("^Statistiques détaillées"))).to_have_attribute(
        "href", re.compile(r"^/statistics/solutions/[0-9]+$"))
    check_page(page, "solution-headline")
    section.get_by_role("link", name=re.compile("^Écrire un retour sur cette solution")).click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    check_page(page, "login-before-report")


def test_a_fifth_solution_and_a_page_past_the_end_are_explained(page, live_server, check_page):
    page.goto(f"{live_server}/catalogue?page=99")
    expect(page.get_by_text("Cette page n'existe pas.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pagination")).to_have_count(0)  # no "Précédente" to an empty page
    page.get_by_role("link", name="Aller à la dernière page (3)").click()
    expect(page).to_have_url(re.compile(r"/catalogue\?page=3$"))
    expect(page.locator(".cards > li.card")).to_have_count(10)
    check_page(page, "catalogue-past-the-end")

    page.goto(f"{live_server}/statistics/compare?" + "&".join(f"solutions={n}" for n in range(1, 6)))
    expect(page.locator(".alert")).to_contain_text("Vous avez choisi 1 solution de trop")
    expect(page.locator(".compare-table thead th a")).to_have_count(4)
    check_page(page, "compare-fifth")
