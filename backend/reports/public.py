"""The public statistics (/statistics, no sign-in): per agency, for the current year or a past
month, dossiers received and finished, the on-time share, the satisfied share and the
complaints answered, with the time the figures were computed.

Only counts leave this module: no dossier, code, name or phone number is read at all. The
dossier figures are those of `queries.figures` (the managers' dashboard), so both pages always
agree. A satisfied share is published only from REPORT_MIN_RATINGS ratings (a share of 3
votes says nothing and is unfair on the agency). The result is kept in memory for a few
minutes per period: the page is public and may be opened often; each process keeps its own.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from backend.catalog.communes import KIND as COMMUNE
from backend.catalog.tables import Agency
from backend.complaints.tables import Complaint
from backend.lib.clock import utcnow
from backend.lib.text import fold
from backend.ratings.tables import Rating
from backend.reports import queries, trend
from backend.reports.charts import Share
from backend.reports.periods import Period, period_of
from backend.reports.tables import ReportDay
from backend.settings import get_settings

CACHE_SECONDS = 600
CACHE_ENTRIES = 64
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class AgencyStats:
    agency: int  # 0 for the whole center
    name: str
    kind: str = ""
    received: int = 0
    finished: int = 0
    on_time: int = 0  # early or on time
    ratings: int = 0
    satisfied: int = 0
    complaints_answered: int = 0

    @property
    def on_time_share(self) -> float | None:
        return queries.share(self.on_time, self.finished)

    def satisfied_share(self, minimum: int) -> float | None:
        """None below `minimum` ratings: not enough to publish a share."""
        return self.satisfaction.percent(minimum)

    @property
    def punctuality(self) -> Share:
        return Share(self.name, self.on_time, self.finished)

    @property
    def satisfaction(self) -> Share:
        return Share(self.name, self.satisfied, self.ratings)

    @property
    def has_figures(self) -> bool:
        return any((self.received, self.finished, self.ratings, self.complaints_answered))


@dataclass
class Statistics:
    period: Period
    computed_at: datetime
    min_ratings: int
    rows: list[AgencyStats]
    total: AgencyStats
    daily: trend.Daily = field(default_factory=dict)

    @property
    def until(self) -> date:
        """The last day the figures can cover: the period's, or today for the running year."""
        today = self.computed_at.astimezone(get_settings().time_zone).date()
        return min(self.period.last, max(today, self.period.first))


def public_period(month: str | None, today: date) -> Period:
    """A past month asked as YYYY-MM, or else the current year."""
    found = MONTH.match(month or "")
    if found:
        year, number = int(found[1]), int(found[2])
        if year >= 2000 and 1 <= number <= 12 and date(year, number, 1) < today.replace(day=1):
            return period_of("month", f"{year:04d}-{number:02d}-01", "", today)
    return period_of("year", today.isoformat(), "", today)


async def month_choices(today: date, at_least: int = 12, at_most: int = 120) -> list[date]:
    """The first days of the past months the picker offers, newest first: back to the first
    month with figures, and at least a year."""
    row = await ReportDay.select(ReportDay.day).order_by(ReportDay.day).limit(1).first()
    oldest = trend._day(row["day"]) if row else today
    months: list[date] = []
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    while len(months) < at_most and (len(months) < at_least or month >= oldest.replace(day=1)):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


async def _grouped(table: type[Rating] | type[Complaint], sql: str, *values: Any) -> dict[int, Any]:
    """Rows of a GROUP BY agency query, by agency (0: none, e.g. a counter tablet's vote)."""
    return {int(r["agency"] or 0): r for r in await table.raw(sql, *values)}


def _and_total(rows: dict[int, AgencyStats], agency: int, whole: AgencyStats) -> list[AgencyStats]:
    """The agency's row (if it is one) and the total's: a counter tablet's vote or a complaint
    about the center's counter counts in the total only."""
    return [rows[agency], whole] if agency in rows else [whole]


async def compute(period: Period) -> Statistics:
    """The figures of the period, read now."""
    min_ratings = get_settings().report_min_ratings
    start, end = period.bounds()
    agencies = await Agency.select(Agency.id, Agency.name, Agency.kind)
    rows = {a["id"]: AgencyStats(a["id"], a["name"], a["kind"]) for a in agencies}
    whole = AgencyStats(0, "")
    figures, total = await queries.figures(period, names={a["id"]: a["name"] for a in agencies})
    for f in figures:
        if f.agency in rows:
            one = rows[f.agency]
            one.received, one.finished = f["received"], f.finished
            one.on_time = f["early"] + f["on_time"]
    whole.received, whole.finished = total["received"], total.finished
    whole.on_time = total["early"] + total["on_time"]
    ratings = await _grouped(
        Rating,
        "SELECT agency, COUNT(*) AS n, SUM(CASE WHEN satisfied THEN 1 ELSE 0 END) AS yes "
        "FROM rating WHERE created_at >= {} AND created_at < {} GROUP BY agency",
        start,
        end,
    )
    for agency, r in ratings.items():
        for row in _and_total(rows, agency, whole):
            row.ratings += int(r["n"])
            row.satisfied += int(r["yes"] or 0)
    answered = await _grouped(
        Complaint,
        "SELECT agency, COUNT(*) AS n FROM complaint "
        "WHERE answered_at >= {} AND answered_at < {} GROUP BY agency",
        start,
        end,
    )
    for agency, r in answered.items():
        for row in _and_total(rows, agency, whole):
            row.complaints_answered += int(r["n"])
    shown = [r for r in rows.values() if r.kind != COMMUNE or r.has_figures]
    # Departments first, then the communes' committees that had work (as the lists read).
    shown.sort(key=lambda r: (r.kind == COMMUNE, fold(r.name), r.name))
    return Statistics(
        period,
        utcnow(),
        min_ratings,
        shown,
        whole,
        await trend.daily(period),
    )


_cache: dict[tuple[date, date], tuple[float, Statistics]] = {}


async def statistics(period: Period) -> Statistics:
    """The figures of the period as computed at most CACHE_SECONDS ago in this process."""
    key = (period.first, period.last)
    now = time.monotonic()
    kept = _cache.get(key)
    if kept is not None and now - kept[0] < CACHE_SECONDS:
        return kept[1]
    found = await compute(period)
    if len(_cache) >= CACHE_ENTRIES:
        for old in sorted(_cache, key=lambda k: _cache[k][0])[: len(_cache) // 2]:
            del _cache[old]
    _cache[key] = (now, found)
    return found


def clear_cache() -> None:
    _cache.clear()
