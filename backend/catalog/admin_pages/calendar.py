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
from backend.lib.forms import read
from backend.lib.i18n import N_
from backend.lib.web import FormData, render, see_other
from backend.lib.workdays import WorkCalendar

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
        year = date.today().year
        return render(
            request,
            "admin/calendar.html",
            status_code=status,
            days=await queries.list_calendar_days(),
            upcoming=_public_holidays(await services.load_calendar(), year),
            year=year,
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


def _public_holidays(calendar: WorkCalendar, year: int) -> list[date]:
    """Weekdays that are not working days this year, for the administrator to check."""
    day, out = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and not calendar.is_working_day(day):
            out.append(day)
        day = date.fromordinal(day.toordinal() + 1)
    return out
