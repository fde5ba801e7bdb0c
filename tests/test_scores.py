import pytest

from app.services.scores import nps, sus_score


@pytest.mark.parametrize(("answers", "expected"), [
    ([4, 1, 5, 2, 5, 1, 4, 2, 3, 1], 85.0),
    ([2, 1, 4, 1, 4, 3, 4, 2, 3, 3], 67.5),
    ([5, 1, 5, 1, 5, 1, 5, 1, 5, 1], 100.0),
    ([1, 5, 1, 5, 1, 5, 1, 5, 1, 5], 0.0),
])
def test_sus_score_matches_the_reference_vectors(answers, expected):
    assert sus_score(answers) == expected


def test_nps_matches_the_reference_vector():
    assert nps([10, 9, 9, 8, 7, 6, 3, 10, 5, 9]) == 20.0


@pytest.mark.parametrize("ratings", [[9, 10], [0, 6], [7, 8]])
def test_nps_bounds(ratings):
    assert nps(ratings) in (100.0, -100.0, 0.0)


@pytest.mark.parametrize("answers", [[3] * 9, [3] * 11, [0] + [3] * 9, [6] + [3] * 9])
def test_sus_refuses_incomplete_or_out_of_range_answers(answers):
    with pytest.raises(ValueError):
        sus_score(answers)


@pytest.mark.parametrize("ratings", [[], [11], [-1]])
def test_nps_refuses_bad_ratings(ratings):
    with pytest.raises(ValueError):
        nps(ratings)
