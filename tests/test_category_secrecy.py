"""A category read beside its solutions, attacked: a visitor takes the solutions' figures from the category's.

Where no establishment reports on two of a category's solutions, a category's count is the sum of its solutions'
counts. A reader who sees the category and every solution but one then reads the last one's hidden cell by
subtraction; and a category released while a solution's release is behind shows the changes that solution hides.
"""

from __future__ import annotations

from app.extensions import db
from app.services import releases
from app.services import reports as report_service
from tests.factories import complete_answers, make_category, make_establishment, make_report, make_solution, make_user

LISTS = ("stages", "stop_reasons", "prerequisites_met", "prerequisites_missing", "difficulties")


def _reports(solution, stages: list[str], **establishment) -> list:
    moderator = make_user("moderator")
    made = []
    for stage in stages:
        answers = {"stage": "stopped", "stop_reasons": ["cost"]} if stage == "stopped" else {"stage": stage}
        author = make_user("contributor", make_establishment(**establishment))
        made.append(make_report(author, solution, "published", complete_answers(**answers), moderator))
    db.session.flush()  # no commit: releases are made by hand, when the attack needs them
    return made


def _rows(card: dict) -> dict[tuple[str, str], float | None]:
    """Every count a visitor reads in a card's lists (None: hidden)."""
    out = {("establishments", ""): None if card["establishments"]["suppressed"] else card["establishments"]["value"]}
    for name in LISTS:
        for row in card[name]:
            code = row.get("stage") or row["code"]
            value = row.get("count", row.get("value"))
            out[(name, code)] = None if card["suppressed"] or row["suppressed"] else value
    return out


def subtraction(category_id: int, solution_ids: list[int]) -> list[tuple]:
    """The hidden solution counts a visitor works out as the category's count less the other solutions'."""
    category = releases.visitor_scorecard(releases.category_scope(category_id))
    if category["suppressed"]:
        return []
    parts = [_rows(releases.visitor_scorecard(releases.solution_scope(s))) for s in solution_ids]
    found = []
    for key, value in _rows(category).items():
        if value is None:
            continue
        hidden = [i for i, rows in enumerate(parts) if rows[key] is None]
        if len(hidden) == 1:
            found.append((key, solution_ids[hidden[0]], value - sum(rows[key] for rows in parts if rows[key] is not None)))
    return found


def test_the_category_less_its_visible_solutions_does_not_give_a_hidden_cell(app):
    category = make_category()
    small_stop, large_stop = make_solution(category), make_solution(category)
    _reports(small_stop, ["production"] * 4 + ["stopped"])
    _reports(large_stop, ["production"] * 3 + ["stopped"] * 3)
    releases.update({small_stop.id, large_stop.id})

    # The premise: one solution hides its single stop, the other shows its three, the category is published.
    small = releases.visitor_scorecard(releases.solution_scope(small_stop.id))
    assert not small["suppressed"]
    assert [row["suppressed"] for row in small["stages"] if row["stage"] == "stopped"] == [True]
    assert not releases.visitor_scorecard(releases.category_scope(category.id))["suppressed"]
    # The category's 4 stopped less the other's 3 would be the lone stop.
    assert subtraction(category.id, [small_stop.id, large_stop.id]) == []


def test_a_category_waits_for_a_solution_whose_release_is_behind(app):
    category = make_category()
    behind, busy = make_solution(category), make_solution(category)
    leaving = _reports(behind, ["production"] * 7)
    _reports(busy, ["production"] * 5)
    releases.update({behind.id, busy.id})
    scope = releases.category_scope(category.id)
    first = releases.latest(scope)
    assert not releases.read(scope, "-")["suppressed"]

    # One establishment leaves the first solution: too few for its release, which still counts it.
    report_service.withdraw(leaving[0], leaving[0].author)
    # Three join the other: its release and the category are due.
    _reports(busy, ["stopped"] * 3)
    made = releases.update({behind.id, busy.id})
    assert releases.solution_scope(busy.id) in made and releases.solution_scope(behind.id) not in made
    # Released now, the category would show 14 establishments against the solutions' 7 + 8: the one who left.
    assert scope not in made and releases.latest(scope).number == first.number

    # Two more leave: the first solution's release catches up, and the category is released with it.
    for report in leaving[1:3]:
        report_service.withdraw(report, report.author)
    made = releases.update({behind.id, busy.id})
    assert releases.solution_scope(behind.id) in made and scope in made
    shown = [releases.read(releases.solution_scope(s), "-")["establishments"]["value"] for s in (behind.id, busy.id)]
    assert releases.read(scope, "-")["establishments"]["value"] == sum(shown) == 12


def test_solutions_spread_over_segments_leave_nothing_to_subtract(app):
    """Several solutions, segments and stops mixed: whatever is published, no single hidden count comes out."""
    category = make_category()
    solutions = [make_solution(category) for _ in range(3)]
    _reports(solutions[0], ["production"] * 5 + ["stopped"], type="chu", region="84")
    _reports(solutions[1], ["production"] * 2 + ["stopped"] * 2 + ["pilot"], type="ch", region="11")
    _reports(solutions[2], ["pilot"] * 3 + ["stopped"] * 4, type="ehpad", region="84")
    releases.update({s.id for s in solutions})
    category_card = releases.visitor_scorecard(releases.category_scope(category.id))
    assert not category_card["suppressed"]  # published, with what hides the solutions' small counts
    assert subtraction(category.id, [s.id for s in solutions]) == []


def _started(solution, months: list[str]) -> None:
    moderator = make_user("moderator")
    for month in months:
        author = make_user("contributor", make_establishment())
        make_report(author, solution, "published", complete_answers(start_date=month), moderator)
    db.session.flush()


