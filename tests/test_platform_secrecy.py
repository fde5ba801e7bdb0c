"""The observatory's platform figures read beside its categories', attacked: a visitor takes the categories shown
from the platform's establishments and stop rate, at one moment and between two.

Where no establishment reports in two categories, the platform's count is the sum of its categories' counts: a
platform counted over every establishment, less the categories shown, would give what a hidden category holds.
Where some report in two, the categories' counts less the platform's give how many are in both.
"""

from __future__ import annotations

from app.extensions import db
from app.services import releases
from tests.factories import complete_answers, make_category, make_establishment, make_report, make_solution, make_user


def _reports(solution, stages: list[str], establishments: list | None = None) -> list:
    moderator = make_user("moderator")
    made = []
    for i, stage in enumerate(stages):
        answers = {"stage": "stopped", "stop_reasons": ["cost"]} if stage == "stopped" else {"stage": stage}
        establishment = establishments[i] if establishments else make_establishment()
        made.append(make_report(make_user("contributor", establishment), solution, "published",
                                complete_answers(**answers), moderator))
    db.session.flush()
    return made


def _count(cell: dict) -> int | None:
    """A count a visitor reads from a cell: the value itself, or a share times the establishments it is of."""
    if cell["suppressed"]:
        return None
    return cell["value"] if isinstance(cell["value"], int) else round(cell["value"] * cell["n"])


def residues(data: dict) -> dict[str, int]:
    """What the platform's figures leave once the categories shown are taken away (the hidden categories' share,
    where no establishment is in two categories; else less the establishments counted twice)."""
    out = {}
    for name in ("establishments", "stop_rate"):
        platform = _count(data[name])
        shown = [_count(row[name]) for row in data["categories"].values()]
        if platform is not None:
            out[name] = platform - sum(value for value in shown if value is not None)
    return out


def _row(category) -> dict:
    return releases.visitor_observatory()["categories"][str(category.id)]


def test_the_platform_less_its_shown_categories_does_not_give_a_hidden_one(app):
    shown, other, small, unreleased = make_category(), make_category(), make_category(), make_category()
    _reports(make_solution(shown), ["production"] * 3 + ["stopped"] * 3)
    _reports(make_solution(other), ["production"] * 5 + ["stopped"])  # one stop: its stop rate is hidden
    _reports(make_solution(small), ["production", "stopped"])  # two establishments: hidden
    _reports(make_solution(unreleased), ["stopped"])
    releases.update_now()
    releases.build(releases.category_scope(small.id))  # a release of its own, hidden whole
    releases.build(releases.ALL)

    # The premise: two categories shown, one hidden by its release, one never released; the second's stop rate
    # hidden.
    assert _row(shown)["establishments"]["value"] == 6 and _row(other)["establishments"]["value"] == 6
    assert releases.latest(releases.category_scope(small.id)) is not None
    assert _row(small)["establishments"]["suppressed"] and _row(unreleased)["establishments"]["suppressed"]
    assert _row(other)["stop_rate"]["suppressed"]
    observatory = releases.visitor_observatory()
    assert not observatory["establishments"]["suppressed"] and not observatory["stop_rate"]["suppressed"]
    # Counted over everyone, the platform's 15 less 6 and 6 would be the hidden categories' 3, and its 6 stops less
    # the first's 3 the other three categories' 3: one each.
    assert residues(observatory) == {"establishments": 0, "stop_rate": 0}


def _sharing(shared: int, *, stops: int = 1) -> tuple:
    """Two categories of 5 establishments, `shared` of them in both; the first solution, and the second's others."""
    first, second = make_solution(make_category()), make_solution(make_category())
    both = [make_establishment() for _ in range(shared)]
    first_only = [make_establishment() for _ in range(5 - shared)]
    second_only = [make_establishment() for _ in range(5 - shared)]
    _reports(first, ["production"] * (5 - stops) + ["stopped"] * stops, [*first_only, *both])
    _reports(second, ["production"] * 5, [*both, *second_only])
    releases.update_now()
    assert _row(first.category)["establishments"]["value"] == _row(second.category)["establishments"]["value"] == 5
    return first, second_only


