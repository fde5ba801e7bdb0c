"""Journey: a member follows a solution from its page, chooses the weekly digest on "Mes avis", a new version of
a guide on that solution is published, the weekly digest arrives (read from the test outbox) and its one-click
link, opened in the browser, stops every notice without logging in."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db, mail
from app.models import Guide, GuideVersion, NoticePreference, User
from app.services import guides
from app.services.notices import send_weekly_digests
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

ANALYST = "analyst@demo.retex-ia.test"


def _a_guided_solution(live_app) -> dict:
    """A demo solution with a published guide, and a fresh member to follow it."""
    with live_app.app_context():
        guide = db.session.scalar(sa.select(Guide).where(Guide.solution_id.is_not(None),
                                                         Guide.id.in_(sa.select(GuideVersion.guide_id)))
                                  .order_by(Guide.id))
        member = make_user("contributor")
        db.session.commit()
        found = {"guide_id": guide.id, "title": guide.title, "slug": guide.solution.slug,
                 "name": guide.solution.name, "email": member.email, "user_id": member.id}
        db.session.remove()
    return found


def _publish_a_new_version(live_app, guide_id: int) -> None:
    with live_app.app_context():
        guide = db.session.get(Guide, guide_id)
        analyst = db.session.scalar(sa.select(User).where(User.email == ANALYST))
        key = guide.draft["sections"][0]["key"]
        guides.update_sections(guide, {key: {"narrative": "Un paragraphe ajouté pour la nouvelle version."}}, analyst)
        guides.publish(guide, analyst)
        db.session.commit()
        db.session.remove()


def _weekly_digests(live_app) -> list:
    with live_app.app_context(), mail.record_messages() as outbox:
        send_weekly_digests(datetime.now(UTC))
        db.session.remove()
    return outbox


def test_member_follows_a_solution_gets_the_weekly_digest_and_unsubscribes(page, live_server, live_app, check_page,
                                                                             login):
    subject = _a_guided_solution(live_app)
    login(page, subject["email"], PASSWORD)

    # 1. Follow the solution from its page: the button says what it does, then the page says it is followed.
    page.goto(f"{live_server}/catalogue/{subject['slug']}")
    check_page(page, "solution-not-followed")
    page.get_by_role("button", name="Suivre cette solution").click()
    expect(page).to_have_url(f"{live_server}/catalogue/{subject['slug']}")
    expect(page.get_by_role("status").filter(has_text=f"Vous suivez « {subject['name']} »")).to_be_visible()
    expect(page.get_by_text("Vous suivez cette solution.")).to_be_visible()
    expect(page.get_by_role("button", name="Ne plus suivre")).to_be_visible()
    check_page(page, "solution-followed")

    # 2. On "Mes avis", the solution is listed; choose the weekly digest.
    page.get_by_role("link", name="Mes avis").click()
    expect(page).to_have_url(f"{live_server}/account/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes avis")
    expect(page.get_by_role("link", name=subject["name"])).to_be_visible()
    check_page(page, "settings")
    page.get_by_label("Un résumé par semaine").check()
    page.get_by_role("button", name="Enregistrer mes choix").click()
    expect(page.get_by_role("status").filter(has_text="Vos choix d'avis sont enregistrés.")).to_be_visible()
    expect(page.get_by_label("Un résumé par semaine")).to_be_checked()
    check_page(page, "settings-saved")

    # 3. A new version of the solution's guide: nothing is mailed at once; the weekly digest carries it, once.
    _publish_a_new_version(live_app, subject["guide_id"])
    digests = [m for m in _weekly_digests(live_app) if m.recipients == [subject["email"]]]
    assert len(digests) == 1
    digest = digests[0]
    assert subject["title"] in digest.body and digest.subject == "Retex IA : vos avis de la semaine"
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not [m for m in _weekly_digests(live_app) if m.recipients == [subject["email"]]]  # not sent twice
    link = re.search(r"Ne plus recevoir aucun avis, en un clic : (\S+)", digest.body).group(1)
    assert digest.extra_headers["List-Unsubscribe"] == f"<{link}>"

    # 4. The link, opened by someone not logged in, asks before doing anything; one button stops every notice.
    page.context.clear_cookies()
    page.goto(live_server + urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Se désabonner des avis")
    check_page(page, "unsubscribe")
    page.get_by_role("button", name="Ne plus recevoir aucun avis").click()
    expect(page.get_by_role("status").filter(has_text="vous ne recevrez plus aucun avis")).to_be_visible()
    check_page(page, "unsubscribed")
    with live_app.app_context():
        assert db.session.get(NoticePreference, subject["user_id"]).delivery == "none"
        db.session.remove()
