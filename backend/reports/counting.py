"""What each step of a dossier adds to the day's counters, kept with the step and rebuilt from
the events by the same rule.

`increments` is the one rule: given the step (action, the state it left, its time, its data)
and the dossier's columns that step fixed (agency from receipt, channel, procedure, the
appointment of form 01, on_time and result kind at the decision), it says which counters
move. The listener calls it inside the transition's transaction with the dossier as the step
left it; `rebuild` calls it for every stored event with the dossier as it is now, which is
the same for those columns (none of them changes after the step that fixes it).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from piccolo.query.functions.aggregate import Max

from backend.catalog.services import load_calendar
from backend.dossiers import listeners
from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.workflow import Action, State
from backend.lib.db import write_transaction
from backend.lib.workdays import WorkCalendar
from backend.reports.tables import ReportDay, ReportHandling, ReportMonth, ReportMonthHandling
from backend.settings import get_settings

COUNTED = (
    Action.ACCEPT,
    Action.INTAKE,
    Action.APPROVE,
    Action.REFUSE,
    Action.STOP,
    Action.WITHDRAW,
    Action.REQUEST_SUPPLEMENT,
    Action.APOLOGIZE,
    Action.HAND_OVER,
    Action.POST_DELIVERED,
    Action.RESULT_AVAILABLE,
)
METRICS = (
    "received",
    "early",
    "on_time",
    "late",
    "handling_days",
    "refused",
    "stopped",
    "withdrawn",
    "withdrawn_unreceived",
    "supplement_requests",
    "second_supplements",
    "apologies",
    "electronic_results",
    "returned_counter",
    "returned_post",
    "returned_electronic",
)
Key = tuple[date, int, int, int]  # day, agency, procedure, channel


def local_day(moment: datetime) -> date:
    return moment.astimezone(get_settings().time_zone).date()


def key_of(dossier: dict[str, Any], at: datetime) -> Key:
    return (
        local_day(at),
        int(dossier["agency"] or 0),
        int(dossier["procedure"] or 0),
        int(dossier["channel"] or 0),
    )


def increments(
    action: Action,
    source: str,
    at: datetime,
    data: dict[str, Any],
    dossier: dict[str, Any],
    calendar: WorkCalendar,
    waited_days: int,
) -> tuple[dict[str, int], int | None]:
    """The counters one step moves, and the dossier's handling time if it is decided now."""
    moved: dict[str, int] = {}
    handling = None
    if action in (Action.ACCEPT, Action.INTAKE):
        moved["received"] = 1
    elif action is Action.APPROVE:
        finished = local_day(at)
        due = dossier["promised_date"] or dossier["appointment_date"]
        if not dossier["on_time"]:
            moved["late"] = 1
        elif due is not None and finished < due:
            moved["early"] = 1
        else:
            moved["on_time"] = 1
        received = local_day(dossier["received_at"]) if dossier["received_at"] else finished
        handling = max(0, calendar.working_days_between(received, finished) - waited_days)
        moved["handling_days"] = handling
        if dossier["result_kind"] == "electronic":
            moved["electronic_results"] = 1
    elif action is Action.REFUSE:
        moved["refused"] = 1
    elif action is Action.STOP:
        moved["stopped"] = 1
    elif action is Action.WITHDRAW:
        moved["withdrawn" if dossier["received_at"] else "withdrawn_unreceived"] = 1
    elif action is Action.REQUEST_SUPPLEMENT and source != State.SUBMITTED.value:
        moved["supplement_requests"] = 1
        if int(data.get("supplement_count") or 0) >= 2:
            moved["second_supplements"] = 1
    elif action is Action.APOLOGIZE:
        moved["apologies"] = 1
    elif action is Action.HAND_OVER:
        moved["returned_counter"] = 1
    elif action is Action.POST_DELIVERED:
        moved["returned_post"] = 1
    elif action is Action.RESULT_AVAILABLE:
        moved["returned_electronic"] = 1
    return moved, handling


async def waited_days(dossier_id: int) -> int:
    """Working days the citizen took to answer supplement requests during processing (each
    SUPPLEMENT event records them)."""
    total = 0
    for e in await DossierEvent.select(DossierEvent.data).where(
        (DossierEvent.dossier == dossier_id) & (DossierEvent.action == Action.SUPPLEMENT.value)
    ):
        total += int(json.loads(e["data"] or "{}").get("waited_days") or 0)
    return total