def test_the_platform_counts_an_establishment_in_two_categories_once(app):
    _sharing(3)
    assert releases.visitor_observatory()["establishments"]["value"] == 7


def test_a_few_establishments_in_two_categories_are_not_read_by_difference(app):
    _sharing(1)
    # 5 and 5 against 9 would say one establishment is in both: the platform's figures are hidden.
    observatory = releases.visitor_observatory()
    assert observatory["establishments"]["suppressed"] and observatory["stop_rate"]["suppressed"]


def test_the_stop_rate_does_not_tell_who_is_in_a_category_whose_stop_rate_is_hidden(app):
    first, second, third = make_category(), make_category(), make_category()
    a = [make_establishment() for _ in range(6)]
    _reports(make_solution(first), ["stopped"] * 3 + ["production"] * 3, a)
    _reports(make_solution(second), ["production"] * 6, [*a[:3], *(make_establishment() for _ in range(3))])
    # The third's stop rate is hidden (one stop); one of its establishments is in the first.
    _reports(make_solution(third), ["stopped"] + ["production"] * 5, [*(make_establishment() for _ in range(5)), a[3]])
    releases.update_now()
    assert _row(third)["stop_rate"]["suppressed"] and not _row(first)["stop_rate"]["suppressed"]
    observatory = releases.visitor_observatory()
    assert observatory["establishments"]["value"] == 14  # 18 memberships, 4 of them twice: shown
    # The stop rate's 9 establishments (the first's and the second's), against 14 and the third's 6, would say one
    # of the third's is in the others.
    assert observatory["stop_rate"]["suppressed"]


def test_an_overlap_that_changed_by_one_is_not_read_between_two_releases(app):
    first, second_only = _sharing(3, stops=0)
    assert releases.visitor_observatory()["establishments"]["value"] == 7
    # Three join the first category: two new ones, and one already in the second.
    _reports(first, ["production"] * 3, [make_establishment(), make_establishment(), second_only[0]])
    assert releases.category_scope(first.category_id) in releases.update_now()
    assert _row(first.category)["establishments"]["value"] == 8
    # The platform gaining 2 against the category's 3 would say that one who joined reports in the second.
    assert releases.visitor_observatory()["establishments"]["suppressed"]


def test_the_platform_moves_only_with_its_categories(app):
    shown, small = make_category(), make_category()
    shown_solution, small_solution = make_solution(shown), make_solution(small)
    _reports(shown_solution, ["production"] * 5)
    _reports(small_solution, ["production"])
    releases.update_now()
    before = releases.visitor_observatory()

    # Three establishments join the shown category (it is released again), one joins the hidden one.
    _reports(shown_solution, ["production"] * 3)
    _reports(small_solution, ["production"])
    made = releases.update_now()
    assert releases.category_scope(shown.id) in made and releases.category_scope(small.id) not in made
    after = releases.visitor_observatory()
    assert after["release"]["number"] == before["release"]["number"] + 1
    gained = _row(shown)["establishments"]["value"] - before["categories"][str(shown.id)]["establishments"]["value"]
    # Counted over everyone, the platform would have gained 4 against the category's 3: the one who joined the other.
    assert after["establishments"]["value"] - before["establishments"]["value"] == gained == 3


def test_a_category_released_before_it_kept_who_stopped_is_left_out_of_the_stop_rate(app):
    kept, older = make_category(), make_category()
    _reports(make_solution(kept), ["production"] * 3 + ["stopped"] * 3)
    _reports(make_solution(older), ["production"] * 4)
    releases.update_now()
    old = releases.latest(releases.category_scope(older.id))
    old.state = {key: value for key, value in old.state.items() if key != "stopped"}
    db.session.flush()
    releases.build(releases.ALL)
    observatory = releases.visitor_observatory()
    assert observatory["establishments"]["value"] == 10
    assert (observatory["stop_rate"]["value"], observatory["stop_rate"]["n"]) == (0.5, 6)
