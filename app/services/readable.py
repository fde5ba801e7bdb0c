"""What anyone outside the establishment and moderation may read of a revision's answers: every span still
flagged as possible personal data is replaced by its placeholder."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.models import ReportRevision
from app.services.privacy import PLACEHOLDERS


def readable_answers(revision: ReportRevision) -> dict:
    """The answers as anyone outside the establishment and moderation may read them: every span still
    flagged (open, or waiting for a rewrite) is replaced by its placeholder. Raw flagged text never leaves."""
    return placeholder_answers(revision.answers, revision.flags)


def placeholder_answers(answers: dict | None, flags: Iterable[Any]) -> dict:
    """readable_answers from the answers and the flags (anything with field, type, start, end and status)."""
    answers = dict(answers or {})
    pending = sorted((f for f in flags if f.status in ("open", "rewrite")), key=lambda f: (f.field, -f.start))
    for flag in pending:
        text = str(answers.get(flag.field) or "")
        answers[flag.field] = text[:flag.start] + PLACEHOLDERS.get(flag.type, "[MASQUÉ]") + text[flag.end:]
    return answers
