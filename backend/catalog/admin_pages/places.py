"""The desks and agencies of the center: counters (/admin/counters/) and agencies
(/admin/agencies/)."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Litestar, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import requires
from backend.access.roles import Role
from backend.catalog import agencies, counters, queries
from backend.catalog.schemas import (
    AGENCY_KINDS,
    AgencyInput,
    CounterInput,
    NewAgencyInput,
)
from backend.lib.admin import AdminPages, AdminSection, gathered, section
from backend.lib.forms import read
from backend.lib.i18n import N_, ngettext
from backend.lib.pagination import Page
from backend.lib.web import FormData, see_other

# --- counters ----------------------------------------------------------------------------------


async def _active_counters() -> str:
    n = await queries.count_active_counters()
    return ngettext("%(num)d quầy đang dùng", "%(num)d quầy đang dùng", n) % {"num": n}


COUNTER_PAGES = AdminPages(
    list_template="admin/counters.html",
    form_template="admin/counter_edit.html",
    notices={"counter-off": N_("Đã ngừng sử dụng quầy."), "counter-on": N_("Đã dùng lại quầy.")},
)


async def _counters_with_officers(
    app: Litestar, number: int, query: dict[str, str]
) -> Page[dict[str, Any]]:
    page = await queries.counters_page(number, query)
    officers = await gathered(app, "counter_officers", [c["id"] for c in page.rows])
    for c in page.rows:
        c["officers"] = officers.get(c["id"], [])
    return page


class CountersController(Controller):
    path = "/admin/counters"
    include_in_schema = False
    guards = [requires(Role.ADMIN)]
    opt = section(
        AdminSection(
            20,
            "/admin/counters/",
            N_("Quầy"),
            N_("Các quầy của Bộ phận Một cửa"),
            _active_counters,
        )
    )

    async def _list(self, request: HTMXRequest, **ctx: Any) -> Template:
        rows = partial(_counters_with_officers, request.app)
        ctx.setdefault("values", {})
        ctx.setdefault("errors", {})
        return await COUNTER_PAGES.list(request, rows, **ctx)

    @get("/")
    async def index(self, request: HTMXRequest, ok: str = "") -> Template:
        return await self._list(request, ok=ok)

    @post("/")
    async def add(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        async def save() -> str:
            await counters.save_counter(None, read(CounterInput, data))
            return "/admin/counters/?ok=created"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._list(request, values=values, errors=errors, status=422)

        return await COUNTER_PAGES.submit(request, data, save, refused=refused)

    @get("/{counter_id:int}")
    async def edit(self, request: HTMXRequest, counter_id: int) -> Template:
        counter = await queries.get_counter(counter_id)
        values = {"number": str(counter["number"]), "name": counter["name"]}
        return await COUNTER_PAGES.form(request, values, counter=counter)

    @post("/{counter_id:int}")
    async def save(
        self, request: HTMXRequest, counter_id: int, data: FormData
    ) -> Template | Redirect:
        counter = await queries.get_counter(counter_id)

        async def save() -> str:
            await counters.save_counter(counter_id, read(CounterInput, data))
            return "/admin/counters/?ok=saved"

        return await COUNTER_PAGES.submit(request, data, save, counter=counter)

    @post("/{counter_id:int}/deactivate")
    async def deactivate(self, counter_id: int) -> Redirect:
        await counters.set_counter_active(counter_id, False)
        return see_other("/admin/counters/?ok=counter-off")

    @post("/{counter_id:int}/activate")
    async def activate(self, counter_id: int) -> Redirect:
        await counters.set_counter_active(counter_id, True)
        return see_other("/admin/counters/?ok=counter-on")


# --- agencies ----------------------------------------------------------------------------------


async def _agency_count() -> str:
    n = await queries.count_agencies()
    return ngettext("%(num)d cơ quan", "%(num)d cơ quan", n) % {"num": n}


AGENCY_PAGES = AdminPages(
    list_template="admin/agencies.html", form_template="admin/agency_form.html"
)


class AgenciesController(Controller):
    path = "/admin/agencies"
    include_in_schema = False
    guards = [requires(Role.ADMIN)]
    opt = section(
        AdminSection(
            30,
            "/admin/agencies/",
            N_("Cơ quan"),
            N_("Sở, ngành và đơn vị có thủ tục tại Trung tâm"),
            _agency_count,
        )
    )

    @get("/")
    async def index(self, request: HTMXRequest, ok: str = "") -> Template:
        return await AGENCY_PAGES.list(request, queries.agencies_page, ok=ok, kinds=AGENCY_KINDS)

    @get("/new")
    async def new(self, request: HTMXRequest) -> Template:
        return await AGENCY_PAGES.form(
            request, {"kind": "department"}, agency=None, kinds=AGENCY_KINDS
        )

    @post("/new")
    async def create(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        async def save() -> str:
            await agencies.create_agency(read(NewAgencyInput, data))
            return "/admin/agencies/?ok=created"

        return await AGENCY_PAGES.submit(request, data, save, agency=None, kinds=AGENCY_KINDS)

    @get("/{agency_id:int}")
    async def edit(self, request: HTMXRequest, agency_id: int) -> Template:
        agency = await queries.get_agency(agency_id)
        values = {k: agency[k] for k in ("name", "kind", "note")}
        return await AGENCY_PAGES.form(request, values, agency=agency, kinds=AGENCY_KINDS)

    @post("/{agency_id:int}")
    async def save(
        self, request: HTMXRequest, agency_id: int, data: FormData
    ) -> Template | Redirect:
        agency = await queries.get_agency(agency_id)

        async def save() -> str:
            await agencies.update_agency(agency_id, read(AgencyInput, data))
            return "/admin/agencies/?ok=saved"

        return await AGENCY_PAGES.submit(request, data, save, agency=agency, kinds=AGENCY_KINDS)
