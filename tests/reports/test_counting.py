"""The daily counters kept with each transition equal a recomputation from the events, after
random sequences of transitions (hypothesis), on both engines (issue 13)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.dossiers.workflow import Action, State
from backend.reports.counting import METRICS, month_of, rebuild_all, recompute
from backend.reports.tables import ReportDay, ReportHandling, ReportMonth, ReportMonthHandling
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at

# Each example lives in a window of days of its own, after anything other tests touch.
FIRST_DAY = date(2031, 1, 6)
WINDOW = 90
_windows = itertools.count()

ACCEPT = [("counter", Action.ACCEPT)]
WORK = [("specialist", Action.TAKE)]
DECIDE = [("specialist", Action.DRAFT_RESULT), ("leader", Action.APPROVE)]
SUPPLEMENT = [
    ("specialist", Action.REQUEST_SUPPLEMENT),
    ("owner", Action.SUPPLEMENT),
    ("specialist", Action.RECHECK),
]
SECOND = [
    ("leader", Action.REQUEST_SUPPLEMENT),
    ("owner", Action.SUPPLEMENT),
    ("specialist", Action.RECHECK),
]
PATHS: list[list[tuple[str, Action]]] = [
    ACCEPT + WORK + DECIDE,
    ACCEPT + WORK + DECIDE + [("counter", Action.HAND_OVER)],
    ACCEPT + WORK + SUPPLEMENT + DECIDE,
    ACCEPT + WORK + SUPPLEMENT + SECOND + DECIDE,
    ACCEPT + WORK + [("leader", Action.APOLOGIZE)] + DECIDE,
    [("counter", Action.REFUSE)],
    [("counter", Action.REQUEST_SUPPLEMENT), ("owner", Action.SUPPLEMENT), *ACCEPT],
    [("owner", Action.WITHDRAW)],
    [*ACCEPT, ("owner", Action.WITHDRAW)],
    [*ACCEPT, ("leader", Action.STOP)],
]
dossier_plans = st.lists(
    st.tuples(
        st.sampled_from(range(len(PATHS))),
        st.sampled_from(["paper", "electronic"]),
        st.lists(st.integers(min_value=0, max_value=4), min_size=12, max_size=12),
    ),
    min_size=1,
    max_size=3,
)


async def kept(first: date, last: date) -> tuple[dict[Any, Counter[str]], Counter[Any]]:
    days: dict[Any, Counter[str]] = {}
    for r in await ReportDay.select().where((ReportDay.day >= first) & (ReportDay.day <= last)):
        counts = Counter({m: r[m] for m in METRICS if r[m]})
        if counts or any(r[m] == 0 for m in ("early", "on_time", "late")):
            key = (r["day"], r["agency"], r["procedure"], r["channel"])
            days[key] = Counter({m: r[m] for m in METRICS if r[m] or m == "handling_days"})
    spread: Counter[Any] = Counter()
    for r in await ReportHandling.select().where(
        (ReportHandling.day >= first) & (ReportHandling.day <= last)
    ):
        spread[(r["day"], r["agency"], r["procedure"], r["days"])] = r["dossiers"]
    return days, spread


def comparable(days: dict[Any, Counter[str]]) -> dict[Any, dict[str, int]]:
    return {k: {m: n for m, n in c.items() if n} for k, c in days.items()}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=dossier_plans)
async def test_kept_counters_equal_a_recomputation(
    factory: Factory, clock: Clock, plans: list[tuple[int, str, list[int]]]
) -> None:
    first = FIRST_DAY + timedelta(days=WINDOW * next(_windows))
    made = []
    for n, (path, kind, gaps) in enumerate(plans):
        day = first + timedelta(days=n)
        clock.now = at(day, 9)
        dossier_id = await factory.create(State.SUBMITTED)
        made.append(dossier_id)
        for (who, action), gap in zip(PATHS[path], gaps, strict=False):
            if action is Action.HAND_OVER and kind == "electronic":
                continue  # an electronic result is in the citizen's account as it is signed
            day += timedelta(days=gap)
            clock.now = at(day, 10)
            if action is Action.SUPPLEMENT:
                await factory.add_supplement_page(factory.people["owner"], dossier_id)
            user = (
                factory.people["owner"]
                if who == "owner"
                else factory.people.get(who) or factory.staff("stp", who)
            )
            await factory.act(user, dossier_id, action, result_kind=kind)
    last = first + timedelta(days=WINDOW - 1)
    kept_days, kept_spread = await kept(first, last)
    days, spread = await recompute(made)
    assert comparable(kept_days) == comparable(days)
    assert kept_spread == spread
    assert any(c for c in days.values())  # something was counted
    # Each month kept is the sum of its days (kept, and just shown equal to the events').
    assert await months_kept(first, last) == await months_of_days(first, last)


async def months_kept(first: date, last: date) -> tuple[dict[Any, Counter[str]], Counter[Any]]:
    window = (ReportMonth.month >= month_of(first)) & (ReportMonth.month <= last)
    months = {
        (r["month"], r["agency"], r["procedure"], r["channel"]): +Counter(
            {m: r[m] for m in METRICS}
        )
        for r in await ReportMonth.select().where(window)
    }
    spread: Counter[Any] = Counter()
    for r in await ReportMonthHandling.select().where(
        (ReportMonthHandling.month >= month_of(first)) & (ReportMonthHandling.month <= last)
    ):
        spread[(r["month"], r["agency"], r["procedure"], r["days"])] = r["dossiers"]
    return {k: c for k, c in months.items() if c}, spread


async def months_of_days(first: date, last: date) -> tuple[dict[Any, Counter[str]], Counter[Any]]:
    """The kept days of every month the window touches, summed per month."""
    begin, end = month_of(first), month_of(last + timedelta(days=32))
    months: dict[Any, Counter[str]] = {}
    for r in await ReportDay.select().where((ReportDay.day >= begin) & (ReportDay.day < end)):
        key = (month_of(r["day"]), r["agency"], r["procedure"], r["channel"])
        months.setdefault(key, Counter()).update({m: r[m] for m in METRICS})
    spread: Counter[Any] = Counter()
    for r in await ReportHandling.select().where(
        (ReportHandling.day >= begin) & (ReportHandling.day < end)
    ):
        spread[(month_of(r["day"]), r["agency"], r["procedure"], r["days"])] += r["dossiers"]
    return {k: +c for k, c in months.items() if +c}, spread


REBUILT_MONTH = date(2036, 6, 1)  # a month no other test writes in


async def _table(table: Any, period: str) -> list[tuple[Any, ...]]:
    column = getattr(table, period)
    rows = await table.select().where(
        (column >= REBUILT_MONTH) & (column < REBUILT_MONTH + timedelta(days=30))
    )
    return sorted(tuple(v for k, v in r.items() if k != "id") for r in rows)


async def test_a_rebuild_writes_back_what_was_kept(factory: Factory, clock: Clock) -> None:
    """`python -m backend.reports rebuild` on a database whose counters were kept by the
    listener changes nothing: days and months alike."""
    clock.now = at(REBUILT_MONTH + timedelta(days=1), 9)  # Tuesday 2 June 2036
    dossier_id = await factory.create(State.SUBMITTED)
    for who, action in ACCEPT + WORK + DECIDE:
        user = factory.people.get(who) or factory.staff("stp", who)
        await factory.act(user, dossier_id, action)
    tables = (
        (ReportDay, "day"),
        (ReportHandling, "day"),
        (ReportMonth, "month"),
        (ReportMonthHandling, "month"),
    )
    before = [await _table(t, p) for t, p in tables]
    assert all(before)
    await rebuild_all()
    assert [await _table(t, p) for t, p in tables] == before
