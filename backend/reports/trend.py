"""The trend of a period: received and finished on time per month (a long period) or per
week (a month), from one grouped query over the daily counters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backend.lib.formatting import format_date
from backend.lib.i18n import gettext
from backend.reports.charts import Point
from backend.reports.periods import Period
from backend.reports.tables import ReportDay

# Up to about two months, a point per week; beyond, a point per month.
WEEKLY_UP_TO_DAYS = 62

Daily = dict[date, tuple[int, int]]  # day -> (received, finished early or on time)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def daily(period: Period, agency: int | None = None) -> Daily:
    """Received and on time (early included) per local day of the period: at most 366 rows
    for a year, whatever the number of dossiers."""
    sql = (
        "SELECT day, SUM(received) AS received, SUM(early) + SUM(on_time) AS on_time "
        "FROM report_day WHERE day >= {} AND day <= {}"
    )
    values: list[Any] = [period.first, period.last]
    if agency is not None:
        sql += " AND agency = {}"
        values.append(agency)
    rows = await ReportDay.raw(sql + " GROUP BY day", *values)
    return {_day(r["day"]): (int(r["received"] or 0), int(r["on_time"] or 0)) for r in rows}


def buckets(first: date, last: date) -> list[tuple[date, date]]:
    """The weeks (Monday to Sunday, cut at the period's ends) or the months from first to
    last."""
    found: list[tuple[date, date]] = []
    start = first
    weekly = (last - first).days < WEEKLY_UP_TO_DAYS
    while start <= last:
        if weekly:
            end = start + timedelta(days=6 - start.weekday())
        else:
            end = (start.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        end = min(end, last)
        found.append((start, end))
        start = end + timedelta(days=1)
    return found


def points(days: Daily, first: date, last: date) -> list[Point]:
    """One point per week or month from first to last (`last` may stop at today so that the
    months to come do not look like a fall)."""
    found: list[Point] = []
    several_years = first.year != last.year
    for start, end in buckets(first, last):
        received = on_time = 0
        for day, (r, o) in days.items():
            if start <= day <= end:
                received += r
                on_time += o
        if (last - first).days < WEEKLY_UP_TO_DAYS:
            label = f"{start:%d/%m}"
            name = format_date(start) if start == end else f"{start:%d/%m} – {format_date(end)}"
        else:
            label = gettext("T%(month)d") % {"month": start.month}
            if several_years:
                label += f"/{start:%y}"
            name = gettext("Tháng %(month)d/%(year)d") % {"month": start.month, "year": start.year}
        found.append(Point(label, name, received, on_time))
    return found
