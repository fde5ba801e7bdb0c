"""How recent a scope's reports are: the age of each establishment's latest voice, in whole months.

Shared by the analysts' live statistics (`stats`) and the visitors' releases (`disclosure.figures`), so that both
say the same thing: the median age (whole months, the median of establishments' ages rounded down to the month)
and the share of establishments whose latest voice is older than OLD_MONTHS. A reader may also restrict a
scorecard to the voices of the last RECENT_MONTHS (the view `period=12m`).
"""

from __future__ import annotations

import calendar
import statistics as pystats
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from app.services import stat_cells

RECENT_MONTHS = 12
OLD_MONTHS = 18
PERIOD = "period"
RECENT = f"{RECENT_MONTHS}m"
PERIODS = {RECENT: RECENT_MONTHS}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def whole_months(earlier: datetime, later: datetime) -> int:
    """Whole calendar months from `earlier` to `later` (0 when later is not after earlier)."""
    earlier, later = _aware(earlier), _aware(later)
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if (later.day, later.time()) < (earlier.day, earlier.time()):
        months -= 1
    return max(months, 0)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (earlier if negative; the month's last day when it has no such day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def recent_since(as_of: datetime, period: str = RECENT) -> datetime:
    """The first moment a voice published in the period can have."""
    return add_months(_aware(as_of), -PERIODS[period])


def is_recent(published_at: datetime | None, since: datetime) -> bool:
    return published_at is not None and _aware(published_at) >= since


def ages(latest: Iterable[datetime], as_of: datetime) -> list[int]:
    """Each establishment's age in whole months, from the publication of its latest voice."""
    return [whole_months(published, as_of) for published in latest]


def old_count(months: list[int]) -> int:
    return sum(1 for age in months if age >= OLD_MONTHS)


def cells(months: list[int]) -> dict[str, Any]:
    """The freshness figures of a card: median age (whole months) and share of establishments older than
    OLD_MONTHS, both on the establishments of the view."""
    n = len(months)
    median = float(pystats.median_low(months)) if months else None
    return {"median_age_months": stat_cells.cell(median, n, digits=0),
            "older_18m": stat_cells.share_cell(old_count(months), n)}
