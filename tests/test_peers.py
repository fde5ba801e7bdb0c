"""Peer contact: the establishments that agreed to be contacted about a solution, the conversations with them,
and withdrawing the consent."""

from __future__ import annotations

import re

import pytest

from app import vocabulary
from app.extensions import db
from app.models import PeerConversation, Report, ReportFact
from app.questionnaire import STAGES
from app.services import peer_messages, peers
from tests.factories import PASSWORD, complete_answers, make_establishment, make_report, make_solution, make_user, text


@pytest.fixture
def peer_world(app):
    """A solution used by two establishments: one consents to be contacted, the other does not; and a third
    establishment whose member looks for peers."""
    solution = make_solution()
    moderator = make_user("moderator")
    willing = make_establishment(name="Centre hospitalier Volontaire", region="84")
    shy = make_establishment(name="Clinique Discrète")
    author = make_user("contributor", willing, email="auteur@volontaire.test")
    colleague = make_user("contributor", willing, email="collegue@volontaire.test")
    consenting = make_report(author, solution, "published", complete_answers(stage="pilot"), moderator)
    make_report(make_user("contributor", shy), solution, "published", complete_answers(contact_ok=""), moderator)
    seeker = make_user("contributor", make_establishment(name="Hôpital Curieux"), email="demandeur@curieux.test")
    db.session.commit()
    return {"solution": solution, "willing": willing, "shy": shy, "author": author, "colleague": colleague,
            "report": consenting, "seeker": seeker}


def _client(app, user):
    db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _link_in(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0).split("retex.test", 1)[1]


def test_a_member_sees_the_consenting_establishments_on_the_solution_page(app, no_csrf, peer_world):
    page = text(_client(app, peer_world["seeker"]).get(f"/catalogue/{peer_world['solution'].slug}"))
    assert "Contacter des pairs" in page
    assert "Centre hospitalier Volontaire" in page and "Clinique Discrète" not in page
    assert str(vocabulary.REGIONS["84"]) in page and str(STAGES["pilot"]) in page


@pytest.mark.parametrize("role", ["visitor", "moderator", "analyst", "admin"])
def test_no_one_outside_an_establishment_sees_the_list(app, no_csrf, peer_world, role):
    user = None if role == "visitor" else make_user(role)
    db.session.commit()
    client = app.test_client() if user is None else _client(app, user)
    page = text(client.get(f"/catalogue/{peer_world['solution'].slug}"))
    assert "Contacter des pairs" not in page and "Centre hospitalier Volontaire" not in page


def test_an_establishment_does_not_list_itself(app, no_csrf, peer_world):
    page = text(_client(app, peer_world["colleague"]).get(f"/catalogue/{peer_world['solution'].slug}"))
    assert "Contacter des pairs" in page and "Écrire à Centre hospitalier Volontaire" not in page


def test_writing_and_answering_reveals_names_and_addresses_only_after_the_answer(app, no_csrf, peer_world, mailbox):
    world = peer_world
    seeker = _client(app, world["seeker"])
    url = f"/peers/solutions/{world['solution'].id}/establishments/{world['willing'].id}"
    sent = seeker.post(url, data={"body": "Bonjour, comment avez-vous formé vos équipes ?"})
    assert sent.status_code == 302
    [notice] = mailbox
    assert notice.recipients == ["auteur@volontaire.test"]
    assert "demandeur@curieux.test" not in notice.body and "Hôpital Curieux" in notice.body
    link = _link_in(notice.body)

    author = _client(app, world["author"])
    before = text(author.get(link))
    assert "comment avez-vous formé" in before and "demandeur@curieux.test" not in before
    assert "Hôpital Curieux" in before
    assert "auteur@volontaire.test" not in text(seeker.get(link))

    assert author.post(link, data={"body": "Avec plaisir : deux demi-journées."}).status_code == 302
    assert mailbox[-1].recipients == ["demandeur@curieux.test"]
    assert "auteur@volontaire.test" not in mailbox[-1].body
    after_seeker, after_author = text(seeker.get(link)), text(author.get(link))
    assert "auteur@volontaire.test" in after_seeker and "demandeur@curieux.test" in after_author


