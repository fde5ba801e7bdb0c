"""Accent- and case-insensitive search on both databases.

SQLite's lower() leaves accented capitals alone, so each searchable model keeps a folded copy of its
searchable text (lower case, no accents) and queries compare against the folded query.
"""

from __future__ import annotations

from text_unidecode import unidecode


def fold(*parts: str | None) -> str:
    return " ".join(unidecode(part).lower() for part in parts if part)
