"""Journey: a follow-up reminder arrives six months after publication; its link opens the three questions, whose
answers create a follow-up report sent to moderation; then the solution's scorecard, restricted to the reports of
the last 12 months."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db, mail
from app.models import Report, Solution
from app.services import releases, reminders

pytestmark = pytest.mark.e2e

CONTRIBUTOR = "contributor@demo.retex-ia.test"


def _reminder_mail(live_app) -> str:
    """The demo contributor's establishment published a report six months ago on a solution it had no other
    report on; the reminders due are sent. The contributor's mail's link (its path)."""
    from datetime import timedelta

    from app.models._types import utcnow
    from app.services.accounts import find_user_by_email
    from tests.factories import complete_answers, make_report

    with live_app.app_context(), mail.record_messages() as outbox:
        user = find_user_by_email(CONTRIBUTOR)
        used = db.select(Report.solution_id).where(Report.establishment_id == user.establishment_id)
        solution = db.session.scalars(db.select(Solution).where(Solution.archived.is_(False), Solution.id.not_in(used))
                                      .order_by(Solution.id)).first()
        report = make_report(user, solution, "published", complete_answers())
        report.first_published_at = reminders.add_months(utcnow(), -6) - timedelta(days=1)
        db.session.commit()
        assert reminders.send_due_reminders() >= 1
        message = next(m for m in outbox if m.recipients == [CONTRIBUTOR])
        path = re.search(r"https?://[^/\s]+(/reports/follow-up/\S+)", message.body).group(1)
        db.session.remove()
    return path


def _recent_scorecard(live_app) -> int:
    """The solution whose view of the last 12 months rests on the most establishments in its release."""
    with live_app.app_context():
        best = max((releases.visitor_scorecard(releases.solution_scope(solution_id), "period=12m")
                    ["establishments"]["value"] or 0, solution_id)
                   for solution_id in db.session.scalars(db.select(Solution.id).where(Solution.archived.is_(False))))
        db.session.remove()
    assert best[0] >= 3, "the demo data should give a visible view of the last 12 months"
    return best[1]


def test_a_reminder_leads_to_a_follow_up_and_a_recent_scorecard(page, live_server, live_app, check_page):
    from tests.e2e.conftest import DEMO_PASSWORD

    path = _reminder_mail(live_app)

    # 1. The link asks for a login first, then opens the three questions.
    page.goto(f"{live_server}{path}")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Adresse électronique").fill(CONTRIBUTOR)
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server}{path}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Où en êtes-vous avec")
    check_page(page, "follow-up-questions")

    # 2. Stopping without a reason is refused, with nothing typed lost.
    page.get_by_label("Non, nous l'avons arrêtée").check()
    page.get_by_label("Qu'est-ce qui a changé depuis votre dernier retour ?").fill("Étendu au service des urgences.")
    page.get_by_role("group", name="La choisiriez-vous à nouveau ?").get_by_label("Oui", exact=True).check()
    page.get_by_role("button", name="Envoyer mon retour de suivi").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez au moins une raison de l'arrêt")
    expect(page.get_by_label("Qu'est-ce qui a changé depuis votre dernier retour ?")).to_have_value(
        "Étendu au service des urgences.")
    check_page(page, "follow-up-error")

    # 3. Still in use after all: the follow-up is created and sent to moderation.
    page.get_by_label("Oui, toujours en usage").check()
    page.get_by_role("button", name="Envoyer mon retour de suivi").click()
    expect(page.get_by_text("Votre retour de suivi est envoyé à la modération")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/reports/\d+$"))
    check_page(page, "follow-up-created")

    # 4. A scorecard, restricted to the reports of the last 12 months.
    page.goto(f"{live_server}/statistics/solutions/{_recent_scorecard(live_app)}")
    expect(page.get_by_role("heading", name="Ancienneté des retours")).to_be_visible()
    page.get_by_role("link", name="Ne lire que les retours des 12 derniers mois").click()
    expect(page).to_have_url(re.compile(r"segment=period(:|%3A)12m"))
    expect(page.get_by_text("12 mois précédant la publication statistique")).to_be_visible()
    expect(page.get_by_label("Établissements comparables au vôtre")).to_have_value("period:12m")
    check_page(page, "scorecard-last-12-months")
