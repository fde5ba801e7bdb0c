"""Journey 3: an administrator edits a solution's short description and sees it on the public page; the last
ethics reviewer can neither be disabled by an administrator nor delete their own account."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import User

pytestmark = pytest.mark.e2e

REVIEWER = "ethics_reviewer@demo.retex-ia.test"
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


def test_the_last_ethics_reviewer_can_neither_be_disabled_nor_leave(page, live_server, live_app, check_page, login):
    with live_app.app_context():
        reviewers = db.session.scalars(sa.select(User).where(User.role == "ethics_reviewer",
                                                             User.status == "active")).all()
        assert [reviewer.email for reviewer in reviewers] == [REVIEWER]  # the demo's only reviewer
        reviewer_id = reviewers[0].id
        db.session.remove()

    login(page, "admin@demo.retex-ia.test")
    page.goto(f"{live_server}/admin/users/{reviewer_id}")
    page.get_by_label("Statut du compte").select_option(label="Désactivé")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#status-errors")).to_contain_text("dernier référent éthique actif")
    expect(page.get_by_label("Statut du compte")).to_have_value("disabled")  # what was chosen is shown again
    check_page(page, "admin-last-ethics-reviewer")
    page.context.clear_cookies()

    login(page, REVIEWER)
    page.goto(f"{live_server}/account/delete")
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer mon compte ?")
    expect(page.locator("main .alert-warning")).to_contain_text("dernier référent éthique de la plateforme")
    expect(page.get_by_label("Mot de passe actuel")).to_have_count(0)
    check_page(page, "delete-account-refused")
    page.get_by_role("link", name="Revenir à mon compte").click()
    expect(page).to_have_url(f"{live_server}/account")
