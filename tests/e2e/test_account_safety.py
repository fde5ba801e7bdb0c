"""Journeys of the account's safety nets: an administrator unlocks logins locked by failed attempts, and an
analyst whose session expired while writing a guide sends the text again after logging in."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Guide
from app.services.guide_sections import SECTIONS
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.retex-ia.test"
ANALYST = "analyst@demo.retex-ia.test"
SECTION_TITLES = {key: str(title) for key, title in SECTIONS}
LOCKED = "Trop de tentatives de connexion infructueuses avec cette adresse électronique"
TYPED = "Prévoir deux demi-journées de formation pour l'équipe de nuit,\navant la mise en service."


def _fill_login(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")


def test_admin_unlocks_logins_locked_by_failed_attempts(page, browser, browser_context_args, live_server, live_app,
                                                        check_page, login):
    with live_app.app_context():
        email = make_user("contributor").email
        db.session.commit()
        db.session.remove()
    threshold = live_app.config["ACCOUNT_LOCK_THRESHOLD"]

    # The owner mistypes the password until logins from this address lock; then even the right password is
    # refused there.
    owner = browser.new_context(**browser_context_args).new_page()
    for _ in range(threshold):
        _fill_login(owner, live_server, email, "not-the-password")
    expect(owner.get_by_role("alert")).to_contain_text(LOCKED)
    _fill_login(owner, live_server, email, PASSWORD)
    expect(owner.get_by_role("alert")).to_contain_text(LOCKED)
    expect(owner).to_have_url(re.compile(r"/login$"))
    check_page(owner, "locked-login")

    # An administrator finds the account marked as locked and unlocks it.
    login(page, ADMIN)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Comptes").click()
    page.get_by_role("searchbox", name="Rechercher un compte").fill(email)
    page.get_by_role("button", name="Filtrer").click()
    row = page.get_by_role("table", name="Liste des comptes").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Verrouillé")
    check_page(page, "accounts-locked-badge")
    row.get_by_role("link", name=f"Modifier {email}").click()
    lock = page.get_by_role("region", name="Connexions verrouillées")
    expect(lock).to_contain_text(f"après {threshold} tentatives de connexion infructueuses")
    check_page(page, "account-locked")
    lock.get_by_role("button", name="Déverrouiller").click()
    expect(page.get_by_role("status")).to_contain_text("est déverrouillé")
    expect(page.get_by_role("region", name="Connexions verrouillées")).to_have_count(0)
    check_page(page, "account-unlocked")

    # The owner logs in with the right password.
    _fill_login(owner, live_server, email, PASSWORD)
    expect(owner).to_have_url(f"{live_server}/")
    expect(owner.get_by_role("button", name="Se déconnecter")).to_be_visible()
    owner.context.close()


def test_guide_text_sent_after_the_session_expired_is_sent_again_after_login(page, live_server, live_app, check_page,
                                                                              login):
    with live_app.app_context():
        guide_id = db.session.scalar(sa.select(Guide.id).order_by(Guide.id))
        db.session.remove()
    editor = f"{live_server}/guides/manage/{guide_id}"
    section = page.get_by_role("group", name=re.compile(rf"^\d+\. {re.escape(SECTION_TITLES['prerequisites'])}$"))

    login(page, ANALYST)
    page.goto(editor)
    section.get_by_label("Texte de la section (Markdown)").fill(TYPED)

    # The analyst leaves the page open past the idle limit, then saves.
    idle = live_app.config["SESSION_IDLE_MINUTES"]
    live_app.config["SESSION_IDLE_MINUTES"] = 0
    try:
        time.sleep(1.2)
        page.get_by_role("button", name="Enregistrer", exact=True).first.click()
        expect(page).to_have_url(re.compile(r"/login\?next="))
    finally:
        live_app.config["SESSION_IDLE_MINUTES"] = idle
    expect(page.get_by_role("alert").filter(has_text="Votre session a expiré")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="ce que vous y aviez saisi est conservé")).to_be_visible()
    check_page(page, "expired-login")

    # After logging in, the text typed is shown and sent again in one click.
    page.get_by_label("Adresse électronique").fill(ANALYST)
    page.get_by_label("Mot de passe", exact=True).fill("demo-retex-ia")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server}/resume")
    expect(page.get_by_role("heading", level=1)).to_have_text("Renvoyer votre formulaire")
    expect(page.locator(".kept-value").filter(has_text="deux demi-journées de formation")).to_have_count(1)
    check_page(page, "resume-form")
    page.get_by_role("button", name="Renvoyer le formulaire").click()

    expect(page).to_have_url(editor)
    expect(page.get_by_role("status").filter(has_text="Brouillon enregistré.")).to_be_visible()
    expect(section.get_by_label("Texte de la section (Markdown)")).to_have_value(TYPED)
    check_page(page, "resent-and-saved")
