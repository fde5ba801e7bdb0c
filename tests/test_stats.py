"""Statistics on hand-built fixtures: establishment weighting, latest-report rule, CIs, secrecy."""

import math

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ReportFact
from app.services import stats
from app.services.secrecy import complementary_suppression, share_is_safe
from tests.factories import complete_answers, make_establishment, make_report, make_solution, make_user

SUS_85 = dict(zip([f"sus_{n}" for n in range(1, 11)], "4 1 5 2 5 1 4 2 3 1".split(), strict=True))
SUS_67_5 = dict(zip([f"sus_{n}" for n in range(1, 11)], "2 1 4 1 4 3 4 2 3 3".split(), strict=True))


def answers(usefulness: int, sus: dict, nps: int, stage: str, hours: str, **extra) -> dict:
    return complete_answers(rating_usefulness=str(usefulness), nps=str(nps), stage=stage, time_saved_hours=hours,
                            time_saved_unit="per_user_week",
                            **({"stop_reasons": ["cost"] if stage == "stopped" else []} | extra), **sus)


@pytest.fixture
def three_establishments(app):
    """A: ten successive reports by one author (only the latest counts); B: one; C: two authors."""
    solution = make_solution()
    moderator = make_user("moderator")
    a, b, c = make_establishment(region="11"), make_establishment(region="84"), make_establishment(region="53")
    a1 = make_user("contributor", a)
    for _ in range(9):
        make_report(a1, solution, "published", answers(1, SUS_67_5, 0, "pilot", "9"), moderator)
    make_report(a1, solution, "published", answers(5, SUS_85, 10, "production", "2"), moderator)
    make_report(make_user("contributor", b), solution, "published", answers(3, SUS_67_5, 5, "stopped", "4"),
                moderator)
    make_report(make_user("contributor", c), solution, "published", answers(4, SUS_85, 9, "production", "1"),
                moderator)
    make_report(make_user("contributor", c), solution, "published", answers(2, SUS_67_5, 7, "pilot", "3"), moderator)
    db.session.commit()
    return solution


def test_one_fact_per_author_voice(three_establishments):
    facts = db.session.scalar(sa.select(sa.func.count()).select_from(ReportFact)
                              .where(ReportFact.solution_id == three_establishments.id))
    assert facts == 4  # A's ten reports count once; C's two authors are two voices


def test_the_establishment_is_the_unit(three_establishments):
    card = stats.compute_scorecard(three_establishments.id)
    assert card["establishments"]["value"] == 3
    usefulness = card["ratings"]["usefulness"]
    # (5 + 3 + mean(4, 2)) / 3: A's nine earlier reports (usefulness 1) do not count.
    assert usefulness["value"] == pytest.approx(11 / 3, abs=0.01)
    assert usefulness["n"] == 3


def test_confidence_interval_of_a_mean(three_establishments):
    usefulness = stats.compute_scorecard(three_establishments.id)["ratings"]["usefulness"]
    values = [5, 3, 3]
    mean = sum(values) / 3
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)
    half = 4.303 * sd / math.sqrt(3)
    assert usefulness["ci"] == [pytest.approx(max(mean - half, 1), abs=0.01), pytest.approx(min(mean + half, 5), abs=0.01)]


def test_sus_and_nps_are_averaged_per_establishment(three_establishments):
    card = stats.compute_scorecard(three_establishments.id)
    assert card["sus"]["value"] == pytest.approx((85 + 67.5 + (85 + 67.5) / 2) / 3, abs=0.01)
    # Promoter +1, detractor −1, passive 0: A +1, B −1, C mean(+1, 0) = 0.5.
    assert card["nps"]["value"] == pytest.approx(100 * (1 - 1 + 0.5) / 3, abs=0.01)


def test_time_saved_median_and_quartiles(three_establishments):
    saved = stats.compute_scorecard(three_establishments.id)["time_saved"]["per_user_week"]
    assert (saved["q1"]["value"], saved["median"]["value"], saved["q3"]["value"]) == (2.0, 2.0, 3.0)


