"""The period a report covers: a month, a quarter, a year or chosen days, in local dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backend.lib.clock import local_days_bounds
from backend.lib.forms import to_date

KINDS = ("month", "quarter", "year", "custom")
MAX_DAYS = 366 * 2


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    def bounds(self) -> tuple[datetime, datetime]:
        """In UTC: the first day's local midnight, and the next day's after the last."""
        return local_days_bounds(self.first, self.last)

    @property
    def query(self) -> dict[str, str]:
        return {"period": self.kind, "first": self.first.isoformat(), "last": self.last.isoformat()}


def _date(raw: str) -> date | None:
    try:
        return to_date(raw)
    except ValueError:
        return None


def period_of(kind: str, first: str, last: str, today: date) -> Period:
    """What the form asked for; by default this month so far. `first` picks the month,
    quarter or year it falls in; a custom period is at most two years."""
    kind = kind if kind in KINDS else "month"
    start = _date(first) or today
    if kind == "month":
        begin = start.replace(day=1)
        end = (begin + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif kind == "quarter":
        begin = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        end = (begin + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    elif kind == "year":
        begin, end = date(start.year, 1, 1), date(start.year, 12, 31)
    else:
        begin, end = start, _date(last) or today
        if begin > end:
            begin, end = end, begin
        begin = max(begin, end - timedelta(days=MAX_DAYS - 1))
    return Period(kind, begin, end)
