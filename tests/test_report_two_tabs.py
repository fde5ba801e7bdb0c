"""Two tabs on one draft: a page that another tab's saves have overtaken merges its answers field by field, says
so, and shows both versions where both tabs changed the same answer. Nothing typed in either tab is lost."""

from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, Report, ReportRevision
from app.services import draft_merge
from app.services import reports as service
from tests.factories import COMPLETE_STEPS, make_solution, make_user, text
from tests.report_helpers import create_report


@pytest.fixture
def contributor(auth):
    user = make_user("contributor")
    db.session.commit()
    auth.login(user.email)
    return user


def open_tab(client, report_id: int, step: int = 1) -> dict:
    """What a page of the step carries: its save count and the fingerprints of the answers it shows."""
    page = client.get(f"/reports/{report_id}/step/{step}").get_data(as_text=True)
    return {"edit_count": re.search(r'name="edit_count" value="([0-9]+)"', page)[1],
            "edit_base": html.unescape(re.search(r'name="edit_base" value="([^"]*)"', page)[1])}


def saved(report_id: int) -> dict:
    db.session.expire_all()
    return db.session.get(Report, report_id).working_revision.answers


@pytest.fixture
def draft(client, contributor):
    solution = make_solution()
    db.session.commit()
    return create_report(client, solution)


def test_a_stale_tab_that_changed_one_answer_keeps_the_other_tabs_answers(client, draft):
    tab_a, tab_b = open_tab(client, draft), open_tab(client, draft)
    step_a = {**COMPLETE_STEPS[1], "volume": ""}  # tab A leaves the volume (optional) blank
    assert client.post(f"/reports/{draft}/step/1", data={**step_a, **tab_a, "nav": "next"}).status_code == 302

    # Tab B still shows an empty step 1; its contributor types the volume only.
    response = client.post(f"/reports/{draft}/step/1", data={**tab_b, "volume": "800 examens par mois",
                                                             "nav": "next"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reports/{draft}/step/1"  # back to the step, merged, to check it
    answers = saved(draft)
    assert answers["volume"] == "800 examens par mois"
    assert {k: answers[k] for k in COMPLETE_STEPS[1] if k != "volume"} == {
        k: v for k, v in COMPLETE_STEPS[1].items() if k != "volume"}
    page = text(client.get(response.headers["Location"]))
    assert "Ce brouillon avait été modifié dans un autre onglet" in page
    assert "« Services ou unités qui utilisent la solution »" in page
    assert "Service d'imagerie et urgences adultes" in page and "800 examens par mois" in page
    assert db.session.scalar(sa.select(AuditLog.detail).where(AuditLog.action == "report.edits_merged"))["kept"]


def test_a_page_that_is_not_stale_saves_as_before(client, draft):
    tab = open_tab(client, draft)
    client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **tab, "nav": "save"})
    again = open_tab(client, draft)
    assert int(again["edit_count"]) == int(tab["edit_count"]) + 1
    response = client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **again, "volume": "",
                                                             "nav": "save"})
    assert "autre onglet" not in text(client.get(response.headers["Location"]))
    assert saved(draft)["volume"] == ""  # emptied on purpose: taken as sent


def test_both_tabs_changing_one_answer_shows_both_versions_and_the_choice_is_kept(client, draft):
    client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], "nav": "save"})
    tab_a, tab_b = open_tab(client, draft), open_tab(client, draft)
    client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **tab_a, "services": "Version de l'onglet A",
                                                  "nav": "save"})
    response = client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **tab_b, "users_count": "20",
                                                             "services": "Version de l'onglet B", "nav": "next"})
    page = text(response)
    assert response.status_code == 409
    assert "pour 1 réponse, les deux onglets diffèrent" in page
    # The field holds this tab's text; the other tab's is shown beside it, with the choice of which to keep.
    assert re.search(r'<textarea[^>]*name="services"[^>]*>\s*Version de l\'onglet B</textarea>', page)
    conflict = re.search(r'<div class="conflict[^"]*" id="conflict-services">(.*?)</fieldset>', page, re.S)[1]
    assert "Version de l'onglet A" in conflict and "Celle de l'autre onglet" in conflict
    answers = saved(draft)
    assert answers["services"] == "Version de l'onglet A" and answers["users_count"] == "20"  # the rest is saved

    # Saving the page as shown keeps this tab's version; choosing the other tab's keeps that one.
    tab = {"edit_count": re.search(r'name="edit_count" value="([0-9]+)"', page)[1],
           "edit_base": html.unescape(re.search(r'name="edit_base" value="([^"]*)"', page)[1])}
    choose = client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **tab, "users_count": "20",
                                                           "services": "Version de l'onglet B",
                                                           "keep-services": "saved", "nav": "next"})
    assert choose.status_code == 302 and choose.headers["Location"] == f"/reports/{draft}/step/2"
    assert saved(draft)["services"] == "Version de l'onglet A"


