"""Journey 2: a new user registers with their establishment's FINESS, the referent approves, the user logs in."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import User

pytestmark = pytest.mark.e2e

NEW_EMAIL = "camille.martin@chu-demo.test"
NEW_NAME = "Camille Martin"
NEW_PASSWORD = "une-phrase-de-passe-longue"  # noqa: S105


def _referent_establishment(live_app) -> tuple[str, str]:
    with live_app.app_context():
        referent = db.session.scalar(sa.select(User).where(User.email == "referent@demo.retex-ia.test"))
        establishment = referent.establishment
        result = (establishment.finess, establishment.name)
        db.session.remove()
    return result


def _status(live_app, email: str) -> str | None:
    with live_app.app_context():
        status = db.session.scalar(sa.select(User.status).where(User.email == email))
        db.session.remove()
    return status


def test_registration_approval_and_first_login(browser, browser_context_args, live_server, live_app,
                                               check_page, login):
    finess, establishment_name = _referent_establishment(live_app)

    # 1. The newcomer fills the form with two mistakes: a bad FINESS key and a short password.
    newcomer = browser.new_context(**browser_context_args)
    page = newcomer.new_page()
    page.goto(f"{live_server}/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Créer un compte").click()
    expect(page).to_have_url(f"{live_server}/register")
    check_page(page, "register")
    page.get_by_label("Nom et prénom").fill(NEW_NAME)
    page.get_by_label("Adresse électronique professionnelle").fill(NEW_EMAIL)
    page.get_by_label("Numéro FINESS de l'établissement").fill("750712148")
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmez le mot de passe").fill("court")
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Le formulaire contient des erreurs")
    finess_input = page.get_by_label("Numéro FINESS de l'établissement")
    expect(finess_input).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#finess-errors")).to_have_text(
        "La clé de contrôle de ce numéro FINESS est incorrecte : vérifiez la saisie.")
    expect(finess_input).to_have_attribute("aria-describedby", "finess-hint finess-errors")
    expect(page.locator("#password-errors")).to_have_text("Le mot de passe doit compter au moins 12 caractères.")
    # The other fields keep what was typed (the passwords too: the page is never stored).
    expect(page.get_by_label("Nom et prénom")).to_have_value(NEW_NAME)
    expect(page.get_by_label("Adresse électronique professionnelle")).to_have_value(NEW_EMAIL)
    expect(finess_input).to_have_value("750712148")
    expect(page.locator("#full_name-errors")).to_have_count(0)
    expect(page.locator("#email-errors")).to_have_count(0)
    # The summary links to the fields in error.
    expect(summary.get_by_role("link")).to_have_count(2)
    summary.get_by_role("link", name="Numéro FINESS").click()
    expect(finess_input).to_be_focused()
    check_page(page, "register-errors")
    assert _status(live_app, NEW_EMAIL) is None

    # 2. Corrected, the request is sent.
    finess_input.fill(finess)
    page.get_by_label("Mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande est envoyée")
    expect(page.locator("main")).to_contain_text(establishment_name)
    check_page(page, "registered")
    assert _status(live_app, NEW_EMAIL) == "pending"

    # 3. Not yet approved: the login is refused with an explanation.
    login(page, NEW_EMAIL, NEW_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Votre compte attend la validation du référent")
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    expect(page.get_by_label("Adresse électronique")).to_have_value(NEW_EMAIL)
    check_page(page, "login-pending")

    # 4. The referent approves the request.
    referent = browser.new_context(**browser_context_args)
    ref_page = referent.new_page()
    login(ref_page, "referent@demo.retex-ia.test")
    expect(ref_page).to_have_url(f"{live_server}/")
    check_page(ref_page, "referent-home")
    ref_page.get_by_role("link", name="Mon équipe").click()
    expect(ref_page).to_have_url(f"{live_server}/team/")
    expect(ref_page.locator(".lead")).to_contain_text(finess)
    pending_table = ref_page.get_by_role("table", name="Demandes de compte en attente")
    row = pending_table.get_by_role("row").filter(has_text=NEW_EMAIL)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(NEW_NAME)
    check_page(ref_page, "team")
    row.get_by_role("button", name="Valider").click()
    expect(ref_page).to_have_url(f"{live_server}/team/")
    expect(ref_page.get_by_role("status")).to_contain_text(f"Le compte de {NEW_NAME} est activé.")
    expect(pending_table.get_by_role("row").filter(has_text=NEW_EMAIL)).to_have_count(0)
    members = ref_page.get_by_role("table", name="Membres de l'établissement")
    expect(members.get_by_role("row").filter(has_text=NEW_EMAIL)).to_contain_text("Actif")
    check_page(ref_page, "team-approved")
    assert _status(live_app, NEW_EMAIL) == "active"
    referent.close()

    # 5. The newcomer logs in, then out.
    login(page, NEW_EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")
    header = page.locator(".site-header")
    expect(header.get_by_role("link", name="Mon compte")).to_be_visible()
    expect(header.get_by_role("link", name="Mon équipe")).to_have_count(0)
    check_page(page, "newcomer-home")
    header.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")
    expect(header.get_by_role("link", name="Se connecter")).to_be_visible()
    check_page(page, "logged-out")
    newcomer.close()
