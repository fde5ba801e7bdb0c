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


def _sharing(shared: int, *, stops: int = 1, sizes: tuple[int, int] = (6, 6)) -> tuple:
    """Two categories, `shared` establishments in both; the first solution, and the second's others."""
    first, second = make_solution(make_category()), make_solution(make_category())
    both = [make_establishment() for _ in range(shared)]
    first_only = [make_establishment() for _ in range(sizes[0] - shared)]
    second_only = [make_establishment() for _ in range(sizes[1] - shared)]
    _reports(first, ["production"] * (sizes[0] - stops) + ["stopped"] * stops, [*first_only, *both])
    _reports(second, ["production"] * sizes[1], [*both, *second_only])
    releases.update_now()
    assert [_row(s.category)["establishments"]["value"] for s in (first, second)] == list(sizes)
    return first, second, second_only


def two_way(first, second) -> dict[str, int] | None:
    """What a visitor solves for with two categories: how many establishments are in the first only, in the
    second only and in both, and how many of them stopped (None: the platform hides its figures)."""
    observatory = releases.visitor_observatory()
    a, b = _row(first.category), _row(second.category)
    union = _count(observatory["establishments"])
    if union is None:
        return None
    both = _count(a["establishments"]) + _count(b["establishments"]) - union
    out = {"first only": _count(a["establishments"]) - both, "second only": _count(b["establishments"]) - both,
           "both": both}
    stopped = _count(observatory["stop_rate"])
    if stopped is not None and None not in (_count(a["stop_rate"]), _count(b["stop_rate"])):
        stopped_both = _count(a["stop_rate"]) + _count(b["stop_rate"]) - stopped
        out |= {"stopped in both": stopped_both, "stopped in the first only": _count(a["stop_rate"]) - stopped_both,
                "stopped in the second only": _count(b["stop_rate"]) - stopped_both}
    return out


def test_the_platform_counts_an_establishment_in_two_categories_once(app):
    _sharing(3)
    assert releases.visitor_observatory()["establishments"]["value"] == 9


def test_a_few_establishments_in_two_categories_are_not_read_by_difference(app):
    first, second, _ = _sharing(1)
    # 6 and 6 against 11 would say one establishment is in both: the platform's figures are hidden.
    assert two_way(first, second) is None
    observatory = releases.visitor_observatory()
    assert observatory["establishments"]["suppressed"] and observatory["stop_rate"]["suppressed"]


def test_a_few_in_one_category_only_are_not_read_beside_many_in_both(app):
    """With two categories, the counts less the platform's give those in both, and so those in each one only:
    5 and 6 against 8 would say 3 are in both, hence 2 in the first only."""
    first, second, _ = _sharing(3, sizes=(5, 6))
    assert two_way(first, second) is None


def test_one_establishments_stop_is_not_read_from_the_stop_rates(app):
    """The reviewer's case: the first category is the second's six and one more, who did not stop; three of the six
    stopped in both. 7 + 9 - 10 = 6 in both, so the seventh is the first's only one, and 3 + 3 - 3 stopped in
    both, so it did not stop."""
    first, second = make_solution(make_category()), make_solution(make_category())
    six = [make_establishment() for _ in range(6)]
    _reports(first, ["stopped"] * 3 + ["production"] * 4, [*six, make_establishment()])
    _reports(second, ["stopped"] * 3 + ["production"] * 6, [*six, *(make_establishment() for _ in range(3))])
    releases.update_now()
    assert not _row(first.category)["stop_rate"]["suppressed"] and not _row(second.category)["stop_rate"]["suppressed"]
    found = two_way(first, second)
    assert found is None or not any(0 < count < 3 for count in found.values()), found


def test_the_stop_rate_does_not_tell_who_is_in_a_category_whose_stop_rate_is_hidden(app):
    first, second, third = make_category(), make_category(), make_category()
    a = [make_establishment() for _ in range(9)]
    _reports(make_solution(first), ["stopped"] * 3 + ["production"] * 6, a)
    _reports(make_solution(second), ["production"] * 6, [*a[:3], *(make_establishment() for _ in range(3))])
    # The third's stop rate is hidden (one stop); three of its establishments are in the first, two of them stopped.
    _reports(make_solution(third), ["stopped"] + ["production"] * 5, [*(make_establishment() for _ in range(3)), *a[3:6]])
    releases.update_now()
    assert _row(third)["stop_rate"]["suppressed"] and not _row(first)["stop_rate"]["suppressed"]
    observatory = releases.visitor_observatory()
    assert observatory["establishments"]["value"] == 15  # 21 memberships; every combination holds 3: shown
    assert not observatory["stop_rate"]["suppressed"]  # every combination of memberships and stops holds 3 too
    # The establishments less the stop rate's base are the third's that are in neither of the others: 3, not fewer.
    assert observatory["establishments"]["value"] - observatory["stop_rate"]["n"] == 3


def test_an_overlap_that_changed_by_one_is_not_read_between_two_releases(app):
    first, _, second_only = _sharing(3, stops=0, sizes=(6, 7))
    assert releases.visitor_observatory()["establishments"]["value"] == 10
    # Three join the first category: two new ones, and one already in the second.
    _reports(first, ["production"] * 3, [make_establishment(), make_establishment(), second_only[0]])
    assert releases.category_scope(first.category_id) in releases.update_now()
    assert _row(first.category)["establishments"]["value"] == 9
    # Every combination still holds 3 or more (5 in the first only, 3 in the second only, 4 in both), but the
    # platform gaining 2 against the category's 3 would say that one who joined reports in the second.
    assert releases.visitor_observatory()["establishments"]["suppressed"]


def test_a_category_hidden_for_one_release_does_not_reset_what_two_moments_tell(app):
    """Compared only with the release before, a category hidden in between would hide the change: the first and the
    third moments, both with the two categories, say that one who joined the first is in the second."""
    import sqlalchemy as sa

    from app.models import StatReleaseView
    from app.services.disclosure.figures import TOTAL

    first, second, second_only = _sharing(3, stops=0, sizes=(6, 7))
    assert releases.visitor_observatory()["establishments"]["value"] == 10  # 3 in the first only, 3 in both, 4
    scope = releases.category_scope(second.category_id)
    view = db.session.scalars(sa.select(StatReleaseView).where(
        StatReleaseView.release_id == releases.latest(scope).id, StatReleaseView.view == TOTAL)).one()
    view.card = {**view.card, "suppressed": True}  # the second hidden for a while (by its audit, say)
    db.session.flush()
    _reports(first, ["production"] * 3, [make_establishment(), make_establishment(), second_only[0]])
    releases.update_now()
    assert releases.visitor_observatory()["establishments"]["value"] == 9  # the first alone
    releases.build(scope)  # the second shown again
    releases.build(releases.ALL)
    assert not _row(second.category)["establishments"]["suppressed"]
    # 9 and 7 against 12: 4 in both, one more than at the first moment.
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


def test_a_category_released_before_it_kept_who_stopped_hides_the_stop_rate_until_released_again(app):
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
    # Over the first category alone, it would not be the rate of the categories shown that the page says it is.
    assert observatory["stop_rate"]["suppressed"]
    # Nothing changed in it since: released again at the next update, on the same voices.
    assert releases.category_scope(older.id) in releases.update_now()
    observatory = releases.visitor_observatory()
    assert (observatory["stop_rate"]["value"], observatory["stop_rate"]["n"]) == (0.3, 10)
