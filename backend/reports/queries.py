"""The figures of a period, per agency and in total, from the monthly and daily counters (a
few thousand rows a year, backend.reports.rollup) and, for what is true now (in progress, overdue), from the open dossiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.catalog.tables import Agency
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import OPEN_STATES, State
from backend.lib.clock import local_today
from backend.reports import rollup
from backend.reports.counting import METRICS
from backend.reports.periods import Period

CHANNELS = {1: "counter", 2: "online", 3: "post"}
# Received and not closed: the clock runs, or waits for the citizen's papers.
RUNNING = sorted(s.value for s in (*OPEN_STATES, State.PROCESSING_SUPPLEMENT))


@dataclass
class Figures:
    """One agency's (or the total's) numbers for the period."""

    agency: int  # 0 for the total
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    spread: dict[int, int] = field(default_factory=dict)  # handling days -> dossiers

    def __getitem__(self, metric: str) -> int:
        return self.counts.get(metric, 0)

    def add(self, metric: str, value: int) -> None:
        self.counts[metric] = self.counts.get(metric, 0) + int(value or 0)

    @property
    def finished(self) -> int:
        return self["early"] + self["on_time"] + self["late"]

    @property
    def closed(self) -> int:
        """Received dossiers that left the work: decided, stopped or withdrawn."""
        return self.finished + self["stopped"] + self["withdrawn"]

    @property
    def in_progress(self) -> int:
        """At the end of the period: carried over and received, less what closed."""
        return self["carried_over"] + self["received"] - self.closed

    @property
    def average_days(self) -> float | None:
        return self["handling_days"] / self.finished if self.finished else None

    @property
    def median_days(self) -> float | None:
        return median(self.spread)

    @property
    def on_time_share(self) -> float | None:
        return share(self["early"] + self["on_time"], self.finished)


def share(part: int, whole: int) -> float | None:
    """A percentage, or None when there is nothing to divide (shown as "—", never 0%)."""
    return 100 * part / whole if whole else None


def median(spread: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}."""
    total = sum(spread.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the middle two
    found: list[int] = []
    seen = 0
    for value in sorted(spread):
        upto = seen + spread[value]
        found.extend(value for w in wanted if seen <= w < upto)
        seen = upto
    return sum(found) / len(found)


async def _sums(
    first: date | None, last: date, agency: int | None, group: str
) -> list[dict[str, Any]]:
    metrics = ", ".join(f"SUM({m}) AS {m}" for m in METRICS)
    return await rollup.summed(metrics, first, last, group, *_agency(agency))


def _agency(agency: int | None) -> tuple[str, tuple[Any, ...]]:
    return ("agency = {}", (agency,)) if agency is not None else ("", ())


async def agency_names(kind: str | None = None) -> dict[int, str]:
    rows = await Agency.select(Agency.id, Agency.name, Agency.kind)
    return {r["id"]: r["name"] for r in rows if kind is None or r["kind"] == kind}


async def figures(
    period: Period, agency: int | None = None, names: dict[int, str] | None = None
) -> tuple[list[Figures], Figures]:
    """Every agency with something in the period (or the one asked for), and the total
    (`names`: the agencies' names, when the caller has read them already)."""
    names = names if names is not None else await agency_names()
    rows: dict[int, Figures] = {}

    def row(agency_id: int) -> Figures:
        if agency_id not in rows:
            rows[agency_id] = Figures(agency_id, names.get(agency_id, "—"))
        return rows[agency_id]

    for r in await _sums(period.first, period.last, agency, "agency, channel"):
        f = row(r["agency"])
        for m in METRICS:
            f.add(m, r[m])
        f.add("received_" + CHANNELS.get(r["channel"], "counter"), r["received"])
    # Carried over: received before the period and not closed before it.
    before = period.first.fromordinal(period.first.toordinal() - 1)
    # Only the columns it needs: this reads every month (and day) before the period.
    for r in await rollup.summed(
        "SUM(received) - SUM(early) - SUM(on_time) - SUM(late) - SUM(stopped) "
        "- SUM(withdrawn) AS carried",
        None,
        before,
        "agency",
        *_agency(agency),
    ):
        if r["carried"]:
            row(r["agency"]).add("carried_over", r["carried"])
    for r in await rollup.summed(
        "SUM(dossiers) AS n",
        period.first,
        period.last,
        "agency, days",
        *_agency(agency),
        tables=rollup.HANDLING,
    ):
        spread = row(r["agency"]).spread
        spread[r["days"]] = spread.get(r["days"], 0) + int(r["n"])
    await _now(rows, row, agency)
    ordered = sorted(rows.values(), key=lambda f: f.name)
    return ordered, total(ordered)


async def _now(rows: dict[int, Figures], row: Any, agency: int | None) -> None:
    """What is true today, whatever the period: open dossiers, and those past form 01's date
    (not while the clock waits for the citizen)."""
    today = local_today()
    # The open dossiers are few (about 1 in 75) and found by the state's index. `+agency` keeps
    # the planner off the agency's index: with ANALYZE statistics (a few states, each "a
    # tenth of the table") SQLite walked all of it in agency order to skip the sort (1.3 s at
    # a million dossiers, bench/dashboard.py).
    for r in await Dossier.raw(
        "SELECT +agency AS agency, COUNT(*) AS open, "
        "SUM(CASE WHEN promised_date < {} AND state <> 'processing_supplement' "
        "THEN 1 ELSE 0 END) AS overdue FROM dossier WHERE state IN ("
        + ", ".join("{}" for _ in RUNNING)
        + ")"
        + (" AND +agency = {}" if agency is not None else "")
        + " GROUP BY 1",
        today,
        *RUNNING,
        *([agency] if agency is not None else []),
    ):
        f = row(r["agency"] or 0)
        f.add("open_now", r["open"])
        f.add("overdue_now", r["overdue"] or 0)


def total(rows: list[Figures]) -> Figures:
    whole = Figures(0, "")
    for f in rows:
        for k, v in f.counts.items():
            whole.add(k, v)
        for days, n in f.spread.items():
            whole.spread[days] = whole.spread.get(days, 0) + n
    return whole
