"""Journey 4: a contributor writes a report over two browser tabs, fixes a patient's name the guard spotted,
sends it; the moderator publishes it; the contributor sees it published."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Report

pytestmark = pytest.mark.e2e

CONTRIBUTOR = "contributor@demo.retex-ia.test"
MODERATOR = "moderator@demo.retex-ia.test"
SOLUTION = "Dictalis"
ADVICE_WITH_NAME = "Le patient Jean Dupont a été revu par le Dr Lemoine."
ADVICE = "Associer tôt les secrétaires médicales et prévoir une formation courte pour chaque équipe."
SUS_BEFORE_AUTOSAVE = {1: "4", 2: "2", 3: "4"}
SUS_BEFORE_CLOSE = {4: "1", 5: "5"}
SUS_AFTER = {6: "2", 7: "4", 8: "1", 9: "4", 10: "2"}


def _answers(live_app, report_id: int) -> dict:
    with live_app.app_context():
        report = db.session.get(Report, report_id)
        revision = report.working_revision or report.published_revision
        answers = dict(revision.answers or {})
        db.session.remove()
    return answers


def _wait_for_answers(live_app, report_id: int, expected: dict[str, str], timeout: float = 10.0) -> dict:
    """The draft as saved on the server, once it holds `expected` (autosaves arrive asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        answers = _answers(live_app, report_id)
        if all(answers.get(k) == v for k, v in expected.items()) or time.monotonic() > deadline:
            return answers
        time.sleep(0.2)


def _choose(page: Page, question: str, option: str) -> None:
    """Tick the radio button (or checkbox) `option` of the fieldset whose legend is `question`."""
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


def _expect_step(page: Page, number: int, title: str) -> None:
    progress = page.get_by_role("navigation", name="Progression du questionnaire")
    expect(progress.locator("p")).to_have_text(f"Étape {number} sur 6 — {title}")
    expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()


def _next_step(page: Page) -> None:
    page.get_by_role("button", name="Étape suivante").click()


SUS = {
    1: "Je voudrais utiliser ce système fréquemment",
    2: "Ce système est inutilement complexe",
    3: "Ce système est facile à utiliser",
    4: "J'aurais besoin du soutien d'un technicien pour être capable d'utiliser ce système",
    5: "Les différentes fonctionnalités de ce système sont bien intégrées",
    6: "Il y a trop d'incohérences dans ce système",
    7: "La plupart des gens apprendront à utiliser ce système très rapidement",
    8: "Ce système est très lourd à utiliser",
    9: "Je me suis senti(e) très en confiance en utilisant ce système",
    10: "J'ai eu besoin d'apprendre beaucoup de choses avant de pouvoir utiliser ce système",
}
SUS_LABELS = {"1": "1 — Pas du tout d'accord", "5": "5 — Tout à fait d'accord"}


def _sus(page: Page, items: dict[int, str]) -> None:
    for number, value in items.items():
        _choose(page, SUS[number], SUS_LABELS.get(value, value))


def test_contributor_writes_report_moderator_publishes(page, live_server, live_app, check_page, login):
    context = page.context

    # 1. The contributor opens "Mes retours" and starts a report.
    login(page, CONTRIBUTOR)
    header = page.locator(".site-header")
    header.get_by_role("link", name="Mes retours").click()
    expect(page).to_have_url(f"{live_server}/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes retours")
    check_page(page, "mine-empty")
    page.get_by_role("link", name="Écrire un nouveau retour").click()
    expect(page).to_have_url(f"{live_server}/reports/new")
    check_page(page, "new")
    page.get_by_label("Solution").select_option(label="Dictalis — Verbatim Santé (fictif)")
    page.get_by_role("button", name="Commencer").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/reports/\d+/step/1$"))
    report_id = int(re.search(r"/reports/(\d+)/step/", page.url)[1])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Retour d'expérience : {SOLUTION}")

    # Step 1: context. "Next" on an empty step lists what is missing.
    _expect_step(page, 1, "Contexte")
    check_page(page, "step-1")
    _next_step(page)
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/1")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Le formulaire contient des erreurs")
    expect(summary.get_by_role("link")).to_have_count(5)  # the volume is optional
    expect(page.get_by_label("Services ou unités qui utilisent la solution")).to_have_attribute("aria-invalid", "true")
    check_page(page, "step-1-errors")
    page.get_by_label("Services ou unités qui utilisent la solution").fill("Imagerie médicale et urgences adultes")
    _choose(page, "Où en est le déploiement ?", "En production")
    page.get_by_label("Début du projet (mois et année)").fill("2024-03")
    page.get_by_label("Nombre d'utilisateurs").fill("35")
    page.get_by_label("Volume traité (facultatif)").fill("900 comptes rendus par mois")
    page.get_by_label("Qui a été à l'initiative du projet ?").select_option(label="Direction du numérique (DSI)")
    _next_step(page)

    # Step 2: deployment.
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/2")
    _expect_step(page, 2, "Déploiement")
    check_page(page, "step-2")
    page.get_by_label("Délai entre la décision et la mise en service (en mois)").fill("6")
    _choose(page, "Systèmes auxquels la solution est intégrée", "Dossier patient informatisé (DPI)")
    _choose(page, "Systèmes auxquels la solution est intégrée", "RIS")
    _choose(page, "Effort d'intégration (1 = très faible, 5 = très important)", "3")
    _choose(page, "Hébergement", "Cloud certifié HDS")
    _choose(page, "Prérequis réunis", "Réseau")
    _choose(page, "Prérequis réunis", "Formation des utilisateurs")
    _choose(page, "Prérequis manquants", "Accompagnement au changement")
    page.get_by_label("Coût total (acquisition et première année)").select_option(label="10 000 à 50 000 €")
    page.get_by_label("Source principale de financement").select_option(label="Budget propre de l'établissement")
    _next_step(page)

    # Step 3: use and value.
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/3")
    _expect_step(page, 3, "Usage et valeur")
    check_page(page, "step-3")
    for question, value in [("Utilité", "4"), ("Fiabilité des résultats", "4"), ("Facilité d'utilisation", "5"),
                            ("Intégration dans le travail quotidien", "3"), ("Accompagnement par l'éditeur", "Sans avis"),
                            ("Qualité de la formation", "3"), ("Rapport qualité-prix", "4")]:
        _choose(page, question, value)
    page.get_by_label("Temps gagné (en heures, facultatif)").fill("2,5")
    _choose(page, "Ce temps est compté", "heures par semaine et par utilisateur")
    page.get_by_label("Nombre d'incidents ou d'erreurs observés (facultatif)").fill("2")
    _choose(page, "Gravité des incidents observés", "Mineurs")
    _choose(page, "Choisiriez-vous à nouveau cette solution ?", "Oui")
    _next_step(page)

    # 2. Step 4: a few items, an autosave, a few more items, then the tab is closed without any button.
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/4")
    _expect_step(page, 4, "Utilisabilité")
    check_page(page, "step-4-empty")
    _sus(page, SUS_BEFORE_AUTOSAVE)
    # What the browser does when the tab is hidden: draft.js sends the step at once.
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Brouillon enregistré à \d\d:\d\d\.$"))
    answers = _wait_for_answers(live_app, report_id, {f"sus_{n}": v for n, v in SUS_BEFORE_AUTOSAVE.items()})
    assert {n: answers.get(f"sus_{n}") for n in SUS_BEFORE_AUTOSAVE} == SUS_BEFORE_AUTOSAVE
    check_page(page, "step-4-autosaved")
    _sus(page, SUS_BEFORE_CLOSE)
    page.close(run_before_unload=True)
    expected = {f"sus_{n}": v for n, v in {**SUS_BEFORE_AUTOSAVE, **SUS_BEFORE_CLOSE}.items()}
    answers = _wait_for_answers(live_app, report_id, expected)
    assert {k: answers.get(k) for k in expected} == expected, "the answers typed before closing the tab were lost"
    assert not answers.get("sus_6") and not answers.get("nps")

    # A new tab: the draft is in "Mes retours"; step 4 shows what was typed before closing.
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.locator(".site-header").get_by_role("link", name="Mes retours").click()
    row = page.get_by_role("table", name="Mes retours").get_by_role("row").filter(has_text=SOLUTION)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Brouillon")
    check_page(page, "mine-draft")
    # "Continuer" opens the first step with a missing answer: the usability scale, left half done.
    row.get_by_role("link", name=f"Continuer {SOLUTION}").click()
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/4")
    _expect_step(page, 4, "Utilisabilité")
    for number, value in {**SUS_BEFORE_AUTOSAVE, **SUS_BEFORE_CLOSE}.items():
        expect(page.get_by_role("group", name=SUS[number], exact=True)
               .get_by_label(SUS_LABELS.get(value, value), exact=True)).to_be_checked()
    expect(page.get_by_role("group", name=SUS[6], exact=True).get_by_role("radio", checked=True)).to_have_count(0)
    check_page(page, "step-4-resumed")
    _sus(page, SUS_AFTER)
    _choose(page, "Recommanderiez-vous cette solution à un établissement comparable ? "
                  "(0 = pas du tout probable, 10 = très probable)", "8")
    _next_step(page)

    # Step 5: governance.
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/5")
    _expect_step(page, 5, "Gouvernance et confiance")
    check_page(page, "step-5")
    for question, value in [
            ("Les utilisateurs ont été formés à l'IA (maîtrise de l'IA)", "Oui"),
            ("Une procédure de contrôle humain des résultats est en place", "Oui"),
            ("Les patients sont informés de l'usage de l'IA", "Non"),
            ("Le DPO a été consulté / une AIPD a été réalisée", "Oui"),
            ("Un avis éthique a été recueilli", "Je ne sais pas"),
            ("La performance est suivie après la mise en service", "Non"),
            ("Le statut de dispositif médical est connu des utilisateurs", "Oui"),
            ("Le circuit de déclaration des incidents est connu", "Je ne sais pas")]:
        _choose(page, question, value)
    _next_step(page)

    # 3. Step 6: the advice names a patient and a doctor; the guard highlights them until they are gone.
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/6")
    _expect_step(page, 6, "Enseignements")
    expect(page.get_by_role("group", name="Raisons de l'arrêt")).to_have_count(0)  # not stopped
    check_page(page, "step-6")
    _choose(page, "Principales difficultés rencontrées", "Adhésion des utilisateurs")
    _choose(page, "Principales difficultés rencontrées", "Charge de travail supplémentaire")
    page.get_by_label("Facteurs de réussite (facultatif)").fill("Un référent par service et des points d'étape mensuels.")
    advice = page.get_by_label("Vos conseils à un établissement qui se lance")
    advice.fill(ADVICE_WITH_NAME)
    page.get_by_label("J'accepte d'être contacté(e) par des pairs au sujet de ce retour").check()
    warnings = page.locator("#privacy-warnings")
    # The autosave already brings the warning under the form...
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    expect(warnings.locator("mark").first).to_contain_text("Jean Dupont")
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Brouillon enregistré à \d\d:\d\d\.$"))
    check_page(page, "step-6-autosave-warning")
    # ... whose link leads to the answer to rewrite.
    warnings.get_by_role("link", name="Vos conseils à un établissement qui se lance").click()
    expect(advice).to_be_focused()
    # The step button saves the draft; the page shows the same warning.
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/step/6")
    expect(page.get_by_role("status").filter(has_text="Brouillon enregistré.")).to_be_visible()
    expect(warnings).to_contain_text("Attention : données personnelles possibles")
    expect(warnings.locator("mark")).to_have_count(2)
    expect(warnings.locator("mark").first).to_contain_text("Jean Dupont")
    expect(warnings.locator("mark").nth(1)).to_contain_text("Lemoine")
    expect(warnings).to_contain_text("nom de personne")
    expect(advice).to_have_value(ADVICE_WITH_NAME)
    check_page(page, "step-6-warning")

    advice.fill(ADVICE)
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    expect(warnings.locator(".warnings")).to_have_count(0)  # the autosave took the warning away
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("status").filter(has_text="Brouillon enregistré.")).to_be_visible()
    expect(advice).to_have_value(ADVICE)
    expect(page.locator("#privacy-warnings .warnings")).to_have_count(0)
    expect(page.locator("mark")).to_have_count(0)
    check_page(page, "step-6-clean")
    page.get_by_role("button", name="Relire et envoyer").click()

    # The summary: complete, no warning; sent.
    expect(page).to_have_url(f"{live_server}/reports/{report_id}/summary")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Relire et envoyer votre retour sur {SOLUTION}")
    expect(page.get_by_text("Le questionnaire est incomplet")).to_have_count(0)
    expect(page.get_by_text("Données personnelles possibles")).to_have_count(0)
    expect(page.get_by_role("table", name="Utilisabilité")).to_contain_text("Ce système est inutilement complexe")
    expect(page.get_by_role("table", name="Enseignements")).to_contain_text(ADVICE)
    check_page(page, "summary")
    page.get_by_role("button", name="Envoyer mon retour à la modération").click()
    expect(page).to_have_url(f"{live_server}/reports/{report_id}")
    expect(page.get_by_role("status")).to_contain_text("Merci ! Votre retour est envoyé à la modération.")
    expect(page.locator("main")).to_contain_text("En modération")
    check_page(page, "report-submitted")

    # 4. The moderator publishes it.
    page.locator(".site-header").get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_contain_text("Vous êtes déconnecté.")
    login(page, MODERATOR)
    page.locator(".site-header").get_by_role("link", name="Modération").click()
    expect(page).to_have_url(f"{live_server}/moderation/")
    queue = page.get_by_role("table", name="Retours à modérer")
    row = queue.get_by_role("row").filter(has_text=SOLUTION)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(4)).to_have_text("—")  # no personal data left to handle
    check_page(page, "queue")
    row.get_by_role("link", name=f"Relire {SOLUTION}").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/moderation/revisions/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Relecture : {SOLUTION}")
    expect(page.get_by_text("Aucun passage signalé.")).to_be_visible()
    expect(page.get_by_role("table", name="Enseignements")).to_contain_text(ADVICE)
    check_page(page, "review")
    page.get_by_role("button", name="Publier ce retour").click()
    expect(page).to_have_url(f"{live_server}/moderation/")
    expect(page.get_by_role("status")).to_contain_text("Retour publié.")
    expect(queue.get_by_role("row").filter(has_text=SOLUTION)).to_have_count(0)
    check_page(page, "queue-after")

    # 5. The contributor sees it published.
    page.locator(".site-header").get_by_role("button", name="Se déconnecter").click()
    login(page, CONTRIBUTOR)
    page.locator(".site-header").get_by_role("link", name="Mes retours").click()
    row = page.get_by_role("table", name="Mes retours").get_by_role("row").filter(has_text=SOLUTION)
    expect(row).to_contain_text("Publié")
    expect(row.get_by_role("link", name=f"Continuer {SOLUTION}")).to_have_count(0)
    check_page(page, "mine-published")
    row.get_by_role("link", name=f"Ouvrir {SOLUTION}").click()
    expect(page).to_have_url(f"{live_server}/reports/{report_id}")
    expect(page.get_by_role("heading", level=2, name="Version 1 — Publiée")).to_be_visible()
    expect(page.get_by_role("table", name="Enseignements")).to_contain_text(ADVICE)
    check_page(page, "report-published")
    answers = _answers(live_app, report_id)
    assert answers["advice"] == ADVICE
    assert {n: answers[f"sus_{n}"] for n in SUS} == {**SUS_BEFORE_AUTOSAVE, **SUS_BEFORE_CLOSE, **SUS_AFTER}
