"""Journey: a contributor's drafts in the browser. The solution select names its choice, a word in a number field
stays with one message, two tabs on one draft lose nothing, a second "new report" offers the draft, a follow-up
opens pre-filled, and a published report is withdrawn with a reason, then put back."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Report, Solution, User
from app.services import reports as service
from tests.factories import complete_answers

pytestmark = pytest.mark.e2e

CONTRIBUTOR = "contributor@demo.retex-ia.test"
SERVICES_PUBLISHED = "Radiologie interventionnelle et bloc opératoire"
REASON = "Le projet a été suspendu par la direction."


@pytest.fixture
def solutions(live_app) -> dict:
    """Two catalogue solutions on which the contributor's establishment has written nothing (not the other
    journeys' one), the second with a published report of the establishment."""
    with live_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == CONTRIBUTOR))
        used = set(db.session.scalars(sa.select(Report.solution_id)
                                      .where(Report.establishment_id == user.establishment_id)))
        free = [s for s in db.session.scalars(sa.select(Solution).where(Solution.archived.is_(False))
                                              .order_by(Solution.name)) if s.id not in used and s.name != "Dictalis"]
        fresh, followed = free[0], free[1]
        moderator = db.session.scalar(sa.select(User).where(User.role == "moderator"))
        report, _created = service.new_report(user, followed, uuid.uuid4().hex)
        report.working_revision.answers = complete_answers(services=SERVICES_PUBLISHED, advice="Former tôt.")
        service.submit(report.working_revision, uuid.uuid4().hex, user)
        service.publish(report.working_revision, moderator)
        db.session.commit()
        found = {"fresh": (fresh.name, f"{fresh.name} — {fresh.vendor}"), "followed": followed.name,
                 "published_id": report.id}
        db.session.remove()
    return found


def _start(page: Page, live_server: str, option: str) -> None:
    page.goto(f"{live_server}/reports/new")
    page.get_by_label("Solution").select_option(label=option)
    page.get_by_role("button", name="Commencer").click()


def _fill_step_1(page: Page, users: str) -> None:
    page.get_by_label("Services ou unités qui utilisent la solution").fill("Urgences adultes")
    page.get_by_role("group", name="Où en est le déploiement ?").get_by_label("En production", exact=True).check()
    page.get_by_label("Début du projet (mois et année)").fill("2024-05")
    page.get_by_label("Nombre d'utilisateurs").fill(users)
    page.get_by_label("Qui a été à l'initiative du projet ?").select_option(label="Direction du numérique (DSI)")