def test_stage_is_the_latest_voice_and_stop_rate_counts_establishments(three_establishments):
    card = stats.compute_scorecard(three_establishments.id)
    stages = {row["stage"]: row["value"] for row in card["stages"]}
    assert stages == {"exploring": 0, "pilot": 1, "production": 1, "stopped": 1}
    assert card["stop_rate"]["value"] == pytest.approx(1 / 3, abs=0.001)
    reasons = {row["code"]: row["count"] for row in card["stop_reasons"]}
    assert reasons == {"cost": 1}


def test_visitors_see_no_cell_resting_on_fewer_than_the_minimum(three_establishments):
    card = stats.scorecard(three_establishments.id)
    assert card["establishments"]["value"] == 3
    assert card["ratings"]["usefulness"]["value"] is not None
    for row in card["stages"]:
        # Every stage holds one establishment (or none): all are hidden, zeros included.
        assert row["suppressed"] and row["value"] is None and row["n"] is None and row["low_n"] is True
    assert card["stop_rate"]["value"] is None
    analyst = stats.scorecard(three_establishments.id, analyst=True)
    assert analyst["stop_rate"]["value"] == pytest.approx(0.333, abs=0.001)
    assert analyst["stages"][3]["low_n"]


def test_a_solution_with_two_establishments_shows_nothing(app):
    solution = make_solution()
    for _ in range(2):
        make_report(solution=solution, state="published")
    db.session.commit()
    card = stats.scorecard(solution.id)
    assert card["suppressed"]
    assert card["establishments"]["value"] is None
    assert card["ratings"]["usefulness"]["value"] is None
    assert card["sus"]["value"] is None


def test_publication_refreshes_the_facts_and_the_cached_scorecard(three_establishments):
    before = stats.scorecard(three_establishments.id, analyst=True)
    make_report(solution=three_establishments, state="published")
    db.session.commit()
    after = stats.scorecard(three_establishments.id, analyst=True)
    assert (before["establishments"]["value"], after["establishments"]["value"]) == (3, 4)


def test_the_job_after_a_publication_computes_the_analysts_figures_it_dropped(app):
    from app.models import StatCache

    app.config["WARM_ANALYST_VIEWS"] = True
    solution, other = make_solution(), make_solution()
    for _ in range(3):
        make_report(make_user("contributor", make_establishment()), solution, "published")
    db.session.commit()  # the job runs after this commit (in the committing thread, in the tests)
    keys = set(db.session.scalars(sa.select(StatCache.key)))
    assert {f"scorecard:{solution.id}:-", "observatory"} <= keys
    assert f"scorecard:{other.id}:-" not in keys  # no publication there: nothing was dropped
    kept = db.session.scalar(sa.select(StatCache.payload).where(StatCache.key == f"scorecard:{solution.id}:-"))
    assert kept == stats.compute_scorecard(solution.id)


def test_withdrawal_removes_the_voice(three_establishments):
    from app.models import Report
    from app.services import reports as service

    report = db.session.scalars(sa.select(Report).where(Report.solution_id == three_establishments.id)
                                .order_by(Report.id.desc())).first()
    service.withdraw(report, report.author)
    db.session.commit()
    card = stats.compute_scorecard(three_establishments.id)
    assert card["ratings"]["usefulness"]["value"] == pytest.approx((5 + 3 + 4) / 3, abs=0.01)


# Secrecy ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("counts", "hidden"), [
    ({"a": 5, "b": 4, "c": 1}, {"b", "c"}),
    ({"a": 5, "b": 1, "c": 1}, {"a", "b", "c"}),
    ({"a": 5, "b": 4, "c": 3}, set()),
    ({"a": 6, "b": 2, "c": 2, "d": 9}, {"b", "c"}),
    ({"a": 1}, {"a"}),
    ({"a": 0, "b": 7}, set()),
    # Zeros join the hidden group: otherwise "pilot 1" would follow from "total − visible = 1".
    ({"exploring": 0, "pilot": 1, "production": 5, "stopped": 3}, {"exploring", "pilot", "stopped"}),
    ({"w": 1, "x": 1, "y": 1, "z": 1}, {"w", "x", "y", "z"}),
])
def test_complementary_suppression(counts, hidden):
    result = complementary_suppression(counts, 3)
    assert result == hidden
    if result and len(result) < len(counts):
        assert len(result) >= 2
        assert sum(counts[k] for k in result) >= 3


