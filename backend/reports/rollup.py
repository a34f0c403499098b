"""Sums over a period from the monthly counters where whole months are covered and the daily
ones at the edges: a year is twelve rows per key instead of 365 (issue 13: the year's dashboard
at a million dossiers on SQLite), and the same numbers, since each month row is the sum of its
days (kept by the same upsert, checked by a property test)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backend.reports.counting import month_of
from backend.reports.tables import ReportDay

# (daily table, monthly table, the column naming the period in each)
COUNTERS = ("report_day", "report_month")
HANDLING = ("report_handling", "report_month_handling")


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def spans(first: date | None, last: date) -> list[tuple[str, date | None, date]]:
    """[first, last] (first None: since the beginning) as ("day" | "month", from, to) ranges:
    the whole months inside it, and the days before and after them."""
    day = timedelta(days=1)
    # Whole months are those from `begin` (a first of month) up to the day before `end`.
    begin = first if first is None or first.day == 1 else _next_month(month_of(first))
    end = month_of(last + day)
    if begin is not None and begin >= end:
        return [("day", first, last)]
    found: list[tuple[str, date | None, date]] = [("month", begin, end - day)]
    if first is not None and begin is not None and first < begin:
        found.append(("day", first, begin - day))
    if end <= last:
        found.append(("day", end, last))
    return found


async def summed(
    columns: str,
    first: date | None,
    last: date,
    group: str,
    where: str = "",
    values: tuple[Any, ...] = (),
    tables: tuple[str, str] = COUNTERS,
) -> list[dict[str, Any]]:
    """`SELECT group, columns ... GROUP BY group` over the period, one result set per span:
    the same group may come more than once, to be added up by the caller. `where` is an extra
    condition with `{}` marks for `values`."""
    rows: list[dict[str, Any]] = []
    for kind, lo, hi in spans(first, last):
        table = tables[0] if kind == "day" else tables[1]
        conditions, args = [f"{kind} <= {{}}"], [hi]
        if lo is not None:
            conditions.append(f"{kind} >= {{}}")
            args.append(lo)
        if where:
            conditions.append(where)
        sql = (
            f"SELECT {group}, {columns} FROM {table} WHERE {' AND '.join(conditions)} "
            f"GROUP BY {group}"
        )
        rows += await ReportDay.raw(sql, *args, *values)
    return rows
