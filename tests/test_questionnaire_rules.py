"""The questionnaire's rules (app/questionnaire) as the step forms show them: hidden questions, cross-field rules,
and what the rendered fields tell the browser."""

from __future__ import annotations

import re

from app import questionnaire as q
from app.reports.forms import step_form
from tests.factories import complete_answers


def test_a_hidden_question_left_with_an_invalid_answer_blocks_nothing():
    # Answered before the stage changed: not shown, not kept, so not an error the contributor cannot see.
    exploring = complete_answers(stage="exploring", months_to_golive="abc")
    assert "months_to_golive" not in q.step_errors(2, exploring)
    running = complete_answers(stage="production", stop_reasons=["zzz"], stop_reasons_text="")
    assert "stop_reasons" not in q.step_errors(6, running)
    assert q.check_completeness(exploring).complete and q.check_completeness(running).complete
    # Shown again, the same answers are errors.
    assert q.step_errors(2, {**exploring, "stage": "pilot"})["months_to_golive"] == [
        "Saisissez un nombre entier, par exemple 12."]


def test_a_prerequisite_both_met_and_missing_is_named_and_an_unknown_code_has_its_own_error():
    both = complete_answers(prerequisites_met=["budget", "network"], prerequisites_missing=["budget"])
    assert q.step_errors(2, both)["prerequisites_missing"] == [
        "Un prérequis ne peut pas être à la fois réuni et manquant : Budget."]
    unknown = complete_answers(prerequisites_met=["zzz"], prerequisites_missing=["zzz"])
    assert q.step_errors(2, unknown)["prerequisites_missing"] == [
        "«\u00a0zzz\u00a0» n'est pas un choix valide pour ce champ."]


def test_the_rendered_fields_carry_the_questions_limits(app):
    with app.test_request_context():
        step1 = step_form(1, {})
        assert re.search(r'maxlength="500"', str(step1.services()))
        assert re.search(r'maxlength="200"', str(step1.volume()))
        users = str(step1.users_count())
        # A text input with the numeric keyboard: a number input would show a word typed in it as an empty box.
        assert 'type="text"' in users and 'inputmode="numeric"' in users and "required" in users
        assert 'maxlength="3000"' in str(step_form(6, {}).advice())
