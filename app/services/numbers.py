"""Numbers as a reader of the current language writes them: "65,8 [61,8 ; 69,8]", "32 %" in French, "65.8
[61.8; 69.8]", "32%" in English. Pages (through the template filters), generated guide sentences, PDFs and mails
all call these; machine outputs (JSON fields, CSV cells) never do."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern
from flask_babel import get_locale

NBSP = "\u00a0"
MINUS = "\u2212"  # a typographic minus, as in "de −100 à +100"
DEFAULT_LOCALE = "fr"


def _locale(locale: str | None) -> str:
    if locale:
        return str(locale)
    try:
        current = get_locale()
    except (RuntimeError, KeyError):  # outside a request (a command, a job): the platform's language
        current = None
    return str(current) if current else DEFAULT_LOCALE


# A page writes hundreds of numbers: the locale's data and the parsed patterns are read once (Babel would parse
# them again at every call, about 0.1 ms each).
@lru_cache(maxsize=16)
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


@lru_cache(maxsize=16)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def _french(locale: str) -> bool:
    return locale.split("_")[0] == "fr"


def decimal(value: float, digits: int = 1, locale: str | None = None) -> str:
    """`value` with `digits` decimals and the locale's separators: 65,8 (fr), 65.8 (en); 1 234,5 in French."""
    pattern = _pattern("#,##0" + ("." + "0" * digits if digits > 0 else ""))
    return pattern.apply(value, _babel_locale(_locale(locale))).replace("-", MINUS)


def number(value: float, locale: str | None = None) -> str:
    """`value` with the decimals it has, up to three: 68, 80,3 (the SUS benchmarks)."""
    babel_locale = _babel_locale(_locale(locale))
    return _pattern(babel_locale.decimal_formats[None].pattern).apply(value, babel_locale).replace("-", MINUS)


def integer(value: float, locale: str | None = None) -> str:
    return decimal(value, 0, locale)


def percent(share: float, locale: str | None = None) -> str:
    """A share (0.32) as a whole percentage: "32 %" with a non-breaking space in French, "32%" in English."""
    locale = _locale(locale)
    return integer(share * 100, locale) + (NBSP + "%" if _french(locale) else "%")


def interval(low: str, high: str, locale: str | None = None) -> str:
    """Two formatted bounds as an interval: "[61,8 ; 69,8]" (a non-breaking space before the French
    semicolon), "[61.8; 69.8]" in English."""
    separator = NBSP + "; " if _french(_locale(locale)) else "; "
    return f"[{low}{separator}{high}]"


def with_unit(number: str, unit: str) -> str:
    """A formatted number and its unit, kept on one line: "1,5 h"."""
    unit = unit.strip()
    return f"{number}{NBSP}{unit}" if unit else number
