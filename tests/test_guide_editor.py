"""The guide editor: one form whose every button saves what is typed first; publication confirmed on a page that
shows what changes; errors beside their section with the text kept."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, Guide, GuideVersion
from app.services import guides
from app.services.guides import MAX_NARRATIVE
from tests.factories import make_solution, make_user, text
from tests.test_guides import publish_reports

TYPED = "Texte tapé juste avant de cliquer : à garder."


@pytest.fixture
def analyst(app):
    return make_user("analyst")


@pytest.fixture
def guide(analyst):
    solution = make_solution(name="Radiolys")
    publish_reports(solution, 4)
    created = guides.create_guide(analyst, solution=solution)
    db.session.commit()
    return created


@pytest.fixture
def editing(client, auth, analyst, guide):  # noqa: ARG001 (the guide committed before the login)
    auth.login(analyst.email)
    return client


def editor_fields(guide: Guide, **narratives: str) -> dict[str, str]:
    """The editor's form as the browser sends it, with some sections' text typed over."""
    fields = {}
    for index, section in enumerate(guides.ordered_sections(guide.draft)):
        fields |= {f"sections-{index}-key": section["key"],
                   f"sections-{index}-narrative": narratives.get(section["key"], section.get("narrative", "")),
                   f"sections-{index}-visible": "y", f"sections-{index}-position": str(section["position"])}
    return fields


def saved_text(guide: Guide, key: str) -> str:
    db.session.expire_all()
    draft = db.session.get(Guide, guide.id).draft
    return next(s for s in draft["sections"] if s["key"] == key)["narrative"]


def versions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(GuideVersion))


def test_every_button_is_in_the_one_form_that_carries_the_texts(editing, guide):
    page = editing.get(f"/guides/manage/{guide.id}").get_data(as_text=True)
    forms = re.findall(r"<form\b[^>]*>.*?</form>", page, flags=re.S)
    editor = next(form for form in forms if "sections-0-narrative" in form)
    for label in ("Enregistrer", "Enregistrer et prévisualiser", "Recalculer les chiffres",
                  "Publier une nouvelle version", "Citer"):
        assert re.search(rf'<button type="submit" name="action" value="[^"]+"[^>]*>{re.escape(label)}[<]', editor), label
    # The first button of the form, the one the Enter key sends, only saves.
    assert re.search(r'<button type="submit" name="action" value="(\w+)"', editor).group(1) == "save"


def test_recalculate_keeps_the_text_typed_before_the_click(editing, guide):
    response = editing.post(f"/guides/manage/{guide.id}", data={**editor_fields(guide, uses=TYPED),
                                                                  "action": "generate"})
    assert response.status_code == 302
    assert saved_text(guide, "uses") == TYPED
    page = text(editing.get(response.headers["Location"]))
    assert "Textes enregistrés ; chiffres recalculés à partir des retours publiés." in page
    assert TYPED in page


def test_citing_keeps_the_text_typed_before_the_click(editing, guide):
    candidate = guides.quote_candidates(guide)[0]
    action = f"cite:{candidate['report_id']}:{candidate['field']}"
    response = editing.post(f"/guides/manage/{guide.id}", data={**editor_fields(guide, advice=TYPED),
                                                                  "action": action})
    assert response.status_code == 302 and response.headers["Location"].endswith("#quotes")
    assert saved_text(guide, "advice") == TYPED
    quotes = db.session.get(Guide, guide.id).draft["quotes"]
    assert [(q["report_id"], q["field"]) for q in quotes] == [(candidate["report_id"], candidate["field"])]
    page = text(editing.get(f"/guides/manage/{guide.id}"))
    assert "Textes enregistrés ; citation ajoutée." in page and TYPED in page

    response = editing.post(f"/guides/manage/{guide.id}", data={**editor_fields(guide, advice=TYPED + " Suite."),
                                                                  "action": "un" + action})
    assert response.status_code == 302
    assert saved_text(guide, "advice") == TYPED + " Suite."
    assert db.session.get(Guide, guide.id).draft["quotes"] == []


def test_a_refused_quote_still_saves_the_text(editing, guide):
    response = editing.post(f"/guides/manage/{guide.id}", data={**editor_fields(guide, advice=TYPED),
                                                                  "action": "cite:999999:advice"})
    assert response.status_code == 302
    assert saved_text(guide, "advice") == TYPED
    page = text(editing.get(response.headers["Location"]))
    assert "Textes enregistrés. Ce texte ne fait pas partie des retours publiés de ce guide." in page


def test_publish_saves_the_text_and_asks_for_confirmation_before_publishing(editing, guide, analyst):
    guides.publish(guide, analyst)
    db.session.commit()
    response = editing.post(f"/guides/manage/{guide.id}", data={**editor_fields(guide, uses=TYPED),
                                                                  "action": "publish"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/guides/manage/{guide.id}/publish")
    assert saved_text(guide, "uses") == TYPED
    assert versions() == 1  # not published yet
    page = text(editing.get(response.headers["Location"]))
    assert "Publier la version 2 de « Retours d'expérience : Radiolys »" in page
    assert "Voici ce qui change depuis la version 1" in page
    assert re.search(r"1\. Besoins et usages observés</h3>\s*<div class=\"diff\"><ins>"
                     r"<span class=\"visually-hidden\">\[début d'ajout\] </span>" + re.escape(TYPED), page)
    assert "Confirmer la publication de la version 2" in page

    shown = re.search(r'name="shown" type="hidden" value="([0-9a-f]+)"', page).group(1)
    confirmed = editing.post(f"/guides/manage/{guide.id}/publish", data={"shown": shown})
    assert confirmed.headers["Location"].endswith("/versions/2")
    assert versions() == 2
    published = db.session.scalar(sa.select(GuideVersion).where(GuideVersion.number == 2))
    assert next(s for s in published.snapshot["sections"] if s["key"] == "uses")["narrative"] == TYPED


def test_publishing_without_the_confirmation_publishes_nothing(editing, guide):
    response = editing.post(f"/guides/manage/{guide.id}/publish")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/guides/manage/{guide.id}/publish")
    assert versions() == 0
    assert "Vérifiez ce qui change, puis confirmez la publication." in text(editing.get(response.headers["Location"]))


def test_a_draft_changed_after_the_confirmation_page_is_shown_again_not_published(editing, guide, analyst):
    shown = guides.draft_fingerprint(guide)
    guides.update_sections(guide, {"uses": {"narrative": "Modifié dans un autre onglet."}}, analyst)
    db.session.commit()
    response = editing.post(f"/guides/manage/{guide.id}/publish", data={"shown": shown})
    assert response.headers["Location"].endswith(f"/guides/manage/{guide.id}/publish")
    assert versions() == 0
    page = text(editing.get(response.headers["Location"]))
    assert "Le brouillon a changé depuis l'affichage de cette page" in page
    assert "Modifié dans un autre onglet." in page


def test_nothing_to_publish_is_said_without_a_confirm_button(editing, guide, analyst):
    guides.publish(guide, analyst)
    db.session.commit()
    page = text(editing.get(f"/guides/manage/{guide.id}/publish"))
    assert "Rien n'a changé depuis la version 1" in page
    assert "Confirmer la publication" not in page


def test_an_oversized_section_shows_a_french_error_beside_it_and_keeps_every_text(editing, guide):
    long_text = "Un long texte. " * 7000  # 105 000 characters
    response = editing.post(f"/guides/manage/{guide.id}", data={
        **editor_fields(guide, uses=long_text, prerequisites=TYPED), "action": "publish"})
    assert response.status_code == 200
    page = text(response)
    assert "Sections : {}" not in page and "{}" not in page
    assert "Le formulaire contient des erreurs" in page
    error = "Ce texte compte 105\u202f000 caractères, une section en admet 20\u202f000 au plus : raccourcissez-le pour " \
            "l'enregistrer."
    assert f'<a href="#sections-1-narrative">Besoins et usages observés — Texte de la section (Markdown) : {error}</a>' \
        in page
    assert re.search(r'<textarea aria-describedby="sections-1-narrative-errors" aria-invalid="true"[^>]*>\s*'
                     + re.escape(long_text.strip()[:200]), page)
    assert f'<ul class="field-errors" id="sections-1-narrative-errors">\n      <li>{error}</li>' in page
    # The other section's text is saved; the oversized one is not, and nothing is published.
    assert saved_text(guide, "prerequisites") == TYPED
    assert saved_text(guide, "uses") == ""
    assert len(long_text) > MAX_NARRATIVE and versions() == 0


def test_a_position_that_is_not_a_number_is_refused_beside_its_field_and_the_text_saved(editing, guide):
    fields = {**editor_fields(guide, uses=TYPED), "sections-1-position": "douze", "action": "save"}
    response = editing.post(f"/guides/manage/{guide.id}", data=fields)
    assert response.status_code == 200
    page = text(response)
    assert 'id="sections-1-position-errors"' in page and 'value="douze"' in page
    assert saved_text(guide, "uses") == TYPED


def test_saving_unchanged_texts_writes_no_audit_event(editing, guide):
    def edits() -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "guide.edited"))

    editing.post(f"/guides/manage/{guide.id}", data={**editor_fields(guide), "action": "save"})
    assert edits() == 0
    editing.post(f"/guides/manage/{guide.id}", data={**editor_fields(guide, uses=TYPED), "action": "save"})
    assert edits() == 1
