"""The two validated instruments of the questionnaire: F-SUS and the Net Promoter Score."""

from __future__ import annotations

from collections.abc import Sequence


def sus_score(answers: Sequence[int]) -> float:
    """System Usability Scale (F-SUS) from ten answers 1–5: odd items answer − 1, even items 5 − answer, × 2.5."""
    if len(answers) != 10 or any(not 1 <= a <= 5 for a in answers):
        raise ValueError("SUS needs ten answers between 1 and 5")
    total = sum((a - 1) if position % 2 == 0 else (5 - a) for position, a in enumerate(answers))
    return total * 2.5


def nps(ratings: Sequence[int]) -> float:
    """Net Promoter Score of ratings 0–10: % promoters (9–10) − % detractors (0–6), from −100 to +100."""
    if not ratings or any(not 0 <= r <= 10 for r in ratings):
        raise ValueError("NPS needs ratings between 0 and 10")
    promoters = sum(1 for r in ratings if r >= 9)
    detractors = sum(1 for r in ratings if r <= 6)
    return 100.0 * (promoters - detractors) / len(ratings)
