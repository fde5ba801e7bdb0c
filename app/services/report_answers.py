"""The questionnaire's answers: raw storage, validation against the step forms, scores and scanning."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from werkzeug.datastructures import MultiDict

from app import questionnaire as q
from app.models import ReportRevision
from app.services.scores import sus_score

MAX_RAW_SIZE = 64_000  # characters per step: far above the longest honest answer


def step_form(step: int, answers: dict[str, Any], formdata: MultiDict | None = None, **kwargs):
    """The form of a step, filled from `formdata` (a POST) or from the saved raw answers."""
    from app.reports.forms import STEP_FORMS

    form_class = STEP_FORMS[step]
    if formdata is None:
        formdata = to_multidict(answers, field_names(step))
        # A saved draft is shown as typed; the token is the page's own.
        kwargs.setdefault("meta", {"csrf": False})
    return form_class(formdata=formdata, context=answers, **kwargs)


@cache
def field_names(step: int) -> list[str]:
    from app.reports.forms import STEP_FORMS

    form = STEP_FORMS[step](formdata=MultiDict(), meta={"csrf": False})
    return [f.name for f in form.answer_fields()]


@cache
def multi_fields(step: int) -> set[str]:
    from wtforms import SelectMultipleField

    from app.reports.forms import STEP_FORMS

    form = STEP_FORMS[step](formdata=MultiDict(), meta={"csrf": False})
    return {f.name for f in form.answer_fields() if isinstance(f, SelectMultipleField)}


def to_multidict(answers: dict[str, Any], names: list[str]) -> MultiDict:
    items = []
    for name in names:
        value = answers.get(name)
        if isinstance(value, list):
            items.extend((name, v) for v in value)
        elif value not in (None, ""):
            items.append((name, value))
    return MultiDict(items)


def raw_step_answers(step: int, formdata: MultiDict) -> dict[str, Any]:
    """Exactly what was typed for a step's questions (lists for multiple choices), size-capped."""
    multi = multi_fields(step)
    raw: dict[str, Any] = {}
    for name in field_names(step):
        if name in multi:
            raw[name] = [str(v)[:100] for v in formdata.getlist(name)][:50]
        elif name in formdata:
            raw[name] = str(formdata.get(name, ""))[:MAX_RAW_SIZE]
        else:
            raw[name] = ""
    return raw


@dataclass
class Completeness:
    errors: dict[int, dict[str, list[str]]]

    @property
    def complete(self) -> bool:
        return not self.errors

    @property
    def first_incomplete_step(self) -> int | None:
        return min(self.errors) if self.errors else None


def check_completeness(answers: dict[str, Any]) -> Completeness:
    """Validate every step against its form, as the server would on each step."""
    errors: dict[int, dict[str, list[str]]] = {}
    for step in q.STEPS:
        form = step_form(step, answers)
        if not form.validate():
            errors[step] = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    return Completeness(errors)


def scores(answers: dict[str, Any]) -> tuple[float | None, int | None]:
    try:
        sus = sus_score([int(answers.get(f"sus_{n}", "")) for n in range(1, 11)])
    except (TypeError, ValueError):
        sus = None
    try:
        nps_rating = int(answers.get("nps", ""))
    except (TypeError, ValueError):
        nps_rating = None
    return sus, nps_rating if nps_rating is not None and 0 <= nps_rating <= 10 else None


def applicable_free_texts(answers: dict[str, Any]) -> dict[str, str]:
    """Free-text answers that apply (reasons for stopping only when the stage is 'stopped')."""
    texts = {name: str(answers.get(name) or "") for name in q.FREE_TEXT_FIELDS}
    if answers.get("stage") != "stopped":
        texts.pop("stop_reasons_text")
    return {name: text for name, text in texts.items() if text.strip()}


def scan_texts(texts: dict[str, str]) -> list[tuple[str, Any]]:
    from app.services.report_privacy import scan_texts as scan

    return scan(texts)


def revision_texts(revision: ReportRevision) -> dict[str, str]:
    return applicable_free_texts(revision.answers or {})
