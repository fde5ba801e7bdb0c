"""The questionnaire's answers of a revision: its scores and the free texts to scan. Questions, validation and
completeness are the questionnaire's own (`app.questionnaire`)."""

from __future__ import annotations

from typing import Any

from app import questionnaire as q
from app.models import ReportRevision
from app.services.scores import sus_score


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


def revision_texts(revision: ReportRevision) -> dict[str, str]:
    return q.applicable_free_texts(revision.answers or {})
