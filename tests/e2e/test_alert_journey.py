"""Journey: a contributor raises an ethics alert about a medical device from its page (the form asks about the
materiovigilance declaration); the ethics reviewer acknowledges it and asks a question; the contributor answers;
the reviewer records what follows; the contributor sees the status. Every page is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

CONTRIBUTOR = "contributor@demo.retex-ia.test"
REVIEWER = "ethics_reviewer@demo.retex-ia.test"
SOLUTION = "Ossifine"  # a fictional class IIa medical device
SUMMARY = "Fractures manquées chez les personnes âgées (essai)"


def _choose(page: Page, question: str, option: str) -> None:
    page.get_by_role("group", name=question).get_by_label(option, exact=True).check()


def _open_alert(page: Page) -> None:
    page.get_by_role("link", name=SUMMARY).click()
    expect(page.get_by_role("heading", level=1, name=SUMMARY)).to_be_visible()


def test_an_alert_from_raising_to_its_outcome(browser, browser_context_args, live_server, login, check_page):
    from app.services import privacy

    privacy.warm_up()  # the patient-data guard's model, loaded before the form is sent (as the server does at start)
    writer = browser.new_context(**browser_context_args).new_page()
    reviewer = browser.new_context(**browser_context_args).new_page()

    login(writer, CONTRIBUTOR)
    writer.goto(f"{live_server}/catalogue?q={SOLUTION}")
    writer.get_by_role("link", name=SOLUTION, exact=True).first.click()
    writer.get_by_role("link", name="Signaler un problème éthique ou de sécurité sur cette solution").click()
    check_page(writer, "alert-form")
    expect(writer.locator("#vigilance-notice")).to_contain_text("signalement-sante.gouv.fr")
    _choose(writer, "Nature du problème", "Incident de sécurité patient")
    writer.get_by_label("Objet de l'alerte").fill(SUMMARY)
    writer.get_by_label("Ce qui s'est passé").fill("Trois fractures du col non signalées en une semaine (essai).")
    _choose(writer, "L'éditeur peut-il connaître le nom de votre établissement ?", "Oui")
    writer.get_by_role("button", name="Envoyer l'alerte").click()
    # The declaration's question was left unanswered: said next to it, nothing typed lost.
    expect(writer.locator("#error-summary")).to_contain_text("matériovigilance")
    expect(writer.get_by_label("Objet de l'alerte")).to_have_value(SUMMARY)
    check_page(writer, "alert-form-error")
    _choose(writer, "La déclaration de matériovigilance a-t-elle été faite ?", "Non, pas encore")
    writer.get_by_role("button", name="Envoyer l'alerte").click()
    expect(writer.get_by_text("Votre alerte est envoyée")).to_be_visible()
    check_page(writer, "alert-sent")

    login(reviewer, REVIEWER)
    reviewer.get_by_role("link", name="Alertes reçues").click()
    check_page(reviewer, "alert-queue")
    _open_alert(reviewer)
    reviewer.get_by_role("button", name="Prendre en compte l'alerte").click()
    expect(reviewer.get_by_text("L'alerte est prise en compte")).to_be_visible()
    check_page(reviewer, "alert-acknowledged")
    reviewer.get_by_label("Question à l'auteur").fill("Les clichés concernés ont-ils été relus ?")
    reviewer.get_by_role("button", name="Poser la question").click()
    expect(reviewer.get_by_text("Votre question est envoyée")).to_be_visible()

    writer.get_by_role("link", name="Signaler un problème").first.click()
    writer.get_by_role("link", name="Mes alertes et leur statut").click()
    expect(writer.get_by_role("row", name=SUMMARY)).to_contain_text("Question posée")
    check_page(writer, "my-alerts-question")
    _open_alert(writer)
    writer.get_by_label("Votre message").fill("Oui, par un second radiologue (essai).")
    writer.get_by_role("button", name="Envoyer", exact=True).click()
    expect(writer.get_by_text("Votre réponse est envoyée")).to_be_visible()
    check_page(writer, "alert-answered")

    reviewer.reload()
    expect(reviewer.get_by_text("Oui, par un second radiologue (essai).")).to_be_visible()
    _choose(reviewer, "Suite donnée", "Transmise à l'éditeur")
    reviewer.get_by_label("Message à l'auteur").fill("Transmis à l'éditeur, sans le nom de patients (essai).")
    reviewer.get_by_role("button", name="Enregistrer la suite donnée").click()
    expect(reviewer.get_by_text("La suite donnée est enregistrée")).to_be_visible()
    check_page(reviewer, "alert-closed")

    writer.goto(f"{live_server}/alerts/")
    row = writer.get_by_role("row", name=SUMMARY)
    expect(row).to_contain_text("Clôturée")
    expect(row).to_contain_text("Transmise à l'éditeur")
    check_page(writer, "my-alerts-closed")
    writer.context.close()
    reviewer.context.close()
