"""Validators shared by several forms."""

from __future__ import annotations

import unicodedata

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from app.services.finess import finess_error


class PasswordStrength:
    """At least PASSWORD_MIN_LENGTH characters (12): length is what protects a password."""

    def __call__(self, form, field) -> None:  # noqa: ARG002 (WTForms validator signature)
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(_l("Le mot de passe doit compter au moins %(n)d caractères.", n=minimum))
        if len(field.data) > 256:
            raise ValidationError(_l("Le mot de passe ne peut pas dépasser 256 caractères."))


def has_control_characters(text: str) -> bool:
    """Line breaks (including Unicode's line and paragraph separators), tabulations and other control characters:
    nothing a one-line value such as a person's name holds."""
    return any(unicodedata.category(char) == "Cc" or char in "\u2028\u2029" for char in text)


def single_line(form, field) -> None:  # noqa: ARG001 (WTForms validator signature)
    """A person's name goes into mail headers (an invitation's subject) and lists: one line of text."""
    if has_control_characters(field.data or ""):
        raise ValidationError(_l("Le nom ne peut pas contenir de retour à la ligne, de tabulation ni d'autre "
                                 "caractère de contrôle."))


def valid_finess(form, field) -> None:  # noqa: ARG001 (WTForms validator signature)
    error = finess_error(field.data or "")
    if error:
        raise ValidationError(error)