def _points(card: dict) -> dict[str, int]:
    return {p["quarter"]: p["value"] for p in card["adoption"] if p["value"] is not None}


def test_the_category_adoption_less_a_solution_does_not_give_a_quarter_the_other_hides(app):
    category = make_category()
    spread, at_once = make_solution(category), make_solution(category)
    _started(spread, ["2023-01"] * 3 + ["2023-04"] + ["2023-07"] * 3)  # 3, then 1, then 3
    _started(at_once, ["2023-04"] * 6)
    releases.update({spread.id, at_once.id})
    first = _points(releases.visitor_scorecard(releases.solution_scope(spread.id)))
    second = _points(releases.visitor_scorecard(releases.solution_scope(at_once.id)))
    # The premise: the first solution hides its second quarter (one establishment), the other shows it.
    assert first == {"2023Q1": 3, "2023Q3": 7} and second == {"2023Q2": 6}
    shown = _points(releases.visitor_scorecard(releases.category_scope(category.id)))
    assert shown, "the category still publishes its series"
    # The category's 10 in the second quarter, less the other's 6, would be the first's 4: one joined that quarter.
    assert "2023Q2" not in shown
    for quarter, value in shown.items():
        if quarter in second and quarter not in first:
            gained = value - second[quarter] - max((v for q, v in first.items() if q < quarter), default=0)
            assert gained == 0 or gained >= 3, (quarter, gained)


def test_an_establishment_in_two_solutions_does_not_let_the_category_pin_a_hidden_count(app):
    """Counted in two solutions, an establishment is counted once in the category: the category is then no less
    than any solution's count of a code, and no more than their sum, which can pin a hidden count all the same."""
    category = make_category()
    first, second = make_solution(category), make_solution(category)
    moderator = make_user("moderator")
    authors = [make_user("contributor", make_establishment()) for _ in range(8)]
    for i, author in enumerate(authors[:5]):  # four of the first solution's five cite the difficulty
        make_report(author, first, "published", complete_answers(difficulties=["vendor"] if i < 4 else []), moderator)
    for author in authors[4:]:  # the fifth is also one of the second solution's four, none of whom cites it
        make_report(author, second, "published", complete_answers(difficulties=[]), moderator)
    db.session.flush()
    releases.update({first.id, second.id})

    def vendor(card: dict) -> int | None:
        row = next(r for r in card["difficulties"] if r["code"] == "vendor")
        return None if card["suppressed"] or row["suppressed"] else row.get("count", row.get("value"))

    hidden = vendor(releases.visitor_scorecard(releases.solution_scope(first.id)))
    shown = vendor(releases.visitor_scorecard(releases.solution_scope(second.id)))
    assert hidden is None and shown == 0  # the premise: 4 of 5 is hidden (its complement is 1)
    total = vendor(releases.visitor_scorecard(releases.category_scope(category.id)))
    # Shown, the category's 4 would be both the least (no less than the first's) and the most (the first's plus 0).
    assert total is None


def test_the_category_hides_its_count_of_reports_while_a_solution_is_not_shown(app):
    category = make_category()
    shown, small, other_small = make_solution(category), make_solution(category), make_solution(category)
    _reports(shown, ["production"] * 6)
    _reports(small, ["production"] * 2)
    _reports(other_small, ["production"] * 2)
    releases.update({shown.id, small.id, other_small.id})
    assert releases.visitor_scorecard(releases.solution_scope(small.id))["suppressed"]
    card = releases.visitor_scorecard(releases.category_scope(category.id))
    assert not card["suppressed"] and card["establishments"]["value"] == 10
    # Less the shown solution's 6, the category's count would be the reports of the two not shown.
    assert card["reports"]["suppressed"] and card["reports"]["value"] is None
    _reports(small, ["production"] * 3)
    _reports(other_small, ["production"] * 3)
    releases.update({shown.id, small.id, other_small.id})
    card = releases.visitor_scorecard(releases.category_scope(category.id))
    assert not card["suppressed"] and card["reports"]["value"] == 16  # every solution shown: nothing to hide


def test_the_category_mean_does_not_give_the_sum_of_answers_a_solution_hides(app):
    """Efforts run from 1 to 5: a sum of 1 says that exactly one establishment answered, with a 1."""
    category = make_category()
    answered, rarely = make_solution(category), make_solution(category)
    moderator = make_user("moderator")
    for _ in range(6):
        make_report(make_user("contributor", make_establishment()), answered, "published",
                    complete_answers(integration_effort="4"), moderator)
    for effort in ("1", None, None):  # without an integrated system, the effort is not asked
        answers = complete_answers(integration_effort="1") if effort else complete_answers(
            integrated_systems=[], integration_effort="")
        make_report(make_user("contributor", make_establishment()), rarely, "published", answers, moderator)
    db.session.flush()
    releases.update({answered.id, rarely.id})

    def effort(scope: str) -> dict:
        return releases.visitor_scorecard(scope)["integration_effort"]

    assert not effort(releases.solution_scope(answered.id))["suppressed"]
    assert effort(releases.solution_scope(rarely.id))["suppressed"]  # the premise: one answer is hidden
    category_card = releases.visitor_scorecard(releases.category_scope(category.id))
    assert not category_card["suppressed"]
    # Shown, 7 × the category's mean less 6 × 4 would be 1: one answer, a 1.
    assert category_card["integration_effort"]["suppressed"]
    assert not category_card["ratings"]["usefulness"]["suppressed"]  # what every solution shows stays shown
