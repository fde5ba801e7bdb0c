import pytest

from app.services.finess import finess_error, is_valid_finess, luhn_key
from app.vocabulary import region_for_finess


@pytest.mark.parametrize("number", ["750712184", "440000289", "690781810", "010780914", "2A0000017", "2B1234567",
                                    " 75 071 2184 "])
def test_valid_finess_numbers_are_accepted(app, number):
    assert finess_error(number) is None


@pytest.mark.parametrize(("number", "expected"), [
    ("750712148", "clé de contrôle"),
    ("440000288", "clé de contrôle"),
    ("9A0000011", "département"),
    ("75071218", "9 caractères"),
    ("7507121845", "9 caractères"),
    ("75O712184", "département"),
    ("ABCDEFGHI", "département"),
    ("", "Saisissez"),
])
def test_invalid_finess_numbers_say_why(app, number, expected):
    error = finess_error(number)
    assert error is not None
    assert expected in error


def test_luhn_key_completes_a_valid_number(app):
    for prefix in ("75071218", "44000028", "97040001"):
        assert is_valid_finess(prefix + luhn_key(prefix))


@pytest.mark.parametrize(("number", "region"), [
    ("750712184", "11"), ("440000289", "52"), ("2A0000017", "94"), ("970400015", "04"), ("971000012", "01"),
])
def test_region_comes_from_the_departement(number, region):
    assert region_for_finess(number) == region
