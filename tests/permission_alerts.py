"""The alerts' rows of the route x role table (tests/test_permissions.py), which passes its `Case` and its
`login_redirect` in: the world holds `own_alert` (the contributor's) and `other_alert` (another establishment's)."""

from __future__ import annotations

WRITERS = ("contributor", "referent")
REVIEWERS = ("ethics_reviewer",)
COUNTERS = ("analyst", "admin", *REVIEWERS)
NEW_ALERT = {"category": "bias", "summary": "Objet", "description": "Faits.", "vendor_may_know": "no"}


def alert_cases(case, login_redirect) -> list:
    reviewers_post = login_redirect("", 302, allowed=REVIEWERS)
    view = {"own_alert": ("contributor", *REVIEWERS), "other_alert": REVIEWERS}
    answer = {"own_alert": ("contributor",), "other_alert": ()}
    return [
        case("alerts.new", "GET", lambda w: f"/alerts/new?solution={w.solution.slug}",
             login_redirect("", 200, allowed=WRITERS)),
        case("alerts.new", "POST", lambda w: "/alerts/new", login_redirect("", 302, allowed=WRITERS),
             lambda w: {"solution_id": str(w.solution.id), **NEW_ALERT}),
        case("alerts.mine", "GET", lambda w: "/alerts/", login_redirect("", 200, allowed=WRITERS)),
        case("alerts.queue", "GET", lambda w: "/alerts/review", login_redirect("", 200, allowed=REVIEWERS)),
        *(case("alerts.view", "GET", lambda w, a=a: f"/alerts/{getattr(w, a).id}",
               login_redirect("", 200, denied=404, allowed=who), label=a) for a, who in view.items()),
        # No question was asked: the author's answer is refused with a message (sent back, nothing done).
        *(case("alerts.answer", "POST", lambda w, a=a: f"/alerts/{getattr(w, a).id}/answer",
               {**login_redirect("", 302, denied=404, allowed=who), "ethics_reviewer": 403},
               lambda w: {"answer-body": "Réponse."}, label=a) for a, who in answer.items()),
        case("alerts.acknowledge", "POST", lambda w: f"/alerts/{w.other_alert.id}/acknowledge", reviewers_post),
        case("alerts.question", "POST", lambda w: f"/alerts/{w.other_alert.id}/question", reviewers_post,
             lambda w: {"question-body": "Question ?"}),
        case("alerts.outcome", "POST", lambda w: f"/alerts/{w.other_alert.id}/outcome", reviewers_post,
             lambda w: {"outcome-outcome": "closed", "outcome-note": "Vu."}),
        case("alerts.counts_csv", "GET", lambda w: "/alerts/counts.csv", login_redirect("", 200, allowed=COUNTERS)),
    ]