@pytest.mark.parametrize(("k", "n", "safe"), [(0, 5, True), (5, 5, True), (3, 6, True), (1, 9, False),
                                             (8, 9, False), (2, 2, False)])
def test_share_safety(k, n, safe):
    assert share_is_safe(k, n, 3) is safe


def test_the_subtraction_attack_cannot_recover_a_hidden_region(app):
    """Total minus every visible region leaves a group of at least the minimum, never one establishment."""
    solution = make_solution()
    regions = ["11"] * 5 + ["84"] * 4 + ["53"]
    for index, region in enumerate(regions):
        establishment = make_establishment(region=region)
        make_report(make_user("contributor", establishment), solution, "published",
                    complete_answers(rating_usefulness=str(1 + index % 5)))
    db.session.commit()
    total = stats.scorecard(solution.id)
    assert total["establishments"]["value"] == 10
    visible_n, visible_sum = 0, 0.0
    hidden = []
    for region in ("11", "84", "53"):
        card = stats.scorecard(solution.id, stats.Segment("region", region))
        usefulness = card["ratings"]["usefulness"]
        if card["suppressed"]:
            assert usefulness["value"] is None and card["establishments"]["value"] is None
            hidden.append(region)
        else:
            visible_n += usefulness["n"]
            visible_sum += usefulness["value"] * usefulness["n"]
    assert "53" in hidden and len(hidden) >= 2
    remaining = total["ratings"]["usefulness"]["n"] - visible_n
    assert remaining >= stats.minimum()  # what subtraction yields is the mean of a group, not of one


def test_the_visitors_view_drops_raw_counts_of_hidden_shares(three_establishments):
    card = stats.scorecard(three_establishments.id)
    for row in card["stop_reasons"] + card["difficulties"]:
        if row["suppressed"]:
            assert row["count"] is None and row["value"] is None


@pytest.mark.parametrize(("df", "expected"), [(1, 12.7062), (9, 2.2622), (33, 2.0345), (45, 2.0141), (75, 1.9921),
                                              (250, 1.9695), (5000, 1.9604)])
def test_student_quantile_is_exact_for_every_degree_of_freedom(app, df, expected):
    # A table rounding the degrees of freedom up to 40, 60, 120 or infinity gave intervals too narrow.
    assert stats.t95(df) == pytest.approx(expected, abs=1e-4)


def test_stop_reasons_come_from_the_voice_whose_stage_is_counted(app):
    solution = make_solution()
    moderator = make_user("moderator")
    resumed, stopped_twice, stopped = (make_establishment(region="11"), make_establishment(region="84"),
                                       make_establishment(region="53"))
    author = make_user("contributor", resumed)
    # Stopped for cost, then back in production: neither stopped nor stopped for cost any more.
    make_report(author, solution, "published", answers(3, SUS_85, 8, "stopped", "1", stop_reasons=["cost"]), moderator)
    make_report(author, solution, "published", answers(3, SUS_85, 8, "production", "1"), moderator)
    # Two authors: the earlier one stopped for cost, the latest for integration: only integration counts.
    make_report(make_user("contributor", stopped_twice), solution, "published",
                answers(3, SUS_85, 8, "stopped", "1", stop_reasons=["cost"]), moderator)
    make_report(make_user("contributor", stopped_twice), solution, "published",
                answers(3, SUS_85, 8, "stopped", "1", stop_reasons=["integration"]), moderator)
    make_report(make_user("contributor", stopped), solution, "published",
                answers(3, SUS_85, 8, "stopped", "1", stop_reasons=["cost", "integration"]), moderator)
    db.session.commit()
    card = stats.compute_scorecard(solution.id)
    assert next(row for row in card["stages"] if row["stage"] == "stopped")["value"] == 2
    counts = {row["code"]: row["count"] for row in card["stop_reasons"]}
    assert counts == {"integration": 2, "cost": 1}
    assert all(row["n"] == 2 for row in card["stop_reasons"])
