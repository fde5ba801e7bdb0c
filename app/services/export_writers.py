"""CSV and JSON text of the analysts' exports, written a row at a time and handed out in chunks.

CSV cells are made safe for spreadsheets: computed numbers stay numbers (decimal comma), and any text cell that
a spreadsheet would run as a formula (CSV injection, OWASP) gets a leading apostrophe.

What a spreadsheet may take for a formula is wider than the cell's first character: leading spaces (no-break and
ideographic ones too), invisible characters (zero-width space, byte order mark: Unicode's format characters) and
controls can be skipped before it, and full-width signs (＝, ＋, －, ＠, ％) read as the ASCII ones. A cell is
therefore neutralised when it starts with a tab, CR or LF, or when its first character past all of those, in its
NFKC form, is one of = + - @ %.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

CHUNK_SIZE = 64 * 1024  # characters of CSV or JSON handed to the server at a time
MULTI_SEPARATOR = "|"
# A spreadsheet reads a cell whose first visible character is one of these as a formula.
FORMULA_SIGNS = frozenset("=+-@%")
# A cell starting with one of these is neutralised whatever follows (a formula may come on the next line).
FORMULA_BREAKS = ("\t", "\r", "\n")
_SKIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})  # controls, invisible formatting, spaces


def starts_a_formula(text: str) -> bool:
    """Whether a spreadsheet could run the cell as a formula (see the module's docstring)."""
    if not text:
        return False
    first = text[0]
    if " " < first < "\x7f":  # a visible ASCII character: nearly every cell, decided at once
        return first in FORMULA_SIGNS
    if text.startswith(FORMULA_BREAKS):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) in _SKIPPED_CATEGORIES:
            continue
        return unicodedata.normalize("NFKC", char)[:1] in FORMULA_SIGNS
    return False


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe and stays text."""
    return "'" + text if starts_a_formula(text) else text


class SpreadsheetText(str):
    """A cell written on purpose as a constant text formula (="01", the spreadsheet variant's codes): the one
    kind of cell left as it is."""


def spreadsheet_code(value: Any) -> Any:
    """A code as the spreadsheet variant writes it: ="01", shown by Excel as the text 01. Only codes of ASCII
    letters, digits and "_" are written so: nothing typed by a user ever becomes a formula."""
    if isinstance(value, str) and value.isascii() and value.replace("_", "").isalnum():
        return SpreadsheetText(f'="{value}"')
    return value


def csv_cell(value: Any) -> Any:
    """Numbers the application computed stay numbers (decimal comma, as French spreadsheets expect); every
    text cell is neutralised, whatever its origin: codes and dates never start with a formula sign anyway."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, list | tuple):
        return neutralise(MULTI_SEPARATOR.join(str(item) for item in value))
    if value.__class__ is SpreadsheetText:
        return value
    return neutralise(str(value))


def _chunked(pieces: Iterable[str], size: int) -> Iterator[str]:
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def csv_text(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """`;`-separated CSV with a byte order mark (Excel then reads UTF-8) and CRLF line ends, in chunks."""
    line = io.StringIO()
    writer = csv.writer(line, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    # The header goes out alone, so that the download starts before the first query.
    yield "\ufeff" + _take(line)

    def lines() -> Iterator[str]:
        for row in rows:
            writer.writerow([csv_cell(row[name]) for name in columns])
            yield _take(line)

    yield from _chunked(lines(), CHUNK_SIZE)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_text(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array of objects, written an item at a time and handed out in chunks."""

    def pieces() -> Iterator[str]:
        yield "["
        separator = ""
        for row in rows:
            yield separator + json.dumps(row, ensure_ascii=False)
            separator = ","
        yield "]"

    yield from _chunked(pieces(), CHUNK_SIZE)
