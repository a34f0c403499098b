"""The dossier register (sổ theo dõi hồ sơ, form 07): every dossier received in a period, in
order of receipt, with when it was received, promised, finished and returned, and who received
it. Read from the dossiers and their events, so the register is what happened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.columns.combination import Combinable

from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.workflow import Action
from backend.lib.clock import local_days_bounds
from backend.lib.pagination import Page, paginate
from backend.settings import get_settings

# The events that put a dossier in the register, and those that end it for the citizen.
RECEIPT = (Action.ACCEPT.value, Action.INTAKE.value)
RETURN = (Action.HAND_OVER.value, Action.POST_DELIVERED.value, Action.RESULT_AVAILABLE.value)
COLUMNS = (
    Dossier.id,
    Dossier.code,
    Dossier.applicant_name,
    Dossier.applicant_phone,
    Dossier.channel,
    Dossier.received_at,
    Dossier.register_number,
    Dossier.promised_date,
    Dossier.appointment_date,
    Dossier.finished_at,
    Dossier.procedure.name.as_alias("procedure_name"),
    Dossier.agency.name.as_alias("agency_name"),
)
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def bounds(self) -> tuple[datetime, datetime]:
        """The period in UTC: from the first day's local midnight to the day after the last."""
        return local_days_bounds(self.first, self.last)


def entry(row: dict[str, Any]) -> str:
    """ "12/2026": the dossier's number in the book of the year it was received (Vietnam
    time), as form 01 prints it; "" before receipt or for dossiers received before numbering."""
    if row.get("register_number") is None or row.get("received_at") is None:
        return ""
    year = row["received_at"].astimezone(get_settings().time_zone).year
    return f"{row['register_number']}/{year}"


def period(first: date | None, last: date | None, today: date) -> Period:
    """The period asked for, by default this month so far; never longer than a year."""
    last = min(last or today, today)
    first = first or last.replace(day=1)
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
    return Period(first, last)


def _received_in(p: Period) -> Combinable:
    start, end = p.bounds()
    return (Dossier.received_at >= start) & (Dossier.received_at < end)


async def _with_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Who received each dossier and when its result reached the citizen (one query)."""
    ids = [r["id"] for r in rows]
    by_dossier: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if ids:
        events = (
            await DossierEvent.select(
                DossierEvent.dossier,
                DossierEvent.action,
                DossierEvent.at,
                DossierEvent.actor.full_name.as_alias("actor_name"),
            )
            .where(DossierEvent.dossier.is_in(ids) & DossierEvent.action.is_in([*RECEIPT, *RETURN]))
            .order_by(DossierEvent.seq)
        )
        for e in events:
            seen = by_dossier[e["dossier"]]
            if e["action"] in RECEIPT:
                seen.setdefault("received_by", e["actor_name"] or "")
            else:
                seen.setdefault("returned_at", e["at"])
    for r in rows:
        r.update({"received_by": "", "returned_at": None, **by_dossier[r["id"]]})
    return rows


async def page(p: Period, number: int, query: dict[str, str]) -> Page[dict[str, Any]]:
    where = _received_in(p)
    select = (
        Dossier.select(*COLUMNS).where(where).order_by(Dossier.received_at).order_by(Dossier.id)
    )
    found = await paginate(select, Dossier.count().where(where), number, size=100, query=query)
    await _with_events(found.rows)
    return found


async def every_row(p: Period, batch: int = 500) -> AsyncIterator[dict[str, Any]]:
    """The whole register of the period, in order, a batch at a time (for the export)."""
    where = _received_in(p)
    offset = 0
    while True:
        rows = (
            await Dossier.select(*COLUMNS)
            .where(where)
            .order_by(Dossier.received_at)
            .order_by(Dossier.id)
            .offset(offset)
            .limit(batch)
        )
        if not rows:
            return
        for row in await _with_events(rows):
            yield row
        offset += batch
