"""The working-day calendar (/admin/calendar/)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import requires
from backend.access.roles import Role
from backend.catalog import queries, services
from backend.catalog.schemas import CalendarDayInput
from backend.lib.admin import AdminPages, AdminSection, section
from backend.lib.clock import utcnow
from backend.lib.forms import read
from backend.lib.i18n import N_
from backend.lib.web import FormData, render, see_other
from backend.lib.workdays import WorkCalendar
from backend.settings import get_settings

CALENDAR_PAGES = AdminPages(
    list_template="admin/calendar.html", form_template="admin/calendar.html"
)


class AdminCalendarController(Controller):
    """Days off and swapped working days the government announces each year."""

    path = "/admin/calendar"
    include_in_schema = False
    guards = [requires(Role.ADMIN)]
    opt = section(
        AdminSection(
            80,
            "/admin/calendar/",
            N_("Lịch làm việc"),
            N_("Ngày nghỉ bù, ngày làm bù theo thông báo hằng năm"),
        )
    )

    async def _page(self, request: HTMXRequest, status: int = 200, **ctx: Any) -> Template:
        # Vietnam's date, not the server's: on 31 December at 20:00 UTC it is already January.
        year = utcnow().astimezone(get_settings().time_zone).year
        days = await queries.list_calendar_days()
        calendar = await services.load_calendar()
        return render(
            request,
            "admin/calendar.html",
            status_code=status,
            days=days,
            # This year and the next: Tết of next year must be reviewable in December.
            years=[_year(calendar, y, days) for y in (year, year + 1)],
            values=ctx.pop("values", {}),
            errors=ctx.pop("errors", {}),
            **ctx,
        )

    @get("/")
    async def index(self, request: HTMXRequest) -> Template:
        return await self._page(request)

    @post("/")
    async def add(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        async def save() -> str:
            form = read(CalendarDayInput, data)
            assert form.day is not None
            await services.set_calendar_day(form.day, form.working, form.note)
            return "/admin/calendar/"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._page(request, 422, values=values, errors=errors)

        return await CALENDAR_PAGES.submit(request, data, save, refused=refused)

    @post("/{day_id:int}/delete")
    async def remove(self, day_id: int) -> Redirect:
        await services.remove_calendar_day(day_id)
        return see_other("/admin/calendar/")


def _year(calendar: WorkCalendar, year: int, corrections: list[dict[str, Any]]) -> dict[str, Any]:
    """A year for the administrator to check: the weekdays off, the weekend days worked, and
    whether an official notice was recorded for it (a correction entered for that year); until
    then the days come from the general rules (Labour Code art. 112, lunar dates) and the
    swaps announced each year are missing."""
    day, days_off, worked = date(year, 1, 1), [], []
    while day.year == year:
        working = calendar.is_working_day(day)
        if day.weekday() < 5 and not working:
            days_off.append(day)
        elif day.weekday() >= 5 and working:
            worked.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    confirmed = any(c["day"].year == year for c in corrections)
    return {"year": year, "days_off": days_off, "worked": worked, "confirmed": confirmed}