def test_drafts_two_tabs_follow_up_and_withdrawal(page, live_server, check_page, login, solutions):
    login(page, CONTRIBUTOR)
    fresh_name, fresh_option = solutions["fresh"]

    # The select says what to choose; "douze" stays in the field with one message.
    page.goto(f"{live_server}/reports/new")
    expect(page.get_by_label("Solution").locator("option").first).to_have_text("Choisir une solution")
    check_page(page, "new-placeholder")
    _start(page, live_server, fresh_option)
    expect(page).to_have_url(re.compile(r"/reports/\d+/step/1$"))
    step_1 = page.url
    report_id = int(re.search(r"/reports/(\d+)/step/", step_1)[1])

    tab_b = page.context.new_page()  # a second tab on the same draft, opened before the first one saves
    tab_b.goto(step_1)

    _fill_step_1(page, "douze")
    page.get_by_role("button", name="Étape suivante").click()
    users = page.get_by_label("Nombre d'utilisateurs")
    expect(users).to_have_value("douze")
    expect(page.locator("#users_count-errors li")).to_have_text(["Saisissez un nombre entier, par exemple 12."])
    check_page(page, "step-1-word-in-number")
    users.fill("35")
    page.get_by_role("button", name="Étape suivante").click()
    expect(page).to_have_url(re.compile(r"/step/2$"))
    expect(page.locator('label[for="months_to_golive"] + .required')).to_have_count(1)  # in production: required
    check_page(page, "step-2-asterisk")

    # The stale tab types the volume only and saves: the first tab's answers stay, the volume is added.
    tab_b.get_by_label("Volume traité (facultatif)").fill("800 passages par mois")
    tab_b.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(tab_b.get_by_role("alert").filter(has_text="modifié dans un autre onglet")).to_be_visible()
    expect(tab_b.get_by_label("Services ou unités qui utilisent la solution")).to_have_value("Urgences adultes")
    expect(tab_b.get_by_label("Volume traité (facultatif)")).to_have_value("800 passages par mois")
    check_page(tab_b, "tab-b-merged")

    # Both tabs change the services: the second to save sees both versions and chooses.
    page.goto(step_1)
    page.get_by_label("Services ou unités qui utilisent la solution").fill("Urgences pédiatriques")
    tab_b.get_by_label("Services ou unités qui utilisent la solution").fill("Urgences et SAMU")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("status").filter(has_text="Brouillon enregistré.")).to_be_visible()
    tab_b.get_by_role("button", name="Enregistrer le brouillon").click()
    conflict = tab_b.locator("#conflict-services")
    expect(conflict).to_contain_text("Urgences pédiatriques")
    expect(tab_b.get_by_label("Services ou unités qui utilisent la solution")).to_have_value("Urgences et SAMU")
    check_page(tab_b, "tab-b-conflict")
    conflict.get_by_label("Celle de l'autre onglet").check()
    tab_b.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(tab_b.get_by_label("Services ou unités qui utilisent la solution")).to_have_value("Urgences pédiatriques")
    expect(tab_b.get_by_label("Volume traité (facultatif)")).to_have_value("800 passages par mois")
    tab_b.close()

    # A second "new report" on the same solution offers the draft.
    _start(page, live_server, fresh_option)
    offer = page.locator("#existing-draft")
    expect(offer).to_contain_text(f"Un retour sur {fresh_name} est déjà en cours")
    check_page(page, "new-offers-draft")
    offer.get_by_role("link", name="Continuer ce retour").click()
    expect(page).to_have_url(re.compile(rf"/reports/{report_id}/step/\d$"))

    # A follow-up opens with the published answers.
    page.goto(f"{live_server}/reports/{solutions['published_id']}")
    page.get_by_role("link", name="Écrire un retour de suivi").click()
    page.get_by_role("button", name="Commencer").click()
    expect(page.get_by_role("status").filter(has_text="Ce retour de suivi")).to_contain_text(
        "reprend les réponses de votre dernier retour publié")
    expect(page.get_by_label("Services ou unités qui utilisent la solution")).to_have_value(SERVICES_PUBLISHED)
    check_page(page, "follow-up-prefilled")

    # Withdrawing asks for a reason; the withdrawn report says so; the withdrawal is undone.
    page.goto(f"{live_server}/reports/{solutions['published_id']}")
    page.get_by_role("link", name="Retirer ce retour").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Retirer le retour sur")
    check_page(page, "withdraw-confirm")
    page.get_by_role("button", name="Confirmer le retrait").click()
    expect(page.locator("#reason-errors")).to_have_text("Indiquez pourquoi vous retirez ce retour.")
    check_page(page, "withdraw-no-reason")
    page.get_by_label("Motif du retrait").fill(REASON)
    page.get_by_role("button", name="Confirmer le retrait").click()
    withdrawn = page.locator("#withdrawn")
    expect(withdrawn).to_contain_text("Retour retiré le")
    expect(withdrawn).to_contain_text(REASON)
    expect(page.get_by_role("heading", level=2, name="Version 1 — Retirée")).to_be_visible()
    check_page(page, "withdrawn")
    page.goto(f"{live_server}/reports/")
    row = page.get_by_role("table", name="Mes retours").get_by_role("row").filter(
        has=page.get_by_role("link", name=f"Ouvrir {solutions['followed']}")).filter(has_text="Retiré")
    expect(row).to_have_count(1)
    check_page(page, "mine-withdrawn")
    page.goto(f"{live_server}/reports/{solutions['published_id']}")
    page.get_by_role("button", name="Annuler le retrait et republier").click()
    expect(page.get_by_role("status").filter(has_text="Le retrait est annulé")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Version 1 — Publiée")).to_be_visible()
    check_page(page, "restored")
