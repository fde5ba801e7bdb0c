"""What the report forms tell before anything is sent: the asterisk on every required answer (and only there), a
placeholder that says what to choose, and one clear message for a word typed in a number field."""

from __future__ import annotations

import re

import pytest

from app import questionnaire as q
from app.extensions import db
from app.questionnaire.rules import question_errors
from tests.factories import complete_answers, make_category, make_report, make_solution, make_user, text

GROUP = re.compile(r'<(?:div|fieldset) class="form-group[^"]*".*?(?=<(?:div|fieldset) class="form-group|<div id="privacy)',
                   re.S)


def marked_fields(page: str) -> dict[str, bool]:
    """Each answer field of a step page: whether its label carries the asterisk."""
    marks = {}
    for group in GROUP.findall(page):
        name = re.search(r'name="([a-z0-9_]+)"', group)
        if name:  # the asterisk follows the label or legend, before the hint and the inputs
            label = re.split(r'<(?:input|textarea|select|p class="hint"|div class="(?:radio|checkbox))', group)[0]
            marks[name[1]] = 'class="required"' in label
    return marks


@pytest.fixture
def contributor(auth):
    user = make_user("contributor")
    db.session.commit()
    auth.login(user.email)
    return user


# Answers that make every conditional question both shown and needed, in one case or the other.
CASES = {
    "in production": complete_answers(),
    "stopped": complete_answers(stage="stopped", stop_reasons=["cost"]),
    "pilot, not integrated": complete_answers(stage="pilot", integrated_systems=[], time_saved_hours=""),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_required_answer_and_only_those_carry_the_asterisk(client, contributor, case):
    answers = CASES[case]
    report = make_report(contributor, answers=answers)
    db.session.commit()
    checked = 0
    for step in q.STEPS:
        marks = marked_fields(client.get(f"/reports/{report.id}/step/{step}").get_data(as_text=True))
        hidden = q.hidden_questions(answers)
        for question in q.step_questions(step):
            if question.name in hidden or question.kind == q.questions.BOOLEAN:
                assert question.name not in marks or question.kind == q.questions.BOOLEAN
                continue
            # Required: left blank (the other answers as they are), the step refuses it.
            blank = [] if question.multiple else ""
            required = bool(question_errors(question, {**answers, question.name: blank}))
            assert marks[question.name] is required, (case, question.name, required)
            checked += 1
    assert checked >= 45


def test_the_delay_to_go_live_is_required_for_a_running_project_only(client, contributor):
    running = make_report(contributor, answers=complete_answers(stage="production", months_to_golive=""))
    stopped = make_report(contributor, answers=complete_answers(stage="stopped", months_to_golive="",
                                                                stop_reasons=["cost"]))
    db.session.commit()
    assert marked_fields(client.get(f"/reports/{running.id}/step/2").get_data(as_text=True))["months_to_golive"]
    page = client.get(f"/reports/{stopped.id}/step/2").get_data(as_text=True)
    assert marked_fields(page)["months_to_golive"] is False
    assert "Facultatif pour un projet arrêté" in text(client.get(f"/reports/{stopped.id}/step/2"))
    data = {k: v for k, v in complete_answers().items() if k in q.names(2)} | {"months_to_golive": "", "nav": "next"}
    assert client.post(f"/reports/{stopped.id}/step/2", data=data).status_code == 302
    refused = client.post(f"/reports/{running.id}/step/2", data=data)
    assert refused.status_code == 200
    assert "Indiquez le délai en mois (0 si moins d'un mois)." in text(refused)


def test_a_word_in_a_number_field_is_kept_with_one_clear_message(client, contributor):
    report = make_report(contributor, answers={})
    db.session.commit()
    response = client.post(f"/reports/{report.id}/step/1", data={**{k: v for k, v in complete_answers().items()
                                                                      if k in q.names(1)},
                                                                   "users_count": "douze", "nav": "next"})
    page = text(response)
    assert response.status_code == 200
    field = re.search(r'<input[^>]*name="users_count"[^>]*>', page)[0]
    assert 'value="douze"' in field and 'type="text"' in field and 'inputmode="numeric"' in field
    errors = re.search(r'<ul class="field-errors" id="users_count-errors">(.*?)</ul>', page, re.S)[1]
    assert re.findall(r"<li>(.*?)</li>", errors) == ["Saisissez un nombre entier, par exemple 12."]
    assert "compris entre" not in page
    # A number out of range has its own single message.
    too_many = text(client.post(f"/reports/{report.id}/step/1", data={**{k: v for k, v in complete_answers().items()
                                                                          if k in q.names(1)},
                                                                       "users_count": "1000000", "nav": "next"}))
    errors = re.search(r'<ul class="field-errors" id="users_count-errors">(.*?)</ul>', too_many, re.S)[1]
    assert len(re.findall(r"<li>", errors)) == 1 and "compris entre 0 et" in errors


def test_the_solution_select_says_what_to_choose(client, contributor):
    make_solution()
    db.session.commit()
    page = text(client.get("/reports/new"))
    assert re.search(r'<option selected value="0">Choisir une solution</option>', page)
    response = client.post("/reports/new", data={"solution_id": "0", "creation_key": "k-placeholder"})
    assert response.status_code == 200
    assert "Choisissez une solution du catalogue." in text(response)


def test_the_admin_category_select_says_what_to_choose(client, auth):
    admin = make_user("admin")
    make_category()
    db.session.commit()
    auth.login(admin.email)
    page = text(client.get("/admin/solutions/new"))
    assert re.search(r'<option[^>]*value="0">Choisir une catégorie</option>', page)
    response = client.post("/admin/solutions/new", data={
        "name": "Solution sans catégorie", "vendor": "Éditeur", "category_id": "0", "short_description": "Courte.",
        "device_class": "none", "ai_act_risk": "minimal"})
    assert response.status_code == 200
    assert "Catégorie : Ce champ est obligatoire." in text(response)
    assert "Solution sans catégorie" in text(response)  # what was typed is kept
