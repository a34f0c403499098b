"""The catalog's shared services: the working-day calendar and the procedures' search text."""

from __future__ import annotations

from datetime import date

from backend.catalog.tables import CalendarDay
from backend.lib.errors import UserError
from backend.lib.i18n import N_
from backend.lib.text import fold
from backend.lib.workdays import WorkCalendar


def procedure_search_text(name: str, national_code: str | None, field: str, agency: str) -> str:
    return fold(" ".join(filter(None, [name, national_code or "", field, agency])))


async def load_calendar() -> WorkCalendar:
    rows = await CalendarDay.select(CalendarDay.day, CalendarDay.working)
    return WorkCalendar(
        extra_days_off=frozenset(r["day"] for r in rows if not r["working"]),
        extra_working_days=frozenset(r["day"] for r in rows if r["working"]),
    )


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
