"""Journey 3: an administrator edits a solution's short description and sees it on the public page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NEW_DESCRIPTION = "Aide à la lecture des mammographies de dépistage, avec double lecture assistée."


def test_admin_edits_a_solution(page, browser, browser_context_args, live_server, check_page, login):
    login(page, "admin@demo.retex-ia.test")
    expect(page).to_have_url(f"{live_server}/")
    check_page(page, "admin-home")

    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    check_page(page, "dashboard")

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Solutions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Solutions du catalogue")
    expect(page.get_by_role("table", name="Liste des solutions").get_by_role("row")).to_have_count(21)
    check_page(page, "admin-solutions")

    page.get_by_role("searchbox", name="Rechercher une solution").fill("Mammavue")
    page.get_by_role("button", name="Rechercher").click()
    rows = page.get_by_role("table", name="Liste des solutions").locator("tbody tr")
    expect(rows).to_have_count(1)
    check_page(page, "admin-solutions-search")
    rows.get_by_role("link", name="Modifier Mammavue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier « Mammavue »")
    description = page.get_by_label("Description courte")
    expect(description).to_have_value("Aide à la lecture des mammographies de dépistage.")
    expect(page.get_by_role("group", name="Hébergements proposés").get_by_label("Sur site")).to_be_checked()
    check_page(page, "admin-solution-form")

    # An empty description is refused, next to the field, and nothing else is lost.
    description.fill("")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#short_description-errors")).to_have_text("Ce champ est obligatoire.")
    expect(page.get_by_label("Nom de la solution")).to_have_value("Mammavue")
    expect(page.get_by_role("group", name="Hébergements proposés").get_by_label("Sur site")).to_be_checked()
    check_page(page, "admin-solution-form-errors")

    page.get_by_label("Description courte").fill(NEW_DESCRIPTION)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(f"{live_server}/catalogue/mammavue")
    expect(page.get_by_role("status")).to_contain_text("Solution « Mammavue » enregistrée.")
    expect(page.locator(".lead")).to_have_text(NEW_DESCRIPTION)
    check_page(page, "admin-solution-saved")

    # A visitor sees the new description, on the solution page and in the catalogue.
    visitor = browser.new_context(**browser_context_args)
    public = visitor.new_page()
    public.goto(f"{live_server}/catalogue/mammavue")
    expect(public.locator(".lead")).to_have_text(NEW_DESCRIPTION)
    expect(public.get_by_role("link", name="Modifier cette fiche")).to_have_count(0)
    check_page(public, "public-solution")
    public.goto(f"{live_server}/catalogue?q=mammavue")
    expect(public.locator(".cards > li.card")).to_contain_text(NEW_DESCRIPTION)
    check_page(public, "public-catalogue")
    visitor.close()