def month_of(day: date) -> date:
    return day.replace(day=1)


async def _add(key: Key, moved: dict[str, int], handling: int | None) -> None:
    """One upsert per table, its day's row and its month's, inside the caller's transaction."""
    day, agency, procedure, channel = key
    for table, period, first in (
        ("report_day", "day", day),
        ("report_month", "month", month_of(day)),
    ):
        if moved:
            names = sorted(moved)
            columns = ", ".join(names)
            marks = ", ".join("{}" for _ in names)
            updates = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in names)
            await ReportDay.raw(
                f"INSERT INTO {table} ({period}, agency, procedure, channel, {columns}) "
                f"VALUES ({{}}, {{}}, {{}}, {{}}, {marks}) "
                f"ON CONFLICT ({period}, agency, procedure, channel) DO UPDATE SET {updates}",
                first,
                agency,
                procedure,
                channel,
                *(moved[n] for n in names),
            )
    if handling is not None:
        for table, period, first in (
            ("report_handling", "day", day),
            ("report_month_handling", "month", month_of(day)),
        ):
            await ReportHandling.raw(
                f"INSERT INTO {table} ({period}, agency, procedure, days, dossiers) "
                f"VALUES ({{}}, {{}}, {{}}, {{}}, 1) "
                f"ON CONFLICT ({period}, agency, procedure, days) "
                f"DO UPDATE SET dossiers = {table}.dossiers + 1",
                first,
                agency,
                procedure,
                handling,
            )


async def count_step(change: listeners.Change) -> None:
    """Listener of every counted action (backend.reports.routes)."""
    action = change.action
    waited = await waited_days(change.after["id"]) if action is Action.APPROVE else 0
    moved, handling = increments(
        action,
        change.transition.source.value,
        change.now,
        change.data,
        change.after,
        await load_calendar(),
        waited,
    )
    await _add(key_of(change.after, change.now), moved, handling)


def _counters(row: Any, key: Key, counts: Counter[str]) -> Any:
    """A day's or a month's row (its date already set) with the key's other parts and counts."""
    row.agency, row.procedure, row.channel = key[1], key[2], key[3]
    for metric, n in counts.items():
        setattr(row, metric, n)
    return row


async def _replace(table: Any, rows: list[Any]) -> None:
    """Every row of `table` replaced by `rows` (inside the caller's transaction)."""
    await table.delete(force=True)
    for start in range(0, len(rows), 500):
        await table.insert(*rows[start : start + 500])


# Dossiers per batch when recomputing everything: the events of a batch are read, counted and
# dropped, so memory holds the counters, not a million dossiers' events (issue 13, measured at
# 1,000,000 dossiers by bench/generate.py).
BATCH = 20_000


async def recompute(
    dossier_ids: list[int] | None = None,
) -> tuple[dict[Key, Counter[str]], Counter[tuple[date, int, int, int]]]:
    """The counters as the stored events make them (of the given dossiers, or of all)."""
    calendar = await load_calendar()
    days: dict[Key, Counter[str]] = defaultdict(Counter)
    spread: Counter[tuple[date, int, int, int]] = Counter()
    if dossier_ids is not None:
        await _count(DossierEvent.dossier.is_in(dossier_ids or [0]), calendar, days, spread)
    else:
        top = await Dossier.select(Max(Dossier.id).as_alias("top")).first()
        last = int(top["top"] or 0) if top else 0
        # Every event of a dossier falls in its dossier's batch (the supplement pauses are
        # summed per dossier), and the counters only add up: the same result as one pass.
        for low in range(0, last + 1, BATCH):
            where = (DossierEvent.dossier >= low) & (DossierEvent.dossier < low + BATCH)
            await _count(where, calendar, days, spread)
    return {k: c for k, c in days.items() if c}, spread