def test_an_establishment_that_did_not_consent_cannot_be_written_to(app, no_csrf, peer_world):
    seeker = _client(app, peer_world["seeker"])
    url = f"/peers/solutions/{peer_world['solution'].id}/establishments/{peer_world['shy'].id}"
    assert seeker.get(url).status_code == 404
    assert seeker.post(url, data={"body": "Bonjour"}).status_code == 404
    assert db.session.query(PeerConversation).count() == 0


def test_withdrawing_the_consent_removes_the_establishment_at_once(app, no_csrf, peer_world):
    world = peer_world
    seeker = _client(app, world["seeker"])
    solution_page = f"/catalogue/{world['solution'].slug}"
    assert "Centre hospitalier Volontaire" in text(seeker.get(solution_page))
    author = _client(app, world["author"])
    report_page = text(author.get(f"/reports/{world['report'].id}"))
    assert "Retirer mon accord de contact" in report_page
    confirm = author.get(f"/peers/reports/{world['report'].id}/consent")
    assert confirm.status_code == 200 and "Retirer mon accord" in text(confirm)

    assert author.post(f"/peers/reports/{world['report'].id}/consent").status_code == 302
    assert "Centre hospitalier Volontaire" not in text(seeker.get(solution_page))
    url = f"/peers/solutions/{world['solution'].id}/establishments/{world['willing'].id}"
    assert seeker.get(url).status_code == 404
    db.session.expire_all()
    report = db.session.get(Report, world["report"].id)
    assert not report.published_revision.answers["contact_ok"]
    assert db.session.query(ReportFact).filter_by(report_id=report.id).one().contact_ok is False
    # Nor is the establishment named on the report any more, to those outside it.
    analyst_user = make_user("analyst")
    db.session.commit()
    analyst = _client(app, analyst_user)
    assert "Centre hospitalier Volontaire" not in text(analyst.get(f"/reports/{report.id}"))


def test_a_colleague_who_is_neither_author_nor_referent_cannot_withdraw_the_consent(app, no_csrf, peer_world):
    colleague = _client(app, peer_world["colleague"])
    assert colleague.post(f"/peers/reports/{peer_world['report'].id}/consent").status_code == 404
    assert peers.is_contactable(peer_world["solution"].id, peer_world["willing"].id)


def test_a_message_with_patient_data_is_shown_again_with_warnings_and_sent_once_checked(app, no_csrf, peer_world,
                                                                                        mailbox):
    seeker = _client(app, peer_world["seeker"])
    url = f"/peers/solutions/{peer_world['solution'].id}/establishments/{peer_world['willing'].id}"
    body = "Le patient Jean Dupont, né le 12/03/1961, au 06 12 34 56 78 a été concerné."
    warned = seeker.post(url, data={"body": body})
    page = text(warned)
    assert warned.status_code == 200 and "données personnelles" in page and body in page
    assert mailbox == [] and db.session.query(PeerConversation).count() == 0
    assert seeker.post(url, data={"body": body, "checked": "y"}).status_code == 302


def test_messages_are_rate_limited_per_account(app, no_csrf, peer_world):
    app.config["PEER_MESSAGE_RATE_LIMIT"] = "2 per hour"
    seeker = _client(app, peer_world["seeker"])
    url = f"/peers/solutions/{peer_world['solution'].id}/establishments/{peer_world['willing'].id}"
    assert seeker.post(url, data={"body": ""}).status_code == 200  # a form with errors does not count
    assert [seeker.post(url, data={"body": f"Question {n}"}).status_code for n in range(3)] == [302, 302, 429]


def test_another_establishments_conversation_is_out_of_reach(app, no_csrf, peer_world):
    world = peer_world
    conversation = peer_messages.start(world["seeker"], world["solution"], world["willing"].id, "Bonjour")
    db.session.commit()
    stranger_user = make_user("contributor")
    db.session.commit()
    stranger = _client(app, stranger_user)
    url = f"/peers/{conversation.id}"
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, data={"body": "Intrus"}).status_code == 404
    assert "Hôpital Curieux" not in text(stranger.get("/peers/"))
    assert _client(app, world["colleague"]).get(url).status_code == 200  # the recipient's establishment reads it


def test_the_consent_wording_says_it_reveals_that_the_establishment_uses_the_solution():
    from app.questionnaire import BY_NAME

    assert "révèle que votre établissement utilise cette solution" in str(BY_NAME["contact_ok"].description)
