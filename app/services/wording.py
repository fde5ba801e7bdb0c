"""Names inside generated French sentences: "le compte d'Alice", "le compte de Bernard".

A message that puts a person's name after "de" takes `of_name(name)` for its placeholder: in French the
preposition, elided before a vowel or an h ("d'Alice", "d'Hélène", "de Bernard"); in any other language the
name alone, which the translation places as its grammar wants ("Alice's account"). Establishment names are not
given to it: "de" + "Centre hospitalier…" would need an article ("du Centre hospitalier"), so those messages
are written without a preposition before the name."""

from __future__ import annotations

import unicodedata

from flask_babel import get_locale

VOWELS = frozenset("aeiouyh")


def _is_french() -> bool:
    try:
        locale = get_locale()
    except (RuntimeError, KeyError):
        locale = None
    return locale is None or str(locale).split("_")[0] == "fr"


def elides(word: str) -> bool:
    """Whether "de" becomes "d'" before `word`: a vowel (accented or not) or an h, as in "d'Hélène"."""
    first = unicodedata.normalize("NFD", word.strip()[:1].lower())[:1]
    return first in VOWELS


def of_name(name: str) -> str:
    """ "d'Alice" / "de Bernard" in French; the name alone in other languages."""
    name = name.strip()
    if not _is_french():
        return name
    return f"d'{name}" if elides(name) else f"de {name}"
