"""Journey: a newcomer registers with the help's example FINESS number, which no establishment carries; they ask
for the establishment, an administrator adds it and approves the account, the newcomer logs in. Then the
administrator imports a FINESS extract from its page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NEW_EMAIL = "dominique.leroy@hopital-demande.test"
NEW_NAME = "Dominique Leroy"
NEW_PASSWORD = "une-autre-phrase-de-passe"  # noqa: S105
ESTABLISHMENT = "Hôpital fictif de la Demande"
LEGACY = Path(__file__).parent.parent / "fixtures" / "finess_legacy.csv"


def test_unknown_finess_request_then_admin_adds_the_establishment_and_the_newcomer_logs_in(
        browser, browser_context_args, live_server, check_page, login):
    newcomer = browser.new_context(**browser_context_args)
    page = newcomer.new_page()
    page.goto(f"{live_server}/register")
    finess_input = page.get_by_label("Numéro FINESS de l'établissement")
    # The number the help gives as its example is the one typed.
    example = re.search(r"par exemple ([0-9]{9})", page.locator("#finess-hint").inner_text()).group(1)
    page.get_by_label("Nom et prénom").fill(NEW_NAME)
    page.get_by_label("Adresse électronique professionnelle").fill(NEW_EMAIL)
    finess_input.fill(example)
    page.get_by_label("Mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()

    # 1. Not a dead end: the form explains and asks for the establishment, keeping everything typed.
    request_section = page.locator("#establishment-request")
    expect(request_section).to_contain_text("Cet établissement n'est pas encore inscrit sur Retex IA")
    expect(request_section).to_contain_text(f"Le numéro FINESS {example} est valide")
    expect(page.get_by_label("Nom et prénom")).to_have_value(NEW_NAME)
    expect(finess_input).to_have_value(example)
    expect(page.get_by_label("Mot de passe", exact=True)).to_have_value(NEW_PASSWORD)
    check_page(page, "request-offered")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator("#establishment_name-errors")).to_have_text(
        "Indiquez le nom de l'établissement, pour que l'équipe puisse l'ajouter.")
    expect(page.get_by_label("Confirmez le mot de passe")).to_have_value(NEW_PASSWORD)
    check_page(page, "request-name-missing")
    page.get_by_label("Nom de l'établissement").fill(ESTABLISHMENT)
    page.get_by_label("Type d'établissement").select_option(label="Centre hospitalier")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande est envoyée")
    expect(page.locator("main")).to_contain_text(f"L'établissement « {ESTABLISHMENT} » (FINESS {example})")
    expect(page.get_by_role("heading", name="La suite")).to_be_visible()
    check_page(page, "request-sent")
    login(page, NEW_EMAIL, NEW_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("l'équipe examine votre demande d'ajout")
    check_page(page, "request-login-pending")

    # 2. An administrator adds the establishment, then approves the account.
    admin = browser.new_context(**browser_context_args)
    admin_page = admin.new_page()
    login(admin_page, "admin@demo.retex-ia.test")
    admin_page.goto(f"{live_server}/admin/")
    admin_page.get_by_role("link", name=re.compile("demandes? d'ajout d'établissement")).click()
    row = admin_page.get_by_role("table", name="Demandes en attente").get_by_role("row").filter(has_text=example)
    expect(row).to_contain_text("Non vérifié")
    check_page(admin_page, "admin-requests")
    row.get_by_role("link", name="Examiner").click()
    expect(admin_page.locator("main")).to_contain_text(ESTABLISHMENT)
    check_page(admin_page, "admin-request")
    admin_page.get_by_role("button", name="Ajouter l'établissement").click()
    expect(admin_page.get_by_role("status")).to_contain_text(f"L'établissement « {ESTABLISHMENT} » est ajouté")
    pending = admin_page.get_by_role("row").filter(has_text=NEW_EMAIL)
    expect(pending).to_contain_text(ESTABLISHMENT)
    check_page(admin_page, "admin-pending-account")
    pending.get_by_role("button", name="Valider").click()
    expect(admin_page.get_by_role("status")).to_contain_text(f"Le compte de {NEW_NAME} est activé.")
    admin.close()

    # 3. The newcomer can now log in.
    login(page, NEW_EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator(".site-header").get_by_role("link", name="Mon compte")).to_be_visible()
    check_page(page, "request-newcomer-home")
    newcomer.close()


def test_admin_imports_a_finess_extract_from_its_page(page, live_server, check_page, login):
    login(page, "admin@demo.retex-ia.test")
    page.goto(f"{live_server}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Import FINESS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import de l'extrait FINESS")
    check_page(page, "finess-import")
    page.get_by_role("button", name="Importer").click()
    expect(page.locator("#extract-errors")).to_have_text("Choisissez le fichier de l'extrait FINESS.")
    check_page(page, "finess-import-missing")

    page.get_by_label("Fichier de l'extrait FINESS").set_input_files(str(LEGACY))
    page.get_by_role("checkbox", name="Essai à blanc").check()
    page.get_by_role("button", name="Importer").click()
    result = page.get_by_role("status")
    expect(result).to_contain_text("Essai à blanc : rien n'a été enregistré")
    expect(result).to_contain_text("4 lignes rejetées")
    rejected = page.get_by_role("table", name="Lignes rejetées et leur raison")
    expect(rejected.get_by_role("row").filter(has_text="clé de contrôle")).to_have_count(1)
    check_page(page, "finess-import-dry-run")

    page.get_by_label("Fichier de l'extrait FINESS").set_input_files(str(LEGACY))
    dry_run = page.get_by_role("checkbox", name="Essai à blanc")
    expect(dry_run).to_be_checked()  # as it was sent
    dry_run.uncheck()
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("status")).to_contain_text("Import terminé")
    check_page(page, "finess-import-done")
    page.goto(f"{live_server}/admin/establishments?q=750100000")
    expect(page.locator("main")).to_contain_text("CENTRE HOSPITALIER DE L'ÉTOILE")
