"""Finding a procedure (pages), and the administrator's working-day calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.access.guards import require_user
from backend.access.roles import Role
from backend.catalog import services
from backend.lib.errors import UserError
from backend.lib.i18n import N_
from backend.lib.web import form_errors, render, see_other
from backend.lib.workdays import WorkCalendar

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class CatalogController(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        agencies = await services.list_agencies()
        return render(request, "catalog/home.html", agencies=agencies)

    @get("/procedures")
    async def procedures(
        self, request: Request[Any, Any, Any], q: str = "", agency: str = ""
    ) -> Template:
        results = await services.search_procedures(q[:200], agency[:20])
        agencies = await services.list_agencies()
        return render(
            request,
            "catalog/procedures.html",
            partial="catalog/_results.html",
            q=q,
            agency=agency,
            results=results,
            agencies=agencies,
        )

    @get("/procedures/{procedure_id:int}")
    async def procedure(self, request: Request[Any, Any, Any], procedure_id: int) -> Template:
        proc = await services.get_procedure(procedure_id)
        return render(request, "catalog/procedure.html", proc=proc)


class AdminCalendarController(Controller):
    """Days off and swapped working days the government announces each year."""

    path = "/admin/calendar"
    include_in_schema = False

    async def _page(
        self, request: Request[Any, Any, Any], status: int = 200, **ctx: Any
    ) -> Template:
        days = await services.list_calendar_days()
        year = date.today().year
        calendar = await services.load_calendar()
        return render(
            request,
            "catalog/admin_calendar.html",
            status_code=status,
            days=days,
            upcoming=_public_holidays(calendar, year),
            year=year,
            values=ctx.pop("values", {}),
            errors=ctx.pop("errors", {}),
            **ctx,
        )

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.ADMIN)
        return await self._page(request)

    @post("/")
    async def add(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            try:
                day = date.fromisoformat(data.get("day", ""))
            except ValueError:
                raise UserError(N_("Vui lòng chọn ngày."), field="day") from None
            await services.set_calendar_day(day, data.get("working") == "1", data.get("note", ""))
        except UserError as e:
            return await self._page(request, 422, values=data, errors=form_errors(e))
        return see_other("/admin/calendar/")

    @post("/{day_id:int}/delete")
    async def remove(self, request: Request[Any, Any, Any], day_id: int) -> Redirect:
        require_user(request, Role.ADMIN)
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
