"""Starting a report: one draft per solution offered again instead of a second one, and a follow-up that starts
from the establishment's latest published answers."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Report
from app.services import reports as service
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user, text
from tests.report_helpers import create_report


@pytest.fixture
def contributor(auth):
    user = make_user("contributor")
    db.session.commit()
    auth.login(user.email)
    return user


def count_reports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


def test_starting_a_second_report_on_the_same_solution_offers_the_draft_instead(client, contributor):
    solution = make_solution(name="Radiolab")
    db.session.commit()
    first = create_report(client, solution, "first-form")
    client.post(f"/reports/{first}/step/1", data={"services": "Imagerie", "nav": "save"})

    response = client.post("/reports/new", data={"solution_id": solution.id, "creation_key": "second-form"})
    page = text(response)
    assert response.status_code == 200
    assert "Un retour sur Radiolab est déjà en cours" in page
    assert "aucun nouveau brouillon n'a été créé" in page
    assert f'href="/reports/{first}/continue"' in page
    assert count_reports() == 1
    # The same form sent again (a double click) still goes to the draft it made.
    assert create_report(client, solution, "first-form") == first
    # Another solution starts its own draft.
    other = make_solution()
    db.session.commit()
    assert create_report(client, other, "third-form") != first
    assert count_reports() == 2


def test_a_draft_sent_back_for_changes_is_offered_too_but_not_a_sent_one(client, contributor):
    solution = make_solution()
    returned = make_report(contributor, solution, state="changes_requested")
    db.session.commit()
    page = text(client.post("/reports/new", data={"solution_id": solution.id, "creation_key": "k1"}))
    assert f'href="/reports/{returned.id}/continue"' in page
    service.submit(returned.working_revision, "resent", contributor)
    db.session.commit()
    assert create_report(client, solution, "k2") != returned.id  # in moderation: nothing to continue


def test_a_referent_is_offered_a_colleagues_draft_a_contributor_writes_their_own(client, auth):
    home = make_establishment()
    referent, colleague, writer = (make_user(role, home) for role in ("referent", "contributor", "contributor"))
    solution = make_solution()
    draft = make_report(colleague, solution, answers={})
    elsewhere = make_report(make_user("contributor", make_establishment()), solution, answers={})
    db.session.commit()

    auth.login(referent.email)
    page = text(client.post("/reports/new", data={"solution_id": solution.id, "creation_key": "r1"}))
    assert f'href="/reports/{draft.id}/continue"' in page
    assert "par Contributor Test" in page
    assert f"/reports/{elsewhere.id}" not in page

    # A contributor may not edit a colleague's draft: several voices of one establishment are allowed.
    auth.logout()
    auth.login(writer.email)
    own = create_report(client, solution, "w1")
    assert own not in (draft.id, elsewhere.id)


def test_a_referent_offered_a_colleagues_draft_may_write_their_own_all_the_same(client, auth):
    home = make_establishment()
    referent, colleague = make_user("referent", home), make_user("contributor", home)
    solution = make_solution()
    draft = make_report(colleague, solution, answers={})
    db.session.commit()
    auth.login(referent.email)

    offer = text(client.post("/reports/new", data={"solution_id": solution.id, "creation_key": "r2"}))
    assert "Écrire quand même un nouveau retour" in offer
    # The offer's second form sends the same solution and key, with the choice made.
    assert re.search(rf'name="solution_id" value="{solution.id}"', offer)
    assert 'name="creation_key" value="r2"' in offer and 'name="new_anyway" value="y"' in offer
    anyway = {"solution_id": solution.id, "creation_key": "r2", "new_anyway": "y"}
    first, again = client.post("/reports/new", data=anyway), client.post("/reports/new", data=anyway)
    assert first.status_code == again.status_code == 302  # a double click makes one draft
    assert first.headers["Location"] == again.headers["Location"]
    own = int(re.search(r"/reports/([0-9]+)/step/1", first.headers["Location"])[1])
    assert own != draft.id and db.session.get(Report, own).author_id == referent.id
    assert count_reports() == 2


def test_a_follow_up_starts_from_the_latest_published_answers(client, contributor):
    solution = make_solution()
    older = make_report(contributor, solution, "published", complete_answers(services="Ancienne version"))
    latest = make_report(contributor, solution, "published",
                         complete_answers(services="Imagerie et urgences", users_count="40", stage="pilot"))
    db.session.commit()

    response = client.post("/reports/new", data={"solution_id": solution.id, "creation_key": "follow-up"})
    report_id = int(re.search(r"/reports/([0-9]+)/step/1", response.headers["Location"])[1])
    page = text(client.get(response.headers["Location"]))
    assert "reprend les réponses de votre dernier retour publié" in page
    assert "Imagerie et urgences" in page and 'value="40"' in page and "Ancienne version" not in page
    report = db.session.get(Report, report_id)
    assert report.previous_report_id == latest.id != older.id
    assert report.working_revision.answers == {k: v for k, v in latest.published_revision.answers.items()
                                               if k != "contact_ok"}
    assert report.working_revision.number == 1 and report.status == "draft"
    # Changing what changed leaves the published report as it was.
    client.post(f"/reports/{report_id}/step/1", data={**{k: v for k, v in complete_answers().items()
                                                         if k in ("services", "start_date", "initiated_by")},
                                                      "stage": "production", "users_count": "55", "nav": "next"})
    db.session.expire_all()
    assert db.session.get(Report, report_id).working_revision.answers["users_count"] == "55"
    assert latest.published_revision.answers["users_count"] == "40"


def test_a_follow_up_keeps_masked_passages_masked_and_the_guard_speaks_again(client, contributor):
    moderator = make_user("moderator")
    solution = make_solution()
    report = make_report(contributor, solution, "submitted", complete_answers(
        advice="Appeler Mme Lefebvre au 06 12 34 56 78 pour les accès.",
        success_factors="Joindre le standard au 01 45 67 89 10."))
    revision = report.working_revision
    for flag in list(revision.flags):
        if flag.field == "advice":
            service.mask_flag(flag, moderator)
        else:
            service.dismiss_flag(flag, moderator)  # the moderator judged it harmless
    service.publish(revision, moderator)
    db.session.commit()
    published = report.published_revision.answers

    follow_up = create_report(client, solution, "masked")
    answers = db.session.get(Report, follow_up).working_revision.answers
    assert answers["advice"] == published["advice"]
    assert "06 12 34 56 78" not in answers["advice"] and "[TÉLÉPHONE]" in answers["advice"]
    # The texts are scanned again in the new report, as in an update: the number left in is pointed out.
    page = text(client.get(f"/reports/{follow_up}/step/6"))
    assert "Attention : données personnelles possibles" in page
    assert "<mark" in page and "01 45 67 89 10" in page


def test_a_follow_up_never_carries_over_a_consent_to_be_contacted(client, contributor):
    colleague = make_user("contributor", establishment=contributor.establishment)
    solution = make_solution()
    make_report(colleague, solution, "published", complete_answers(contact_ok="y"))
    db.session.commit()

    follow_up = create_report(client, solution, "consent")
    assert "contact_ok" not in db.session.get(Report, follow_up).working_revision.answers
    page = text(client.get(f"/reports/{follow_up}/step/6"))
    assert re.search(r'<input[^>]*name="contact_ok"[^>]*>', page)
    assert "checked" not in re.search(r'<input[^>]*name="contact_ok"[^>]*>', page)[0]


@pytest.mark.parametrize(("updater", "kept"), [("author", True), ("colleague", False)])
def test_an_update_keeps_a_consent_only_for_whoever_gave_it(app, updater, kept):
    author = make_user("contributor")
    colleague = make_user("referent", establishment=author.establishment)
    report = make_report(author, make_solution(), "published", complete_answers(contact_ok="y"))
    revision = service.start_update(report, author if updater == "author" else colleague)
    assert ("contact_ok" in revision.answers) is kept
    assert revision.answers["advice"] == report.published_revision.answers["advice"]
