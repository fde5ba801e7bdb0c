"""Journey 1: a visitor browses, searches and filters the catalogue, then opens a solution page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Solution

pytestmark = pytest.mark.e2e


def _solution(live_app, name: str) -> dict:
    with live_app.app_context():
        solution = db.session.scalar(sa.select(Solution).where(Solution.name == name))
        hosting = list(solution.hosting_options)
        category = solution.category.slug
        db.session.remove()
    return {"hosting": hosting, "category": category}


def test_visitor_searches_filters_and_opens_a_solution(page, live_server, live_app, check_page):
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ce que les établissements ont appris")
    expect(page.locator(".demo-banner")).to_contain_text("sont fictives")
    check_page(page, "home")

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Catalogue").click()
    expect(page).to_have_url(f"{live_server}/catalogue")
    count = page.locator(".result-count")
    expect(count).to_have_text("50 solutions trouvées")
    expect(page.locator(".cards > li.card")).to_have_count(20)
    expect(page.get_by_role("navigation", name="Pagination")).to_be_visible()
    check_page(page, "catalogue")

    # Free-text search.
    page.get_by_role("searchbox", name="Rechercher une solution").fill("détection")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/catalogue\?q=d%C3%A9tection$"))
    expect(count).to_have_text("4 solutions trouvées")
    cards = page.locator(".cards > li.card")
    expect(cards).to_have_count(4)
    for text in cards.all_inner_texts():
        assert "détection" in text.lower(), text
    check_page(page, "catalogue-search")

    # Two filters on top of the search (the filter form keeps the search terms).
    page.get_by_label("Catégorie").select_option(label="Imagerie")
    page.get_by_label("Hébergement").select_option(label="Cloud certifié HDS")
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(r"category=imagerie"))
    assert "hosting=hds_cloud" in page.url and "q=d%C3%A9tection" in page.url
    expect(count).to_have_text("2 solutions trouvées")
    expect(cards).to_have_count(2)
    # The form shows the filters that are applied.
    expect(page.get_by_label("Catégorie")).to_have_value("imagerie")
    expect(page.get_by_label("Hébergement")).to_have_value("hds_cloud")
    expect(page.get_by_role("searchbox", name="Rechercher une solution")).to_have_value("détection")
    names = cards.locator("h3").all_inner_texts()
    assert sorted(names) == ["Ossifine", "Radiolys Thorax"]
    for card in cards.all():
        text = card.inner_text()
        assert "détection" in text.lower()
        expect(card.locator(".muted")).to_contain_text("· Imagerie")
        facts = _solution(live_app, card.locator("h3").inner_text())
        assert facts["category"] == "imagerie"
        assert "hds_cloud" in facts["hosting"]
    check_page(page, "catalogue-filtered")

    # A filter combination with no result says so.
    page.get_by_label("Dispositif médical").select_option(label="Dispositif médical de classe III")
    page.get_by_role("button", name="Appliquer").click()
    expect(count).to_have_text("0 solution trouvée")  # French: zero takes the singular
    expect(page.get_by_text("Aucune solution ne correspond à ces critères.")).to_be_visible()
    check_page(page, "catalogue-empty")
    page.go_back()

    # The solution page.
    page.get_by_role("link", name="Radiolys Thorax", exact=True).click()
    expect(page).to_have_url(f"{live_server}/catalogue/radiolys-thorax")
    expect(page.get_by_role("heading", level=1)).to_have_text("Radiolys Thorax")
    expect(page.locator(".lead")).to_have_text("Détection d'anomalies sur radiographies thoraciques.")
    expect(page.locator(".demo-banner")).to_contain_text(
        "Toutes les données de ce site (solutions, éditeurs, établissements, retours) sont fictives.")
    expect(page.get_by_text("Solution fictive (démonstration)")).to_be_visible()
    declared = page.locator("dl.facts .declared")
    expect(declared).to_have_count(7)
    for text in declared.all_inner_texts():
        assert text == "déclaré par l'éditeur"
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Nordalune Imaging (fictif)")
    expect(facts).to_contain_text("Dispositif médical de classe IIa")
    hosting = facts.locator("dt:has-text('Hébergements proposés') + dd")
    assert sorted(hosting.inner_text().split(", ")) == ["Cloud certifié HDS", "Sur site"]
    breadcrumb = page.get_by_role("navigation", name="Fil d'Ariane")
    expect(breadcrumb.get_by_role("link", name="Imagerie")).to_have_attribute("href", "/catalogue?category=imagerie")
    check_page(page, "solution")
