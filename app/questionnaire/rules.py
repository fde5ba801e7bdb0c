"""Validation of the questionnaire's answers against its questions (`questions.py`), on the raw answers as they are
stored: the step forms show these errors, and a report is complete when no step has any."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from app.questionnaire import vocabularies as v
from app.questionnaire.questions import (
    BOOLEAN,
    CHOICE_KINDS,
    DECIMAL,
    INTEGER,
    MULTI,
    Answers,
    Question,
    codes_of,
    first_of,
    hidden_questions,
    step_questions,
)

MAX_RAW_SIZE = 64_000  # characters per answer: far above the longest honest answer
NOT_AN_INTEGER = _l("Saisissez un nombre entier, par exemple 12.")
NOT_A_CHOICE = _l("N'est pas un choix valide.")


def _out_of_range(question: Question) -> str:
    # Written as the reader's language writes numbers: "100 000" in French, "100,000" in English.
    return str(_l("Le nombre doit être compris entre %(min)s et %(max)s.", min=format_decimal(question.minimum),
                  max=format_decimal(question.maximum)))


def _choice_errors(question: Question, answers: Answers) -> list[str]:
    codes = codes_of(answers.get(question.name))
    errors = []
    invalid = sorted({code for code in codes if code not in (question.vocabulary or {})})
    if invalid:
        errors.append(str(_l("« %(value)s » n'est pas un choix valide pour ce champ.", value=", ".join(invalid))))
    if question.check and (message := question.check(codes, answers)):
        errors.append(str(message))
    if not errors and not codes and question.needed and question.needed[0](answers):
        errors.append(str(question.needed[1]))
    return errors


def _typed_errors(question: Question, text: str) -> list[str]:
    """The errors of a non-blank answer given its kind."""
    if question.kind == INTEGER:
        try:
            number = int(text)
        except ValueError:
            return [str(NOT_AN_INTEGER)]  # one message: the range says nothing of a word
        return [] if question.minimum <= number <= question.maximum else [_out_of_range(question)]
    if question.kind in CHOICE_KINDS:
        return [] if text in (question.vocabulary or {}) else [str(NOT_A_CHOICE)]
    if question.max_length is not None and len(text) > question.max_length:
        return [str(_l("Le champ ne peut pas contenir plus de %(max)d caractères.", max=question.max_length))]
    return []


def question_errors(question: Question, answers: Answers) -> list[str]:
    """The errors of one question that applies, in the order the reader should fix them."""
    if question.kind == MULTI:
        return _choice_errors(question, answers)
    if question.kind == BOOLEAN:
        return []
    text = first_of(answers.get(question.name))
    if question.required is not None:
        if not text:
            return [str(question.required)]
    elif not (text if question.kind == DECIMAL else text.strip()):  # an optional question left blank
        if question.needed and question.needed[0](answers):
            return [str(question.needed[1])]
        return []
    errors = _typed_errors(question, text)
    if question.check and (message := question.check(text, answers)):
        errors.append(str(message))
    return errors


def step_errors(step: int, answers: Answers) -> dict[str, list[str]]:
    """Every error of a step's answers (`answers` holds the other steps' too: some questions depend on them)."""
    hidden = hidden_questions(answers)
    errors = {}
    for question in step_questions(step):
        if question.name not in hidden and (found := question_errors(question, answers)):
            errors[question.name] = found
    return errors


@dataclass
class Completeness:
    errors: dict[int, dict[str, list[str]]]

    @property
    def complete(self) -> bool:
        return not self.errors

    @property
    def first_incomplete_step(self) -> int | None:
        return min(self.errors) if self.errors else None


def check_completeness(answers: Answers) -> Completeness:
    """Every step's errors, as the step forms would show them."""
    errors = {step: found for step in v.STEPS if (found := step_errors(step, answers))}
    return Completeness(errors)


def raw_answers(step: int, items: Any, cap: int = MAX_RAW_SIZE) -> dict[str, Any]:
    """Exactly what was typed for a step's questions (lists for multiple choices), size-capped. `items` is a
    MultiDict-like mapping (a form post)."""
    raw: dict[str, Any] = {}
    for question in step_questions(step):
        name = question.name
        if question.multiple:
            raw[name] = [str(value)[:100] for value in items.getlist(name)][:50]
        elif name in items:
            raw[name] = str(items.get(name, ""))[:cap]
        else:
            raw[name] = ""
    return raw
