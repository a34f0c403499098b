"""Working-day calendar for Vietnamese administrative deadlines.

Statutory processing times for administrative procedures are counted in working days, so a
dossier's appointment date (ngày hẹn trả kết quả) depends on which days the centre is open.
State agencies work Monday to Friday (Decision 188/1999/QĐ-TTg); the public holidays are those
of Labour Code 2019 art. 112, plus the days the Government announces each year when it swaps
a working day onto a weekend to give a longer break. We take both from the `holidays` package,
which keeps the lunar tables and the yearly announcements, instead of maintaining our own list;
an administrator can still add or remove days locally for anything it lacks (a provincial
decision, an announcement newer than the installed package).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = ["MAX_SCAN_DAYS", "VIETNAM_TZ", "WorkCalendar", "appointment_date"]

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Ten years of consecutive days off can only be a misconfigured calendar (e.g. an administrator
# closing a whole range); failing loudly beats hanging a request.
MAX_SCAN_DAYS = 3660

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


# Bounded so that arbitrary years coming from user input cannot grow the cache forever.
@lru_cache(maxsize=256)
def _public_calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Return (public days off, weekend days worked instead) for `year`.

    Building a `holidays` object costs milliseconds (lunar tables, observed-day rules), so it is
    done once per year and reduced to frozensets: membership checks then cost what a set lookup
    costs, and the cached values are immutable, hence safe to share between threads.

    The `holidays` package (checked on 0.109) has no separate "workday" category for Vietnam
    (`supported_categories` is only `public`), but every `HolidayBase` carries
    `weekend_workdays`, filled from the substituted-holiday table: the 2026 entry
    "Day off (substituted from 08/22/2026)" on Monday 2026-08-31 puts Saturday 2026-08-22 in
    it, and `HolidayBase.is_working_day` consults it. We read the same set so such Saturdays
    count as working days, and our answer agrees with the package's own `is_working_day`.
    """
    # `country_holidays("VN")` builds the same object as `holidays.VN`, but is typed for mypy
    # (`holidays.VN` is loaded lazily). A swap can cross a year boundary (Saturday 2014-12-27
    # was worked for Friday 2015-01-02) and an observed day could in principle too. 0.109
    # already lists cross-year swaps in every instance and no Vietnamese holiday spills into
    # another year, but building the neighbouring years as well keeps us correct without
    # relying on either detail; it is a one-off cost per cached year.
    public = holidays.country_holidays("VN", years=(year - 1, year, year + 1))
    days_off = frozenset(day for day in public if day.year == year)
    worked_weekends = frozenset(day for day in public.weekend_workdays if day.year == year)
    return days_off, worked_weekends


@dataclass(frozen=True)
class WorkCalendar:
    """Vietnamese public-sector working days, with the administrator's local changes on top.

    `extra_days_off` wins over everything, `extra_working_days` over the national calendar, so a
    local decision can always correct the package in either direction.
    """

    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        # A datetime is a date subclass but never equal to one, so it would silently miss every
        # holiday in the sets below.
        if isinstance(day, datetime):
            raise TypeError("is_working_day expects a date, not a datetime")
        if day in self.extra_days_off:
            return False
        if day in self.extra_working_days:
            return True
        days_off, worked_weekends = _public_calendar(day.year)
        if day.weekday() >= _SATURDAY:
            return day in worked_weekends
        return day not in days_off

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        if day == date.max:
            raise ValueError(f"no working day after {day.isoformat()}")
        return self._first_working_day(day + _ONE_DAY)

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start`.

        With 0 it is `start` itself if that is a working day, else the next working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        current = self._first_working_day(start)
        for _ in range(days):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]; 0 when `end` is not after `start`.

        Half-open so that it measures elapsed time: a citizen who returns a requested document
        the next working day has taken one day, which is what a deadline must be pushed by.
        """
        span = (end - start).days
        return sum(self.is_working_day(start + timedelta(days=n)) for n in range(1, span + 1))

    def _first_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the next one; bounded by MAX_SCAN_DAYS."""
        start = day
        for _ in range(MAX_SCAN_DAYS):
            if self.is_working_day(day):
                return day
            try:
                day += _ONE_DAY
            except OverflowError:
                break
        raise ValueError(f"no working day within {MAX_SCAN_DAYS} days of {start.isoformat()}")


def appointment_date(
    received_at: datetime,
    processing_days: int,
    calendar: WorkCalendar,
    cutoff: time | None,
    tz: ZoneInfo = VIETNAM_TZ,
) -> date:
    """The date a dossier's result is due.

    A dossier received on a day off, or at/after the daily cut-off of a procedure that has one
    (`cutoff` None for the others), is treated as received on the next working day. The date is taken in
    the centre's time zone: servers and databases store UTC, and 18:00 UTC is already tomorrow
    in Vietnam.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    local = received_at.astimezone(tz)
    day = local.date()
    if calendar.is_working_day(day) and (cutoff is None or local.time() < cutoff):
        start = day
    else:
        start = calendar.next_working_day(day)
    return calendar.add_working_days(start, processing_days)
