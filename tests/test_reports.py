"""The questionnaire, drafts and idempotent submission."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DraftStash, Report, Submission
from tests.factories import COMPLETE_STEPS, PASSWORD, make_report, make_solution, make_user, text
from tests.report_helpers import audit_actions, create_report, fill_all_steps, fresh
from tests.test_session_security import expire_login


@pytest.fixture
def contributor(auth):
    user = make_user("contributor")
    db.session.commit()
    auth.login(user.email)
    return user


def test_a_contributor_fills_six_steps_reviews_and_submits(client, contributor, mailbox):
    moderator = make_user("moderator")
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    page = text(client.get(f"/reports/{report_id}/step/3"))
    assert "Étape 3 sur 6" in page
    fill_all_steps(client, report_id)

    summary = text(client.get(f"/reports/{report_id}/summary"))
    assert "Service d'imagerie et urgences adultes" in summary
    assert "Prévoir du temps pour la formation" in summary
    key = re.search(r'name="submission_key" type="hidden" value="([0-9a-f]+)"', summary).group(1)
    response = client.post(f"/reports/{report_id}/summary", data={"submission_key": key})
    assert response.status_code == 302

    report = db.session.get(Report, report_id)
    revision = report.working_revision
    assert (report.status, revision.state) == ("submitted", "submitted")
    assert revision.sus_score == 85.0
    assert revision.nps_rating == 9
    assert [m.recipients for m in mailbox] == [[moderator.email]]
    assert audit_actions(report_id) == ["report.created", "report.submitted"]


def test_the_same_submission_sent_twice_gives_one_report(client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    fill_all_steps(client, report_id)
    first = client.post(f"/reports/{report_id}/summary", data={"submission_key": "double-click"})
    second = client.post(f"/reports/{report_id}/summary", data={"submission_key": "double-click"})
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == f"/reports/{report_id}"
    assert "déjà été envoyé" in text(client.get(second.headers["Location"]))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
    assert audit_actions(report_id).count("report.submitted") == 1


def test_a_duplicate_submission_key_is_refused_by_the_database(app):
    report = make_report()
    db.session.commit()
    db.session.add(Submission(key="same", revision_id=report.working_revision_id))
    db.session.commit()
    db.session.add(Submission(key="same", revision_id=report.working_revision_id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_creating_a_draft_twice_with_the_same_key_creates_one(client, contributor):
    solution = make_solution()
    db.session.commit()
    assert create_report(client, solution, "same-key") == create_report(client, solution, "same-key")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_an_invalid_step_keeps_everything_typed_and_says_what_is_wrong(client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    response = client.post(f"/reports/{report_id}/step/1", data={
        "services": "Radiologie : un texte assez long que personne ne veut retaper.", "stage": "pilot",
        "start_date": "2099-01", "users_count": "douze", "nav": "next"})
    page = text(response)
    assert response.status_code == 200
    assert "La date de début ne peut pas être dans le futur." in page
    assert "Indiquez un nombre entier" in page or "entier" in page
    assert "Choisissez une réponse." in page  # initiated_by
    assert "un texte assez long que personne ne veut retaper." in page
    assert 'value="douze"' in page
    saved = db.session.get(Report, report_id).working_revision.answers
    assert saved["users_count"] == "douze"
    assert saved["services"].startswith("Radiologie")


def test_a_draft_survives_logout_and_login(client, auth, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    client.post(f"/reports/{report_id}/step/1", data={**COMPLETE_STEPS[1], "nav": "save"})
    auth.logout()
    auth.login(contributor.email)
    page = text(client.get(f"/reports/{report_id}/step/1"))
    assert "Service d'imagerie et urgences adultes" in page
    assert 'value="2024-03"' in page
    assert "Continuer" in text(client.get("/reports/"))


def test_text_typed_after_the_session_expired_is_given_back_after_login(app, client, auth, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    # The same user logs out on another device: this browser's login is revoked, its cookie stays.
    other = app.test_client()
    other.post("/login", data={"email": contributor.email, "password": PASSWORD})
    other.post("/logout")

    response = client.post(f"/reports/{report_id}/step/6", data={
        "advice": "Un conseil écrit pendant vingt minutes.", "nav": "next"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftStash)) == 1

    auth.login(contributor.email)
    page = text(client.get(f"/reports/{report_id}/step/6"))
    assert "Un conseil écrit pendant vingt minutes." in page
    assert "a été restauré" in page
    assert db.session.get(Report, report_id).working_revision.answers["advice"].startswith("Un conseil")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftStash)) == 0


def test_a_stash_is_never_given_to_someone_who_cannot_edit_the_report(app, client, auth):
    owner = make_user("contributor")
    stranger = make_user("contributor")
    report = make_report(owner)
    db.session.commit()
    client.get("/")
    client.post(f"/reports/{report.id}/step/6", data={"advice": "texte injecté", "nav": "next"})
    auth.login(stranger.email)
    assert client.get(f"/reports/{report.id}/step/6").status_code == 404
    assert "texte injecté" not in str(fresh(report).working_revision.answers)


def test_autosave_saves_and_returns_warnings(client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    response = client.post(f"/reports/{report_id}/step/6/autosave",
                           data={"advice": "Appelez Mme Lefebvre au 06 12 34 56 78."})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "saved"
    assert "<mark" in body["warnings_html"]
    assert db.session.get(Report, report_id).working_revision.answers["advice"].startswith("Appelez")


def test_autosave_after_expiry_answers_401_and_keeps_the_text(app, client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    expire_login(client)
    response = client.post(f"/reports/{report_id}/step/6/autosave", data={"advice": "Texte en cours"})
    assert response.status_code == 401
    assert response.get_json()["status"] == "expired"
    assert db.session.scalar(sa.select(DraftStash.data)) ["advice"] == "Texte en cours"


def test_reasons_for_stopping_are_asked_only_when_the_stage_is_stopped(client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    fill_all_steps(client, report_id)
    assert "Raisons de l'arrêt" not in text(client.get(f"/reports/{report_id}/step/6"))

    client.post(f"/reports/{report_id}/step/1", data={**COMPLETE_STEPS[1], "stage": "stopped", "nav": "save"})
    page = text(client.get(f"/reports/{report_id}/step/6"))
    assert "Raisons de l'arrêt" in page
    response = client.post(f"/reports/{report_id}/step/6", data={**COMPLETE_STEPS[6], "nav": "next"})
    assert "Indiquez au moins une raison de l'arrêt." in text(response)
    response = client.post(f"/reports/{report_id}/step/6", data={**COMPLETE_STEPS[6], "stop_reasons": ["cost"],
                                                                 "nav": "next"})
    assert response.status_code == 302


def test_time_to_go_live_is_not_asked_while_exploring(client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    client.post(f"/reports/{report_id}/step/1", data={**COMPLETE_STEPS[1], "stage": "exploring", "nav": "next"})
    assert "Délai entre la décision" not in text(client.get(f"/reports/{report_id}/step/2"))
    response = client.post(f"/reports/{report_id}/step/2", data={**COMPLETE_STEPS[2], "months_to_golive": "",
                                                                 "nav": "next"})
    assert response.status_code == 302


def test_an_incomplete_questionnaire_cannot_be_submitted(client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    client.post(f"/reports/{report_id}/step/1", data={**COMPLETE_STEPS[1], "nav": "next"})
    summary = text(client.get(f"/reports/{report_id}/summary"))
    assert "Le questionnaire est incomplet" in summary
    response = client.post(f"/reports/{report_id}/summary", data={"submission_key": "k"})
    assert response.headers["Location"] == f"/reports/{report_id}/step/2"
    assert db.session.get(Report, report_id).status == "draft"


def test_a_browser_where_no_editor_logged_in_keeps_nothing(app, client, auth):
    """Visitors cannot fill the stash table: text sent without a login is kept only for a report that the
    browser's last logged-in user may edit."""
    owner = make_user("contributor")
    stranger = make_user("contributor")
    report = make_report(owner)
    db.session.commit()
    for step in range(1, 7):
        client.post(f"/reports/{report.id}/step/{step}", data={"advice": "x", "nav": "next"})
        client.post(f"/reports/{report.id}/step/{step}/autosave", data={"advice": "x"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftStash)) == 0

    auth.login(stranger.email)
    expire_login(client)  # the last user of this browser cannot edit the report
    client.post(f"/reports/{report.id}/step/6/autosave", data={"advice": "x"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftStash)) == 0

    auth.login(owner.email)
    auth.logout()  # logged out on purpose: what is typed afterwards is not kept for them either
    client.post(f"/reports/{report.id}/step/6/autosave", data={"advice": "x"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftStash)) == 0

    auth.login(owner.email)
    expire_login(client)
    client.post(f"/reports/{report.id}/step/6/autosave", data={"advice": "Texte du propriétaire"})
    assert db.session.scalar(sa.select(DraftStash.data))["advice"] == "Texte du propriétaire"


def test_continuer_takes_up_the_report_where_an_answer_is_missing(client, contributor):
    solution = make_solution()
    db.session.commit()
    report_id = create_report(client, solution)
    assert client.get(f"/reports/{report_id}/continue").headers["Location"] == f"/reports/{report_id}/step/1"
    for step in (1, 2):
        client.post(f"/reports/{report_id}/step/{step}", data={**COMPLETE_STEPS[step], "nav": "next"})
    assert client.get(f"/reports/{report_id}/continue").headers["Location"] == f"/reports/{report_id}/step/3"
    assert f'href="/reports/{report_id}/continue"' in client.get("/reports/").get_data(as_text=True)
    for step in range(3, 7):
        client.post(f"/reports/{report_id}/step/{step}", data={**COMPLETE_STEPS[step], "nav": "next"})
    assert client.get(f"/reports/{report_id}/continue").headers["Location"] == f"/reports/{report_id}/summary"
