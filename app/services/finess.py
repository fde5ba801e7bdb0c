"""FINESS numbers: 9 characters, département first, Luhn key over the 9 digits (Corsica: pattern only)."""

from __future__ import annotations

import re

from flask_babel import gettext as _

_PATTERN = re.compile(r"^(?:[0-9]{2}|2A|2B)[0-9]{7}$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_key(prefix: str) -> str:
    """The check digit that makes prefix + digit a valid Luhn number."""
    for candidate in "0123456789":
        if luhn_valid(prefix + candidate):
            return candidate
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def normalise_finess(value: str) -> str:
    return re.sub(r"[\s.-]", "", value or "").upper()


def finess_error(value: str) -> str | None:
    """None when the number is valid, else a French message saying what is wrong."""
    number = normalise_finess(value)
    if not number:
        return _("Saisissez le numéro FINESS de l'établissement.")
    if len(number) != 9:
        return _("Un numéro FINESS compte 9 caractères (vous en avez saisi %(n)d).", n=len(number))
    if not _PATTERN.match(number):
        return _("Un numéro FINESS commence par le département (2 chiffres, ou 2A/2B pour la Corse) "
                      "suivi de 7 chiffres.")
    if number[:2] in {"2A", "2B"}:
        return None
    if not luhn_valid(number):
        return _("La clé de contrôle de ce numéro FINESS est incorrecte : vérifiez la saisie.")
    return None


def is_valid_finess(value: str) -> bool:
    return finess_error(value) is None


def normalise_siret(value: str | None) -> str | None:
    """A SIRET (14 digits) as the FINESS extract or ProConnect gives it, spaces removed; None when it is not one."""
    number = re.sub(r"[\s.-]", "", value or "")
    return number if len(number) == 14 and number.isdigit() else None