def conflict_page(client, draft) -> tuple[str, dict]:
    """Two tabs change the services differently; the second gets the conflict page. Returns it and its fields."""
    client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], "nav": "save"})
    tab_a, tab_b = open_tab(client, draft), open_tab(client, draft)
    client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **tab_a, "services": "Version de l'onglet A",
                                                  "nav": "save"})
    response = client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **tab_b,
                                                             "services": "Version de l'onglet B", "nav": "next"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    fields = {name: html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page)[1])
              for name in ("edit_count", "edit_base", "theirs-services")}
    return page, fields


def test_choosing_the_other_tabs_version_keeps_it_even_after_an_autosave_of_this_tab(client, draft):
    _page, fields = conflict_page(client, draft)
    mine = {**COMPLETE_STEPS[1], **fields, "services": "Version de l'onglet B"}
    # While the contributor reads both versions, the page autosaves what its fields hold: this tab's version.
    autosaved = client.post(f"/reports/{draft}/step/1/autosave", data={**mine, "keep-services": "mine"}).get_json()
    assert saved(draft)["services"] == "Version de l'onglet B"

    fields["edit_count"] = str(autosaved["edit_count"])
    choose = client.post(f"/reports/{draft}/step/1", data={**mine, "edit_count": fields["edit_count"],
                                                           "keep-services": "saved", "nav": "next"})
    assert choose.status_code == 302 and choose.headers["Location"] == f"/reports/{draft}/step/2"
    assert saved(draft)["services"] == "Version de l'onglet A"


def test_the_other_tabs_version_carried_by_the_page_is_checked_like_a_typed_answer(client, draft):
    _page, fields = conflict_page(client, draft)
    response = client.post(f"/reports/{draft}/step/1", data={
        **COMPLETE_STEPS[1], **fields, "services": "Version de l'onglet B", "keep-services": "saved",
        "theirs-services": json.dumps("x" * 600), "nav": "next"})
    assert response.status_code == 200  # not moved on: longer than the question allows, as if typed
    page = text(response)
    assert re.search(r'<textarea[^>]*name="services"[^>]*>\s*x{600}</textarea>', page)
    assert 'aria-invalid="true"' in page

def test_a_stale_autosave_merges_and_keeps_merging_until_the_page_is_reloaded(client, draft):
    tab_a, tab_b = open_tab(client, draft), open_tab(client, draft)
    client.post(f"/reports/{draft}/step/1", data={**COMPLETE_STEPS[1], **tab_a, "volume": "", "nav": "save"})

    first = client.post(f"/reports/{draft}/step/1/autosave", data={**tab_b, "volume": "Premier jet"}).get_json()
    assert first["merged"] is True and "modifié dans un autre onglet" in first["message"]
    assert first["edit_count"] == int(tab_b["edit_count"])  # the page still shows older answers
    assert saved(draft)["volume"] == "Premier jet" and saved(draft)["services"] == COMPLETE_STEPS[1]["services"]

    # The same tab types on: its next autosave, with the count and base it was given, is no conflict with itself.
    tab_b = {"edit_count": str(first["edit_count"]), "edit_base": first["edit_base"]}
    second = client.post(f"/reports/{draft}/step/1/autosave", data={**tab_b, "volume": "Premier jet, complété"})
    assert second.status_code == 200 and "diffèrent" not in second.get_json()["message"]
    answers = saved(draft)
    assert answers["volume"] == "Premier jet, complété" and answers["stage"] == COMPLETE_STEPS[1]["stage"]


def test_a_fresh_autosave_moves_the_page_on(client, draft):
    tab = open_tab(client, draft)
    body = client.post(f"/reports/{draft}/step/1/autosave", data={**tab, "services": "Urgences"}).get_json()
    assert body["merged"] is False and body["edit_count"] == int(tab["edit_count"]) + 1
    assert json.loads(body["edit_base"]) == json.loads(open_tab(client, draft)["edit_base"])


def test_two_saves_read_at_the_same_count_do_not_overwrite_each_other(client, contributor, draft):
    revision = db.session.get(Report, draft).working_revision
    seen, base = revision.edit_count, draft_merge.base_of(revision.answers, 1)
    page = {**COMPLETE_STEPS[1], "volume": ""}
    # The other request, sent from a page with the same count, writes first, after this one has read the revision.
    other = {**revision.answers, "volume": "800 examens par mois"}
    db.session.execute(sa.update(ReportRevision).where(ReportRevision.id == revision.id)
                       .values(answers=other, edit_count=seen + 1).execution_options(synchronize_session=False))

    merge = service.save_step(revision, 1, page, contributor, seen=seen, base=base)
    db.session.commit()
    assert merge.stale and merge.kept == ["volume"]
    answers = saved(draft)
    assert answers["volume"] == "800 examens par mois" and answers["services"] == page["services"]
    assert db.session.get(Report, draft).working_revision.edit_count == seen + 2
