"""The postal service's administration (administrators only): post offices
(/admin/post-offices/) and the tariff (/admin/postal-tariff/).

Postal workers' accounts are staff accounts (accounts.admin_pages); each belongs to one post
office, which this list shows with its staff.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import requires
from backend.access.roles import Role
from backend.lib.admin import AdminPages, AdminSection, section
from backend.lib.forms import read
from backend.lib.i18n import N_, ngettext
from backend.lib.web import FormData
from backend.postal import offices, tariff
from backend.postal.schemas import PostOfficeInput, TariffInput


async def _active_offices() -> str:
    n = await offices.count_active_post_offices()
    return ngettext("%(num)d bưu điện đang hoạt động", "%(num)d bưu điện đang hoạt động", n) % {
        "num": n
    }


OFFICE_PAGES = AdminPages(
    list_template="admin/post_offices.html", form_template="admin/post_office_form.html"
)


class PostOfficesController(Controller):
    path = "/admin/post-offices"
    include_in_schema = False
    guards = [requires(Role.ADMIN)]
    opt = section(
        AdminSection(
            50,
            "/admin/post-offices/",
            N_("Bưu điện"),
            N_("Bưu điện chuyển phát kết quả và thu gom hồ sơ; địa bàn phục vụ của từng nơi"),
            _active_offices,
        )
    )

    @get("/")
    async def index(self, request: HTMXRequest, ok: str = "") -> Template:
        return await OFFICE_PAGES.list(request, offices.post_offices_page, ok=ok)

    @get("/new")
    async def new(self, request: HTMXRequest) -> Template:
        return await OFFICE_PAGES.form(request, {"active": "1"}, office=None)

    @post("/new")
    async def create(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        async def save() -> str:
            await offices.save_post_office(None, read(PostOfficeInput, data))
            return "/admin/post-offices/?ok=created"

        return await OFFICE_PAGES.submit(request, data, save, office=None)

    @get("/{post_office_id:int}")
    async def edit(self, request: HTMXRequest, post_office_id: int) -> Template:
        office = await offices.get_post_office(post_office_id)
        values = offices.post_office_form_values(office)
        return await OFFICE_PAGES.form(request, values, office=office)

    @post("/{post_office_id:int}")
    async def save(
        self, request: HTMXRequest, post_office_id: int, data: FormData
    ) -> Template | Redirect:
        office = await offices.get_post_office(post_office_id)

        async def save() -> str:
            await offices.save_post_office(post_office_id, read(PostOfficeInput, data))
            return "/admin/post-offices/?ok=saved"

        return await OFFICE_PAGES.submit(request, data, save, office=office)


TARIFF_PAGES = AdminPages(
    list_template="admin/postal_tariff.html", form_template="admin/postal_tariff.html"
)


class PostalTariffController(Controller):
    path = "/admin/postal-tariff"
    include_in_schema = False
    guards = [requires(Role.ADMIN)]
    opt = section(
        AdminSection(
            60,
            "/admin/postal-tariff/",
            N_("Cước bưu chính"),
            N_("Cước gửi kết quả, thu gom hồ sơ và cách người dân trả cước"),
        )
    )

    async def _page(self, request: HTMXRequest, **ctx: Any) -> Template:
        values = ctx.pop("values", None)
        if values is None:
            values = await offices.tariff_form_values()
        return await TARIFF_PAGES.form(
            request, values, services=tariff.SERVICES, payments=tariff.PAYMENT_LABELS, **ctx
        )

    @get("/")
    async def index(self, request: HTMXRequest, ok: str = "") -> Template:
        return await self._page(request, ok=ok)

    @post("/")
    async def save(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        async def save() -> str:
            await offices.save_tariff(read(TariffInput, data))
            return "/admin/postal-tariff/?ok=saved"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._page(request, values=values, errors=errors, status=422)

        return await TARIFF_PAGES.submit(request, data, save, refused=refused)


ADMIN_CONTROLLERS: list[type[Controller]] = [PostOfficesController, PostalTariffController]
