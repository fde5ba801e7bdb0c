"""Journeys of peer contact and of the account page: a member writes to an establishment that agreed to be
contacted and its author answers; the author withdraws the consent; a person changes their e-mail address through
the link sent to it; a person deletes their account; an analyst creates an API token with an expiry date."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.extensions import db, mail
from app.services import api_tokens
from tests.factories import PASSWORD, complete_answers, make_establishment, make_report, make_solution, make_user

pytestmark = pytest.mark.e2e

ANALYST = "analyst@demo.retex-ia.test"


def _peers(live_app, tag: str) -> dict:
    """A solution whose report in one establishment consents to be contacted, and a member of another one."""
    with live_app.app_context():
        solution = make_solution(name=f"Solution fictive des pairs {tag}")
        willing = make_establishment(name=f"Centre hospitalier fictif Volontaire {tag}", region="84")
        author = make_user("contributor", willing, email=f"auteur-{tag}@volontaire.test")
        author.full_name = "Camille Auteur"
        report = make_report(author, solution, "published", complete_answers(stage="pilot"))
        seeker = make_user("contributor", make_establishment(name=f"Hôpital fictif Curieux {tag}"),
                           email=f"demandeur-{tag}@curieux.test")
        seeker.full_name = "Dominique Demandeur"
        db.session.commit()
        world = {"slug": solution.slug, "willing": willing.name, "author": author.email, "seeker": seeker.email,
                 "report": report.id}
        db.session.remove()
    return world


def _local(body: str, live_server: str) -> str:
    """The link of a mail, on the live server (mails point to PUBLIC_URL)."""
    return re.sub(r"^https?://[^/]+", live_server, re.search(r"https?://\S+", body).group(0))


def _page_as(browser, browser_context_args, login, email: str):
    page = browser.new_context(**browser_context_args).new_page()
    login(page, email, PASSWORD)
    return page


def test_a_member_writes_to_a_peer_who_answers(browser, browser_context_args, live_server, live_app, check_page,
                                               login):
    world = _peers(live_app, "echange")
    seeker = _page_as(browser, browser_context_args, login, world["seeker"])
    seeker.goto(f"{live_server}/catalogue/{world['slug']}")
    peers = seeker.get_by_role("region", name="Établissements à contacter")
    expect(peers).to_contain_text(world["willing"])
    expect(peers).to_contain_text("Expérimentation (pilote)")
    check_page(seeker, "solution-peers")

    peers.get_by_role("link", name=f"Écrire à {world['willing']}").click()
    expect(seeker.get_by_role("heading", level=1)).to_have_text(f"Écrire à {world['willing']}")
    check_page(seeker, "write-to-peer")
    with mail.record_messages() as outbox:
        seeker.get_by_label("Votre message").fill("Bonjour, comment avez-vous formé vos équipes ?")
        seeker.get_by_role("button", name="Envoyer le message").click()
        expect(seeker.get_by_role("status")).to_contain_text("Message envoyé")
    [notice] = outbox
    assert notice.recipients == [world["author"]] and world["seeker"] not in notice.body
    expect(seeker.locator("main")).not_to_contain_text(world["author"])
    expect(seeker.locator("main")).to_contain_text("En attente de réponse")
    check_page(seeker, "conversation-sent")

    author = _page_as(browser, browser_context_args, login, world["author"])
    author.goto(_local(notice.body, live_server))
    expect(author.locator("main")).to_contain_text("comment avez-vous formé vos équipes")
    expect(author.locator("main")).not_to_contain_text(world["seeker"])
    check_page(author, "conversation-received")
    author.get_by_label("Votre message").fill("Avec plaisir : deux demi-journées, et un référent par service.")
    author.get_by_role("button", name="Envoyer le message").click()
    expect(author.get_by_role("status")).to_contain_text("Message envoyé")
    expect(author.locator("main")).to_contain_text(world["seeker"])
    expect(author.locator("main")).to_contain_text("Dominique Demandeur")
    check_page(author, "conversation-answered")

    seeker.reload()
    expect(seeker.locator("main")).to_contain_text(world["author"])
    expect(seeker.locator("main")).to_contain_text("Camille Auteur")
    seeker.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Échanges").click()
    expect(seeker.get_by_role("region", name="Échanges de votre établissement")).to_contain_text(world["willing"])
    check_page(seeker, "conversations")
    for page in (seeker, author):
        page.context.close()


def test_the_author_withdraws_the_consent_and_the_establishment_leaves_the_list(
        browser, browser_context_args, live_server, live_app, check_page, login):
    world = _peers(live_app, "retrait")
    author = _page_as(browser, browser_context_args, login, world["author"])
    author.goto(f"{live_server}/reports/{world['report']}")
    consent = author.get_by_role("region", name="Contact par des pairs")
    check_page(author, "report-with-consent")
    consent.get_by_role("link", name="Retirer mon accord de contact").click()
    expect(author.get_by_role("heading", level=1)).to_have_text("Retirer l'accord de contact ?")
    check_page(author, "withdraw-consent")
    author.get_by_role("button", name="Retirer mon accord").click()
    expect(author.get_by_role("status")).to_contain_text("Votre accord est retiré")
    expect(author.get_by_role("region", name="Contact par des pairs")).to_have_count(0)
    check_page(author, "consent-withdrawn")

    seeker = _page_as(browser, browser_context_args, login, world["seeker"])
    seeker.goto(f"{live_server}/catalogue/{world['slug']}")
    expect(seeker.locator("main")).to_contain_text("Aucun autre établissement n'a encore accepté")
    expect(seeker.locator("main")).not_to_contain_text(world["willing"])
    for page in (seeker, author):
        page.context.close()


def test_a_person_changes_their_address_through_the_link_sent_to_it(
        browser, browser_context_args, live_server, live_app, check_page, login):
    with live_app.app_context():
        email = make_user("contributor").email
        db.session.commit()
        db.session.remove()
    page = _page_as(browser, browser_context_args, login, email)
    page.get_by_role("link", name="Mon compte").click()
    check_page(page, "account")
    form = page.locator("form", has=page.get_by_label("Nouvelle adresse électronique"))
    form.get_by_label("Nouvelle adresse électronique").fill("pas-une-adresse")
    form.get_by_label("Mot de passe actuel").fill(PASSWORD)
    form.get_by_role("button", name="Envoyer le lien de confirmation").click()
    expect(page.get_by_text("Saisissez une adresse électronique valide").first).to_be_visible()
    check_page(page, "account-email-error")

    new_email = "nouvelle.adresse@hopital-fictif.test"
    form = page.locator("form", has=page.get_by_label("Nouvelle adresse électronique"))
    form.get_by_label("Nouvelle adresse électronique").fill(new_email)
    form.get_by_label("Mot de passe actuel").fill(PASSWORD)
    with mail.record_messages() as outbox:
        form.get_by_role("button", name="Envoyer le lien de confirmation").click()
        expect(page.get_by_role("status")).to_contain_text(f"Un lien de confirmation vient d'être envoyé à {new_email}")
    [confirmation] = outbox
    assert confirmation.recipients == [new_email]
    expect(page.locator("dl.facts")).to_contain_text(email)  # not changed yet

    page.goto(_local(confirmation.body, live_server))
    check_page(page, "confirm-email")
    with mail.record_messages() as outbox:
        page.get_by_role("button", name="Confirmer la nouvelle adresse").click()
        expect(page.get_by_role("status")).to_contain_text(f"Votre adresse électronique est désormais {new_email}")
    assert [m.recipients for m in outbox] == [[email]]  # the former address is told
    expect(page.locator("dl.facts")).to_contain_text(new_email)
    check_page(page, "account-email-changed")
    page.context.close()


def test_a_person_deletes_their_account(browser, browser_context_args, live_server, live_app, check_page, login):
    with live_app.app_context():
        email = make_user("contributor").email
        db.session.commit()
        db.session.remove()
    page = _page_as(browser, browser_context_args, login, email)
    page.goto(f"{live_server}/account")
    page.get_by_role("navigation", name="Réglages du compte").get_by_role("link", name="Supprimer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer mon compte ?")
    expect(page.locator("main")).to_contain_text("Les retours que vous avez écrits restent")
    check_page(page, "delete-account")
    page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_text("Cochez cette case pour confirmer.").first).to_be_visible()
    check_page(page, "delete-account-unconfirmed")
    page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    page.get_by_label("Je comprends que la suppression est définitive").check()
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("status")).to_contain_text("Votre compte est supprimé")
    expect(page).to_have_url(f"{live_server}/")
    check_page(page, "account-deleted")
    login(page, email, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Adresse électronique ou mot de passe incorrect.")
    page.context.close()


def test_an_analyst_creates_a_token_with_an_expiry_date(browser, browser_context_args, live_server, live_app,
                                                         check_page, login):
    with live_app.app_context():
        too_late = (api_tokens.latest_expiry() + timedelta(days=1)).isoformat()
        chosen = api_tokens.today() + timedelta(days=30)
    page = browser.new_context(**browser_context_args).new_page()
    login(page, ANALYST)  # the demonstration password
    page.goto(f"{live_server}/account")
    page.get_by_role("link", name="Mes jetons d'accès à l'API").click()
    expect(page.get_by_label("Dernier jour de validité")).to_have_value(api_tokens.default_expiry().isoformat())
    check_page(page, "tokens")
    page.get_by_label("Nom du jeton").fill("Tableau de bord fictif")
    page.get_by_label("Dernier jour de validité").fill(too_late)
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_text("Un jeton vaut au plus un an").first).to_be_visible()
    expect(page.get_by_label("Nom du jeton")).to_have_value("Tableau de bord fictif")
    check_page(page, "token-expiry-error")
    page.get_by_label("Dernier jour de validité").fill(chosen.isoformat())
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_role("alert")).to_contain_text("Jeton « Tableau de bord fictif » créé")
    row = page.get_by_role("table", name="Jetons d'API de votre compte").locator("tbody tr").filter(
        has_text="Tableau de bord fictif")
    # The token dies at the end of the chosen day, Paris time: midnight of the next day.
    expect(row).to_contain_text((chosen + timedelta(days=1)).strftime("%d/%m/%Y"))
    check_page(page, "token-created")
    page.context.close()
