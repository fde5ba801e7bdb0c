"""Turn stored answers into what a reader sees: labelled rows, highlighted spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField

from app import questionnaire as q
from app.services import report_answers


@dataclass
class Span:
    start: int
    end: int
    label: str
    status: str = "open"


@dataclass
class AnswerRow:
    name: str
    label: str
    value: str
    free_text: bool
    spans: list[Span]


def segments(text: str, spans: list[Span]) -> list[tuple[str, Span | None]]:
    """The text cut into plain and flagged pieces, for highlighting (overlaps resolved left to right)."""
    pieces: list[tuple[str, Span | None]] = []
    position = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        start, end = max(span.start, position), min(span.end, len(text))
        if start >= end:
            continue
        if start > position:
            pieces.append((text[position:start], None))
        pieces.append((text[start:end], span))
        position = end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def _display(field, value: Any) -> str:
    if isinstance(field, SelectMultipleField):
        labels = dict((c.value, c.label) for c in field.choices)
        return ", ".join(str(labels.get(v, v)) for v in (value or [])) or "—"
    if isinstance(field, (RadioField, SelectField)):
        labels = dict((str(c.value), c.label) for c in field.choices)
        return str(labels.get(str(value), value)) if value not in (None, "") else "—"
    if isinstance(field, BooleanField):
        return _("Oui") if value else _("Non")
    return str(value) if value not in (None, "") else "—"


def answer_rows(step: int, answers: dict[str, Any], spans_by_field: dict[str, list[Span]] | None = None
                ) -> list[AnswerRow]:
    form = report_answers.step_form(step, answers)
    hidden = form.hidden_questions()
    rows = []
    for field in form.answer_fields():
        if field.name in hidden:
            continue
        value = answers.get(field.name)
        rows.append(AnswerRow(name=field.name, label=str(field.label.text), value=_display(field, value),
                              free_text=field.name in q.FREE_TEXT_FIELDS,
                              spans=(spans_by_field or {}).get(field.name, [])))
    return rows


def findings_as_spans(findings: list[tuple[str, Any]]) -> dict[str, list[Span]]:
    from app.services.privacy import TYPE_LABELS

    spans: dict[str, list[Span]] = {}
    for name, finding in findings:
        spans.setdefault(name, []).append(Span(finding.start, finding.end, str(TYPE_LABELS.get(finding.type,
                                                                                               finding.type))))
    return spans


def flags_as_spans(flags) -> dict[str, list[Span]]:
    from app.services.privacy import TYPE_LABELS

    spans: dict[str, list[Span]] = {}
    for flag in flags:
        if flag.status in ("open", "rewrite"):
            spans.setdefault(flag.field, []).append(Span(flag.start, flag.end,
                                                         str(TYPE_LABELS.get(flag.type, flag.type)), flag.status))
    return spans
