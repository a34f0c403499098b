"""The procedure catalog: search, procedure pages, and the working-day calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.catalog.tables import Agency, CalendarDay, Procedure, RequiredDocument
from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_
from backend.lib.text import fold, search_terms
from backend.lib.workdays import WorkCalendar

PROCEDURE_LIST_COLUMNS = (
    Procedure.id,
    Procedure.catalog_id,
    Procedure.national_code,
    Procedure.name,
    Procedure.processing_days,
    Procedure.online_level,
    Procedure.fee_vnd,
    Procedure.agency.code.as_alias("agency_code"),
    Procedure.agency.name.as_alias("agency_name"),
)


def procedure_search_text(name: str, national_code: str | None, field: str, agency: str) -> str:
    return fold(" ".join(filter(None, [name, national_code or "", field, agency])))


async def search_procedures(
    query: str = "", agency_code: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    """Every word of the query must appear, diacritics and case ignored."""
    q = Procedure.select(*PROCEDURE_LIST_COLUMNS).where(Procedure.active.eq(True))
    for term in search_terms(query):
        q = q.where(Procedure.search_text.like(f"%{term}%"))
    if agency_code:
        q = q.where(Procedure.agency.code == agency_code)
    return await q.order_by(Procedure.name).limit(limit)


async def list_agencies() -> list[dict[str, Any]]:
    return await Agency.select(Agency.id, Agency.code, Agency.name, Agency.kind).order_by(Agency.id)


async def get_procedure(procedure_id: int) -> dict[str, Any]:
    row = (
        await Procedure.select(
            *Procedure.all_columns(exclude=[Procedure.search_text]),
            Procedure.agency.code.as_alias("agency_code"),
            Procedure.agency.name.as_alias("agency_name"),
        )
        .where((Procedure.id == procedure_id) & Procedure.active.eq(True))
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy thủ tục này."))
    row["documents"] = (
        await RequiredDocument.select()
        .where(RequiredDocument.procedure == procedure_id)
        .order_by(RequiredDocument.position)
    )
    row["delivery_options"] = [d for d in row["result_delivery"].split(",") if d]
    return row


async def load_calendar() -> WorkCalendar:
    rows = await CalendarDay.select(CalendarDay.day, CalendarDay.working)
    return WorkCalendar(
        extra_days_off=frozenset(r["day"] for r in rows if not r["working"]),
        extra_working_days=frozenset(r["day"] for r in rows if r["working"]),
    )


async def list_calendar_days() -> list[dict[str, Any]]:
    return await CalendarDay.select().order_by(CalendarDay.day, ascending=False)


async def set_calendar_day(day: date, working: bool, note: str) -> None:
    """Add or replace an administrator's correction for one day."""
    note = " ".join(note.split())[:200]
    if not note:
        raise UserError(
            N_("Vui lòng ghi lý do (ví dụ: theo Thông báo của UBND tỉnh)."), field="note"
        )
    async with CalendarDay._meta.db.transaction():
        await CalendarDay.delete().where(CalendarDay.day == day)
        await CalendarDay.insert(CalendarDay(day=day, working=working, note=note))


async def remove_calendar_day(day_id: int) -> None:
    await CalendarDay.delete().where(CalendarDay.id == day_id)