async def _count(
    where: Any,
    calendar: WorkCalendar,
    days: dict[Key, Counter[str]],
    spread: Counter[tuple[date, int, int, int]],
) -> None:
    """Adds the counted events matching `where` to `days` and `spread`."""
    wanted = [a.value for a in (*COUNTED, Action.SUPPLEMENT)]
    events = await (
        DossierEvent.select(
            DossierEvent.dossier,
            DossierEvent.at,
            DossierEvent.action,
            DossierEvent.state_from,
            DossierEvent.data,
        )
        .where(where & DossierEvent.action.is_in(wanted))
        .order_by(DossierEvent.seq)
    )
    waited: Counter[int] = Counter()
    for e in events:
        if e["action"] == Action.SUPPLEMENT.value:
            waited[e["dossier"]] += int(json.loads(e["data"] or "{}").get("waited_days") or 0)
    dossiers = await _dossiers(sorted({e["dossier"] for e in events}))
    for e in events:
        if e["action"] == Action.SUPPLEMENT.value:
            continue
        dossier = dossiers[e["dossier"]]
        moved, handling = increments(
            Action(e["action"]),
            e["state_from"],
            e["at"],
            json.loads(e["data"] or "{}"),
            dossier,
            calendar,
            waited[e["dossier"]],
        )
        key = key_of(dossier, e["at"])
        days[key].update(moved)
        if handling is not None:
            spread[(key[0], key[1], key[2], handling)] += 1


async def _dossiers(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The columns `increments` reads, of these dossiers (a range at a time when they are
    many and dense, else by lists of 500)."""
    columns = (
        Dossier.id,
        Dossier.agency,
        Dossier.procedure,
        Dossier.channel,
        Dossier.promised_date,
        Dossier.appointment_date,
        Dossier.received_at,
        Dossier.on_time,
        Dossier.result_kind,
    )
    found: dict[int, dict[str, Any]] = {}
    if len(ids) > 500:
        wanted = set(ids)
        for row in await Dossier.select(*columns).where(
            (Dossier.id >= ids[0]) & (Dossier.id <= ids[-1])
        ):
            if row["id"] in wanted:
                found[row["id"]] = row
        return found
    for start in range(0, len(ids), 500):
        for row in await Dossier.select(*columns).where(Dossier.id.is_in(ids[start : start + 500])):
            found[row["id"]] = row
    return found


async def rebuild_all() -> dict[str, int]:
    """Every counter, daily and monthly, recomputed from the stored events (for a new
    installation of the reports, after loading dossiers by other means, or to check them)."""
    return {**await rebuild(), **await rebuild_months()}


async def rebuild_months() -> dict[str, int]:
    """The monthly counters summed from the daily ones, replacing what was kept."""
    months: dict[Key, Counter[str]] = defaultdict(Counter)
    for r in await ReportDay.select():
        months[(month_of(r["day"]), r["agency"], r["procedure"], r["channel"])].update(
            {m: r[m] for m in METRICS if r[m]}
        )
    spread: Counter[tuple[date, int, int, int]] = Counter()
    for r in await ReportHandling.select():
        spread[(month_of(r["day"]), r["agency"], r["procedure"], r["days"])] += r["dossiers"]
    async with write_transaction():
        rows = [_counters(ReportMonth(month=k[0]), k, months[k]) for k in sorted(months)]
        handling_rows = [
            ReportMonthHandling(month=k[0], agency=k[1], procedure=k[2], days=k[3], dossiers=n)
            for k, n in sorted(spread.items())
        ]
        await _replace(ReportMonth, rows)
        await _replace(ReportMonthHandling, handling_rows)
    return {"report_month": len(rows), "report_month_handling": len(handling_rows)}


async def rebuild() -> dict[str, int]:
    """The daily counters recomputed from the stored events, replacing what was kept; the
    monthly ones are then stale: call `rebuild_all`. (This one stays days-only because the
    reports' first migration calls it, before the monthly tables exist.) Returns how many
    rows it wrote."""
    days, spread = await recompute()
    async with write_transaction():
        # In order of day: the rows of a period lie together (the kept rows are appended in
        # the order of days too), which the dashboard's range reads like.
        rows = [_counters(ReportDay(day=k[0]), k, days[k]) for k in sorted(days)]
        handling_rows = [
            ReportHandling(day=k[0], agency=k[1], procedure=k[2], days=k[3], dossiers=n)
            for k, n in sorted(spread.items())
        ]
        await _replace(ReportDay, rows)
        await _replace(ReportHandling, handling_rows)
    return {"report_day": len(rows), "report_handling": len(handling_rows)}
