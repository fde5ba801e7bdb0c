from datetime import UTC, datetime

# The largest value of an integer primary key on PostgreSQL (INTEGER, 32 bits): an id beyond it names nothing, and
# putting it in a query is an error there (and past 2**63, on SQLite).
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_id(text: str) -> int | None:
    """The id a text names (ASCII digits, 1 to MAX_ID), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
