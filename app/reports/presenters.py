"""Turn stored answers into what a reader sees: labelled rows, highlighted spans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import questionnaire as q


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


def answer_rows(step: int, answers: dict[str, Any], spans_by_field: dict[str, list[Span]] | None = None
                ) -> list[AnswerRow]:
    hidden = q.hidden_questions(answers)
    return [AnswerRow(name=question.name, label=str(question.label),
                      value=q.display(question, answers.get(question.name)) or "—", free_text=question.free_text,
                      spans=(spans_by_field or {}).get(question.name, []))
            for question in q.step_questions(step) if question.name not in hidden]


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
