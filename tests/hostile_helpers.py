"""Hostile input, sent: payloads packed into form fields, what the application must keep of them, the count of checks.

The corpus of tests/hostile_payloads.py goes through every free-text field of the questionnaire, the catalogue, the
guides and the registration (tests/test_hostile_*.py, one module per surface); every page, PDF, CSV and JSON where
the value comes out is read back (tests/hostile_reading.py). Nothing may run (no script, event handler, javascript:
URL, SVG or MathML coming from a value), no output may break (page structure, CSV rows and columns, JSON, PDF), NUL
characters never reach the database, and oversize input gets a French error and is kept, never a 500.

Each check is counted as payload × field × output and the counts are printed per surface, then in total once the
last of these modules has run (tests/hostile_fixtures.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote_plus, urlencode

from app.models import User
from app.views_common import close_bidi
from tests.factories import COMPLETE_STEPS, PASSWORD
from tests.hostile_payloads import FLOWING, Payload

CHECKED: dict[str, set[tuple[str, str, str]]] = defaultdict(set)


def tally(surface: str, value: Payload | tuple[Payload, ...], field: str, output: str) -> None:
    for payload in value if isinstance(value, tuple) else (value,):
        CHECKED[surface].add((payload.name, field, output))


def print_surface(capsys, surface: str) -> None:
    checks = CHECKED[surface]
    with capsys.disabled():
        print(f"\n[hostile input] {surface}: {len(checks)} payload × field × output checks "
              f"({len({c[0] for c in checks})} payloads, {len({c[1] for c in checks})} fields, "
              f"{len({c[2] for c in checks})} outputs)")


def logged_in(app, user: User):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


SEPARATOR = "\n"
PER_VALUE = 2  # payloads per answer, one per line: every field still sees every payload, in half the rounds
ROUNDS = -(-len(FLOWING) // PER_VALUE)
Value = tuple[Payload, ...]


def packed(index: int, names: Iterable[str]) -> dict[str, Value]:
    """A Latin square: over ROUNDS rounds every payload goes once through every field, first of its value in about
    half of the fields (where a spreadsheet reads a formula) and second in the others."""
    count = len(FLOWING)
    return {name: tuple(FLOWING[(PER_VALUE * index + slot + offset) % count] for slot in range(PER_VALUE))
            for offset, name in enumerate(names)}


def decoded(payload: Payload) -> str:
    """What the server reads of a payload: its text, or its raw bytes as Werkzeug decodes them."""
    if payload.raw:
        return parse_qsl("v=" + payload.raw, keep_blank_values=True, errors="werkzeug.url_quote")[0][1]
    return payload.text


def expected(value: Value, strip: bool = False) -> str:
    """What the application should keep of a value: NUL characters removed, bidirectional formatting closed at
    the end of each line (and surrounding spaces removed, if it strips)."""
    text = close_bidi(SEPARATOR.join(decoded(payload) for payload in value).replace("\x00", ""))
    return text.strip() if strip else text


BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c",
                "\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"}


def bidi_closed(text: str) -> bool:
    """No line leaves a bidirectional embedding, override or isolate open (it would turn the text after it)."""
    for line in re.split("[\n\r\x85\u2028\u2029]", text):
        opened = []
        for char in line:
            if char in BIDI_OPENERS:
                opened.append(BIDI_OPENERS[char])
            elif char in ("\u202c", "\u2069") and char in opened:
                del opened[len(opened) - 1 - opened[::-1].index(char):]
        if opened:
            return False
    return True


CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def on_one_line(value: Value) -> str:
    """A value as a person's name may hold it: its payloads on one line, each control character made a space."""
    return CONTROL_CHARACTERS.sub(" ", " ".join(decoded(payload) for payload in value))


def encoded(value: Value) -> str:
    return quote_plus(SEPARATOR).join(payload.raw or quote_plus(payload.text) for payload in value)


def form_body(fields: dict) -> bytes:
    """An application/x-www-form-urlencoded body; a payload's raw bytes (not UTF-8) go in as they are."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            parts.append(f"{quote_plus(name)}={encoded(value)}")
        else:
            parts += [urlencode({name: item}) for item in (value if isinstance(value, list) else [value])]
    return "&".join(parts).encode("ascii")


def post_form(client, url: str, fields: dict):
    return client.post(url, data=form_body(fields), content_type="application/x-www-form-urlencoded")


def assert_stored(value: Value, stored: str | None, strip: bool = False) -> str:
    """What the application kept: the payloads as text, without NUL, valid UTF-8."""
    assert isinstance(stored, str), (value, stored)
    assert "\x00" not in stored, value
    stored.encode("utf-8")  # no lone surrogate
    assert stored == expected(value, strip), (value, stored)
    assert bidi_closed(stored), (value, stored)
    for payload in value:
        assert all(part in stored for part in payload.keeps), (payload, stored)
    return stored


def location_id(response, pattern: str) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(pattern, response.headers["Location"]).group(1))


# The fields of each surface, and what a form needs besides them (the oversize test sends them all) ---------------

FREE_TEXTS = ("services", "volume", "difficulties_text", "success_factors", "advice", "stop_reasons_text")
STEP_DATA = {1: {**COMPLETE_STEPS[1], "stage": "stopped"}, 6: {**COMPLETE_STEPS[6], "stop_reasons": ["cost"]}}
SOLUTION_TEXTS = ("name", "vendor", "short_description", "intended_use", "target_users")
ESTABLISHMENT_TEXTS = ("name", "city", "ght")
REGISTRATION_TEXTS = ("full_name", "email", "finess")
PASSWORDS = {"password": "un mot de passe assez long", "confirm": "un mot de passe assez long"}
