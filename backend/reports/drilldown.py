"""The dossiers behind a number of the dashboard, counted the same way as the number.

Each metric is a filter on the dossier table by the column its counter was kept from: the
receipt time for "received", the decision time for early/on time/late (a result was given:
result_kind is set), refused/stopped/withdrawn by their end time and state; what is true now
(open, overdue) by state. Early and on time differ by the local day of the decision against
form 01's date, which is told apart here by the same rule as counting.increments.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.workflow import Action, State
from backend.lib.clock import local_today
from backend.lib.i18n import N_
from backend.lib.pagination import Page
from backend.reports.counting import local_day
from backend.reports.periods import Period
from backend.reports.queries import RUNNING

METRICS: dict[str, str] = {
    "carried_over": N_("Hồ sơ từ kỳ trước chuyển sang"),
    "in_progress": N_("Hồ sơ đang giải quyết cuối kỳ"),
    "received": N_("Hồ sơ tiếp nhận"),
    "received_counter": N_("Hồ sơ tiếp nhận trực tiếp"),
    "received_online": N_("Hồ sơ tiếp nhận trực tuyến"),
    "received_post": N_("Hồ sơ tiếp nhận qua bưu chính"),
    "decided": N_("Hồ sơ đã giải quyết (có kết quả)"),
    "early": N_("Hồ sơ giải quyết trước hạn"),
    "on_time": N_("Hồ sơ giải quyết đúng hạn"),
    "late": N_("Hồ sơ giải quyết trễ hạn"),
    "refused": N_("Hồ sơ từ chối tiếp nhận"),
    "stopped": N_("Hồ sơ dừng giải quyết"),
    "withdrawn": N_("Hồ sơ rút sau khi tiếp nhận"),
    "open_now": N_("Hồ sơ đang giải quyết (hiện nay)"),
    "overdue_now": N_("Hồ sơ quá hạn (hiện nay)"),
    "electronic_results": N_("Hồ sơ có kết quả điện tử"),
    # Counted by their events: a dossier asked twice for papers is listed twice.
    "supplement_requests": N_("Yêu cầu bổ sung hồ sơ trong khi giải quyết"),
    "second_supplements": N_("Yêu cầu bổ sung lần thứ hai trở lên"),
    "apologies": N_("Văn bản xin lỗi, hẹn lại ngày trả"),
    "returned_counter": N_("Kết quả trả tại Bộ phận Một cửa"),
    "returned_post": N_("Kết quả trả qua bưu điện"),
    "returned_electronic": N_("Kết quả trả vào tài khoản điện tử"),
}
# The action each event-counted metric lists (counting.increments counts the same ones).
EVENT_OF = {
    "supplement_requests": Action.REQUEST_SUPPLEMENT,
    "second_supplements": Action.REQUEST_SUPPLEMENT,
    "apologies": Action.APOLOGIZE,
    "returned_counter": Action.HAND_OVER,
    "returned_post": Action.POST_DELIVERED,
    "returned_electronic": Action.RESULT_AVAILABLE,
}
CHANNEL_OF = {"received_counter": 1, "received_online": 2, "received_post": 3}
COLUMNS = (
    Dossier.id,
    Dossier.code,
    Dossier.channel,
    Dossier.received_at,
    Dossier.promised_date,
    Dossier.appointment_date,
    Dossier.finished_at,
    Dossier.on_time,
    Dossier.state,
    Dossier.procedure.name.as_alias("procedure_name"),
    Dossier.agency.name.as_alias("agency_name"),
)
PAGE_SIZE = 50
# Counted by the decision time: their lists are ordered in Python (see `dossiers`).
BY_DECISION = (
    "decided",
    "early",
    "on_time",
    "late",
    "refused",
    "stopped",
    "withdrawn",
    "electronic_results",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _filter(metric: str, period: Period, agency: int | None) -> Any:
    start, end = period.bounds()
    where: Any
    if metric.startswith("received"):
        where = (Dossier.received_at >= start) & (Dossier.received_at < end)
        if metric in CHANNEL_OF:
            where &= Dossier.channel == CHANNEL_OF[metric]
    elif metric in ("decided", "early", "on_time", "late", "electronic_results"):
        where = (
            (Dossier.finished_at >= start)
            & (Dossier.finished_at < end)
            & (Dossier.result_kind != "")
        )
        if metric == "electronic_results":
            where &= Dossier.result_kind == "electronic"
        elif metric != "decided":
            where &= Dossier.on_time.eq(metric != "late")
    elif metric in ("refused", "stopped", "withdrawn"):
        state = {"refused": "not_received", "stopped": "stopped", "withdrawn": "withdrawn"}[metric]
        where = (
            (Dossier.finished_at >= start) & (Dossier.finished_at < end) & (Dossier.state == state)
        )
        if metric == "withdrawn":
            where &= Dossier.received_at.is_not_null()
    else:
        where = Dossier.state.is_in(RUNNING)
        if metric == "overdue_now":
            where &= (Dossier.promised_date < local_today()) & (
                Dossier.state != "processing_supplement"
            )
    if agency is not None:
        where &= Dossier.agency == agency
    return where


def _early(row: dict[str, Any]) -> bool:
    due = row["promised_date"] or row["appointment_date"]
    return due is not None and local_day(row["finished_at"]) < due


async def dossiers(
    metric: str, period: Period, agency: int | None, number: int, query: dict[str, str]
) -> Page[dict[str, Any]]:
    """One page of the dossiers behind `metric`, in order of receipt (of the event, for the
    metrics counted by events), with the total."""
    if metric in EVENT_OF:
        return await _events(metric, period, agency, number, query)
    if metric in ("carried_over", "in_progress"):
        return await _open_at(metric, period, agency, number, query)
    where: Any = _filter(metric, period, agency)
    if metric in BY_DECISION:
        # Early and on time are told apart by the local day, as the counter was: decided in
        # Python on a narrow read, then only the page's rows are read in full. The other
        # metrics of the decision time are read the same way: asked for a page in order of
        # receipt, the databases walk the receipt index from 2 years back and filter a million
        # rows (1 s on PostgreSQL at 1,000,000 dossiers) instead of using the decision time's.
        narrow = await Dossier.select(
            Dossier.id,
            Dossier.received_at,
            Dossier.finished_at,
            Dossier.promised_date,
            Dossier.appointment_date,
        ).where(where)
        chosen = sorted(
            (
                r
                for r in narrow
                if metric not in ("early", "on_time") or _early(r) == (metric == "early")
            ),
            # Never-received dossiers (refused) last, as PostgreSQL orders NULLs.
            key=lambda r: (r["received_at"] is None, r["received_at"] or _EPOCH, r["id"]),
        )
        total = len(chosen)
        number = _within(number, total)
        page_ids = [r["id"] for r in chosen[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
        where = Dossier.id.is_in(page_ids or [0])
        offset = 0
    else:
        total = await Dossier.count().where(where)
        number = _within(number, total)
        offset = (number - 1) * PAGE_SIZE
    rows = await (
        Dossier.select(*COLUMNS)
        .where(where)
        .order_by(Dossier.received_at)
        .order_by(Dossier.id)
        .offset(offset)
        .limit(PAGE_SIZE)
    )
    return Page(rows, number, PAGE_SIZE, total, tuple(query.items()))


def _within(number: int, total: int) -> int:
    return min(max(1, number), max(1, -(-total // PAGE_SIZE)))


async def _events(
    metric: str, period: Period, agency: int | None, number: int, query: dict[str, str]
) -> Page[dict[str, Any]]:
    """The events behind an event-counted metric, newest last, each with its dossier: the rule
    of counting.increments (a supplement request counts once the dossier is received; the
    second one when the event says it is the second or later)."""
    start, end = period.bounds()
    # The action is written into the SQL (it is one of ours): each has a partial index on
    # `at` (migrations/reports), which a planner uses only when it sees the same constant.
    action = EVENT_OF[metric].value
    data = ", e.data" if metric == "second_supplements" else ""
    sql = (
        f"SELECT e.dossier, e.at{data} FROM dossier_event e "
        + ("JOIN dossier d ON d.id = e.dossier " if agency is not None else "")
        + f"WHERE e.action = '{action}' AND e.at >= {{}} AND e.at < {{}}"
    )
    values: list[Any] = [start, end]
    if agency is not None:
        sql += " AND d.agency = {}"
        values.append(agency)
    if EVENT_OF[metric] is Action.REQUEST_SUPPLEMENT:
        sql += f" AND e.state_from <> '{State.SUBMITTED.value}'"  # asked at intake: not counted
    chosen = [
        e
        for e in await DossierEvent.raw(sql + " ORDER BY e.at, e.seq", *values)
        if metric != "second_supplements"
        or int(json.loads(e["data"] or "{}").get("supplement_count") or 0) >= 2
    ]
    total = len(chosen)
    number = _within(number, total)
    shown = chosen[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    found = {
        r["id"]: r
        for r in await Dossier.select(*COLUMNS).where(
            Dossier.id.is_in([e["dossier"] for e in shown] or [0])
        )
    }
    rows = [{**found[e["dossier"]], "event_at": e["at"]} for e in shown if e["dossier"] in found]
    return Page(rows, number, PAGE_SIZE, total, tuple(query.items()))


async def _open_at(
    metric: str, period: Period, agency: int | None, number: int, query: dict[str, str]
) -> Page[dict[str, Any]]:
    """Carried over (open at the period's start) or in progress at its end: received before
    the moment and not closed before it (a result, a stop or a withdrawal sets finished_at; a
    refused dossier was never received). Read as two narrow index ranges, the still-open and
    the closed-later (one OR over both walked every dossier received before: 0.5 s at a
    million), then ordered by receipt here."""
    start, end = period.bounds()
    moment = start if metric == "carried_over" else end
    scope: Any = Dossier.received_at < moment
    if agency is not None:
        scope &= Dossier.agency == agency
    chosen: list[dict[str, Any]] = []
    for still in (Dossier.finished_at.is_null(), Dossier.finished_at >= moment):
        chosen += await Dossier.select(Dossier.id, Dossier.received_at).where(scope & still)
    chosen.sort(key=lambda r: (r["received_at"], r["id"]))
    total = len(chosen)
    number = _within(number, total)
    ids = [r["id"] for r in chosen[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]]
    rows = await (
        Dossier.select(*COLUMNS)
        .where(Dossier.id.is_in(ids or [0]))
        .order_by(Dossier.received_at)
        .order_by(Dossier.id)
    )
    return Page(rows, number, PAGE_SIZE, total, tuple(query.items()))
