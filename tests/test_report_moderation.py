"""A report's life after its submission: moderation, publication, updates, withdrawal, who reads and edits it, rescans."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Report, ReportRevision
from app.services import reports as service
from tests.factories import COMPLETE_STEPS, complete_answers, make_report, make_solution, make_user, text
from tests.report_helpers import audit_actions, create_report, fill_all_steps, fresh


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
    assert client.post(f"/reports/{report.id}/withdraw", data={"reason": "Projet arrêté."}).status_code == 302
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
