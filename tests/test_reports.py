"""The questionnaire, drafts, idempotent submission and the report lifecycle."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, DraftStash, Report, ReportRevision, Submission
from app.services import reports as service
from tests.factories import COMPLETE_STEPS, PASSWORD, complete_answers, make_report, make_solution, make_user, text
from tests.test_session_security import expire_login


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def create_report(client, solution, key="creation-1") -> int:
    response = client.post("/reports/new", data={"solution_id": solution.id, "creation_key": key})
    assert response.status_code == 302
    return int(re.search(r"/reports/([0-9]+)/step/1", response.headers["Location"]).group(1))


def fill_all_steps(client, report_id, steps=COMPLETE_STEPS):
    for step, data in steps.items():
        response = client.post(f"/reports/{report_id}/step/{step}", data={**data, "nav": "next"})
        assert response.status_code == 302, (step, text(response)[:3000])


def audit_actions(report_id) -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).where(AuditLog.object_type == "report",
                                                                     AuditLog.object_id == report_id)
                                   .order_by(AuditLog.id)))


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


# Lifecycle -----------------------------------------------------------------------------------------

def test_publication_needs_every_flag_resolved(app):
    report = make_report(state="submitted", answers=complete_answers(
        advice="Demandez conseil au Dr Lemoine, joignable au 06 12 34 56 78."))
    moderator = make_user("moderator")
    revision = report.working_revision
    assert {f.type for f in revision.flags} >= {"PERSON", "PHONE"}
    with pytest.raises(service.ReportError):
        service.publish(revision, moderator)
    phone = next(f for f in revision.flags if f.type == "PHONE")
    person = next(f for f in revision.flags if f.type == "PERSON")
    service.mask_flag(phone, moderator)
    service.dismiss_flag(person, moderator)
    service.publish(revision, moderator)
    db.session.commit()
    published = fresh(report).published_revision
    assert "06 12 34 56 78" not in published.answers["advice"]
    assert "[TÉLÉPHONE]" in published.answers["advice"]


def test_masking_keeps_the_other_flags_of_the_answer_aligned(app):
    report = make_report(state="submitted", answers=complete_answers(
        advice="Voir Mme Dupuis (06 12 34 56 78) ou écrire à jean.martin@hopital-fictif.fr."))
    moderator = make_user("moderator")
    revision = report.working_revision
    for flag in sorted(revision.flags, key=lambda f: f.start):
        service.mask_flag(flag, moderator)
    advice = revision.answers["advice"]
    assert "Dupuis" not in advice and "06 12" not in advice and "jean.martin" not in advice
    assert "[EMAIL]" in advice and "[TÉLÉPHONE]" in advice


def test_changes_requested_then_resubmitted_then_published(client, auth, mailbox):
    author = make_user("contributor")
    moderator = make_user("moderator")
    report = make_report(author, state="submitted")
    db.session.commit()
    auth.login(moderator.email)
    revision_id = report.working_revision_id
    response = client.post(f"/moderation/revisions/{revision_id}/request-changes",
                           data={"changes-message": "Précisez le volume d'examens."})
    assert response.status_code == 302
    assert fresh(report).status == "changes_requested"
    assert mailbox[-1].recipients == [author.email]
    assert "Précisez le volume" in mailbox[-1].body
    auth.logout()

    auth.login(author.email)
    page = text(client.get(f"/reports/{report.id}/step/1"))
    assert "Précisez le volume d'examens." in page
    client.post(f"/reports/{report.id}/step/1", data={**COMPLETE_STEPS[1], "volume": "2 000 examens", "nav": "next"})
    assert client.post(f"/reports/{report.id}/summary", data={"submission_key": "second"}).status_code == 302
    assert fresh(report).status == "submitted"
    auth.logout()

    auth.login(moderator.email)
    assert client.post(f"/moderation/revisions/{revision_id}/publish").status_code == 302
    report = fresh(report)
    assert report.status == "published"
    assert report.published_revision.answers["volume"] == "2 000 examens"
    assert mailbox[-1].subject.endswith("votre retour est publié")
    assert audit_actions(report.id) == ["report.created", "report.submitted", "report.changes_requested",
                                        "report.submitted", "report.published"]


def test_rejection_needs_a_reason_and_is_told_to_the_author(client, auth, mailbox):
    author = make_user("contributor")
    moderator = make_user("moderator")
    report = make_report(author, state="submitted")
    db.session.commit()
    auth.login(moderator.email)
    revision_id = report.working_revision_id
    client.post(f"/moderation/revisions/{revision_id}/reject", data={"reject-message": ""})
    assert fresh(report).status == "submitted"
    client.post(f"/moderation/revisions/{revision_id}/reject", data={"reject-message": "Retour publicitaire."})
    assert fresh(report).status == "rejected"
    assert "Retour publicitaire." in mailbox[-1].body


def test_an_update_is_moderated_while_the_published_version_stays_visible(client, auth):
    author = make_user("contributor")
    analyst = make_user("analyst")
    report = make_report(author, state="published")
    db.session.commit()
    auth.login(author.email)
    client.post(f"/reports/{report.id}/update")
    client.post(f"/reports/{report.id}/step/6", data={**COMPLETE_STEPS[6], "advice": "Conseil mis à jour.",
                                                      "nav": "next"})
    client.post(f"/reports/{report.id}/summary", data={"submission_key": "update-1"})
    report = fresh(report)
    assert (report.status, report.published_revision.number, report.working_revision.number) == ("published", 1, 2)
    assert report.working_revision.state == "submitted"
    auth.logout()

    auth.login(analyst.email)
    page = text(client.get(f"/reports/{report.id}"))
    assert "Prévoir du temps pour la formation" in page
    assert "Conseil mis à jour." not in page

    service.publish(report.working_revision, make_user("moderator"))
    db.session.commit()
    page = text(client.get(f"/reports/{report.id}"))
    assert "Conseil mis à jour." in page
    assert [r.state for r in fresh(report).revisions] == ["superseded", "published"]


def test_withdrawn_reports_are_no_longer_readable_by_analysts(client, auth):
    author = make_user("contributor")
    analyst = make_user("analyst")
    report = make_report(author, state="published")
    db.session.commit()
    auth.login(author.email)
    assert client.post(f"/reports/{report.id}/withdraw").status_code == 302
    assert fresh(report).status == "withdrawn"
    auth.logout()
    auth.login(analyst.email)
    assert client.get(f"/reports/{report.id}").status_code == 404


def test_a_follow_up_links_to_the_earlier_report_and_the_timeline_shows_both(client, auth):
    author = make_user("contributor")
    solution = make_solution()
    earlier = make_report(author, solution, state="published")
    db.session.commit()
    auth.login(author.email)
    report_id = create_report(client, solution, "follow-up")
    assert db.session.get(Report, report_id).previous_report_id == earlier.id
    fill_all_steps(client, report_id, {**COMPLETE_STEPS, 1: {**COMPLETE_STEPS[1], "stage": "stopped"},
                                       6: {**COMPLETE_STEPS[6], "stop_reasons": ["cost"]}})
    client.post(f"/reports/{report_id}/summary", data={"submission_key": "follow"})
    page = text(client.get(f"/reports/timeline/{solution.id}"))
    assert page.count("Ouvrir ce retour") == 2
    assert "En production" in page and "Arrêté" in page


@pytest.mark.parametrize(("state", "action"), [
    ("draft", service.publish), ("published", service.publish), ("rejected", service.publish),
    ("draft", service.reject), ("changes_requested", service.publish),
])
def test_moderation_refuses_revisions_that_are_not_waiting(app, state, action):
    report = make_report(state=state)
    revision = report.working_revision or report.published_revision
    with pytest.raises(service.ReportError):
        action(revision, make_user("moderator"), *(() if action is service.publish else ("raison",)))


@pytest.mark.parametrize(("role", "same_establishment", "author", "can_edit"), [
    ("contributor", True, True, True),
    ("contributor", True, False, False),
    ("referent", True, False, True),
    ("contributor", False, False, False),
    ("referent", False, False, False),
    ("moderator", False, False, False),
    ("analyst", False, False, False),
    ("admin", False, False, False),
])
def test_who_may_edit_a_draft(client, auth, role, same_establishment, author, can_edit):
    owner = make_user("contributor")
    report = make_report(owner)
    if author:
        actor = owner
    else:
        establishment = owner.establishment if same_establishment else None
        actor = make_user(role, establishment)
    db.session.commit()
    auth.login(actor.email)
    expected = 200 if can_edit else 404
    assert client.get(f"/reports/{report.id}/step/1").status_code == expected
    response = client.post(f"/reports/{report.id}/step/1", data={"services": "modifié", "nav": "save"})
    assert response.status_code == (302 if can_edit else 404)
    assert (fresh(report).working_revision.answers.get("services") == "modifié") is can_edit


def test_members_read_their_establishments_reports_but_not_others(client, auth):
    owner = make_user("contributor")
    colleague = make_user("contributor", owner.establishment)
    stranger = make_user("contributor")
    report = make_report(owner)
    db.session.commit()
    auth.login(colleague.email)
    assert client.get(f"/reports/{report.id}").status_code == 200
    assert report.solution.name in text(client.get("/reports/establishment"))
    auth.logout()
    auth.login(stranger.email)
    assert client.get(f"/reports/{report.id}").status_code == 404
    assert report.solution.name not in text(client.get("/reports/establishment"))


def test_the_moderation_queue_filters_flagged_and_sorts_oldest_first(client, auth):
    clean = make_report(state="submitted")
    flagged = make_report(state="submitted", answers=complete_answers(advice="Appeler le 06 12 34 56 78."))
    moderator = make_user("moderator")
    db.session.commit()
    auth.login(moderator.email)
    page = text(client.get("/moderation/"))
    assert page.index(clean.solution.name) < page.index(flagged.solution.name)
    newest = text(client.get("/moderation/?order=newest"))
    assert newest.index(flagged.solution.name) < newest.index(clean.solution.name)
    only_flagged = text(client.get("/moderation/?filter=flagged"))
    assert flagged.solution.name in only_flagged and clean.solution.name not in only_flagged


def test_an_analyst_sees_the_establishment_only_as_type_size_and_region(client, auth):
    report = make_report(state="published", answers=complete_answers(contact_ok=""))
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    page = text(client.get(f"/reports/{report.id}"))
    assert report.establishment.name not in page
    assert "Centre hospitalier" in page  # the type label


def test_every_transition_is_audited(app):
    report = make_report(state="published")
    service.start_update(report, report.author)
    service.withdraw(report, report.author)
    assert audit_actions(report.id) == ["report.created", "report.submitted", "report.published",
                                        "report.update_started", "report.withdrawn"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportRevision)) == 2


def test_rescan_flags_stored_texts_that_the_recognizers_now_catch(app, runner):
    report = make_report(state="published")
    revision = report.published_revision
    # Text that was published before a recognizer existed for it (written directly, as old data would be).
    revision.answers = {**revision.answers, "advice": "Rappeler Mme Garnier au 06 12 34 56 78."}
    db.session.commit()
    result = runner.invoke(args=["privacy", "rescan"])
    assert result.exit_code == 0, result.output
    assert "Nouveaux signalements : 2" in result.output
    again = runner.invoke(args=["privacy", "rescan"])
    assert "Nouveaux signalements : 0" in again.output
    moderator = make_user("moderator")
    for flag in fresh(revision).flags:
        service.mask_flag(flag, moderator)
    assert "Garnier" not in fresh(revision).answers["advice"]


def test_text_flagged_after_publication_is_masked_for_readers_outside(client, auth, runner):
    report = make_report(state="published")
    revision = report.published_revision
    revision.answers = {**revision.answers, "advice": "Rappeler Mme Garnier au 06 12 34 56 78."}
    db.session.commit()
    runner.invoke(args=["privacy", "rescan"])
    analyst = make_user("analyst")
    db.session.commit()
    auth.login(analyst.email)
    page = text(client.get(f"/reports/{report.id}"))
    assert "Garnier" not in page and "06 12 34 56 78" not in page
    assert "[TÉLÉPHONE]" in page


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
