"""Administration pages (administrators only): staff accounts, counters, agencies, procedures,
post offices and the postal tariff.

The working-day calendar lives in catalog (AdminCalendarController); /admin/ links to it.
Every handler starts with `require_user(request, Role.ADMIN)`: anonymous visitors are sent to
the sign-in page, everybody else gets 403. Forms post urlencoded with `_csrf_token`; a refused
form is shown again (422) with its values and the messages beside their fields; a saved one
redirects (303) to the page that shows the result, with `?ok=<notice>`.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.access.guards import require_user
from backend.access.roles import Role
from backend.admin import services
from backend.catalog.services import list_agencies as agency_choices
from backend.lib.errors import UserError
from backend.lib.i18n import N_
from backend.lib.web import form_errors, render, see_other
from backend.postal import tariff

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

NOTICES: dict[str, str] = {
    "saved": N_("Đã lưu thay đổi."),
    "created": N_("Đã thêm."),
    "staff-created": N_("Đã tạo tài khoản. Hãy báo tên đăng nhập và mật khẩu ban đầu cho cán bộ."),
    "deactivated": N_("Đã khoá tài khoản. Tài khoản này đã bị đăng xuất khỏi mọi thiết bị."),
    "activated": N_("Đã mở khoá tài khoản."),
    "password": N_("Đã đặt mật khẩu mới."),
    "counter-off": N_("Đã ngừng sử dụng quầy."),
    "counter-on": N_("Đã dùng lại quầy."),
    "doc-added": N_("Đã thêm giấy tờ."),
    "doc-saved": N_("Đã lưu giấy tờ."),
    "doc-deleted": N_("Đã xoá giấy tờ."),
}


def _notice(ok: str) -> str | None:
    return NOTICES.get(ok)


def _keep(data: dict[str, str], *secret: str) -> dict[str, str]:
    """The values to show again in a refused form (never a password)."""
    return {k: v for k, v in data.items() if k not in secret and k != "_csrf_token"}


class AdminHomeController(Controller):
    path = "/admin"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.ADMIN)
        return render(request, "admin/index.html", counts=await services.overview())


# --- staff -------------------------------------------------------------------------------------


class StaffController(Controller):
    path = "/admin/staff"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], q: str = "", role: str = "") -> Template:
        require_user(request, Role.ADMIN)
        return render(
            request,
            "admin/staff_list.html",
            staff=await services.list_staff(q[:100], role[:20]),
            q=q,
            role=role,
            roles=services.STAFF_ROLES,
        )

    async def _new_page(
        self, request: Request[Any, Any, Any], status: int = 200, **ctx: Any
    ) -> Template:
        return render(
            request,
            "admin/staff_new.html",
            status_code=status,
            roles=services.STAFF_ROLES,
            values=ctx.pop("values", {}),
            errors=ctx.pop("errors", {}),
            **await services.staff_choices(),
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.ADMIN)
        return await self._new_page(request)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            user_id = await services.create_staff(data)
        except UserError as e:
            return await self._new_page(
                request, 422, values=_keep(data, "password"), errors=form_errors(e)
            )
        return see_other(f"/admin/staff/{user_id}?ok=staff-created")

    async def _edit_page(
        self, request: Request[Any, Any, Any], user_id: int, status: int = 200, **ctx: Any
    ) -> Template:
        staff = await services.get_staff(user_id)
        values = ctx.pop("values", None)
        if values is None:
            values = {
                "full_name": staff["full_name"],
                "role": staff["role"],
                "agency": str(staff["agency"] or ""),
                "counter": str(staff["counter"] or ""),
                "post_office": str(staff["post_office"] or ""),
            }
        return render(
            request,
            "admin/staff_edit.html",
            status_code=status,
            staff=staff,
            roles=services.STAFF_ROLES,
            values=values,
            errors=ctx.pop("errors", {}),
            password_errors=ctx.pop("password_errors", {}),
            status_errors=ctx.pop("status_errors", {}),
            notice=_notice(ctx.pop("ok", "")),
            is_me=user_id == require_user(request).id,
            **await services.staff_choices(),
        )

    @get("/{user_id:int}")
    async def edit(self, request: Request[Any, Any, Any], user_id: int, ok: str = "") -> Template:
        require_user(request, Role.ADMIN)
        return await self._edit_page(request, user_id, ok=ok)

    @post("/{user_id:int}")
    async def save(
        self, request: Request[Any, Any, Any], user_id: int, data: Form
    ) -> Template | Redirect:
        me = require_user(request, Role.ADMIN)
        try:
            await services.update_staff(user_id, data, me.id)
        except UserError as e:
            if e.status_code == 404:
                raise
            return await self._edit_page(
                request, user_id, 422, values=_keep(data), errors=form_errors(e)
            )
        return see_other(f"/admin/staff/{user_id}?ok=saved")

    @post("/{user_id:int}/password")
    async def password(
        self, request: Request[Any, Any, Any], user_id: int, data: Form
    ) -> Template | Redirect:
        me = require_user(request, Role.ADMIN)
        try:
            await services.reset_password(user_id, data.get("password", ""), me.id)
        except UserError as e:
            if e.status_code == 404:
                raise
            return await self._edit_page(request, user_id, 422, password_errors=form_errors(e))
        return see_other(f"/admin/staff/{user_id}?ok=password")

    async def _set_active(
        self, request: Request[Any, Any, Any], user_id: int, active: bool
    ) -> Template | Redirect:
        me = require_user(request, Role.ADMIN)
        try:
            await services.set_staff_active(user_id, active, me.id)
        except UserError as e:
            if e.status_code == 404:
                raise
            return await self._edit_page(request, user_id, 422, status_errors=form_errors(e))
        return see_other(f"/admin/staff/{user_id}?ok={'activated' if active else 'deactivated'}")

    @get(["/{user_id:int}/password", "/{user_id:int}/deactivate", "/{user_id:int}/activate"])
    async def back_to_account(self, request: Request[Any, Any, Any], user_id: int) -> Redirect:
        """A refused form leaves its address in the browser (htmx pushes it): reloading it
        leads back to the account's page rather than to an error."""
        require_user(request, Role.ADMIN)
        return see_other(f"/admin/staff/{user_id}")

    @post("/{user_id:int}/deactivate")
    async def deactivate(
        self, request: Request[Any, Any, Any], user_id: int
    ) -> Template | Redirect:
        return await self._set_active(request, user_id, False)

    @post("/{user_id:int}/activate")
    async def activate(self, request: Request[Any, Any, Any], user_id: int) -> Template | Redirect:
        return await self._set_active(request, user_id, True)


# --- counters ----------------------------------------------------------------------------------


class CountersController(Controller):
    path = "/admin/counters"
    include_in_schema = False

    async def _page(
        self, request: Request[Any, Any, Any], status: int = 200, **ctx: Any
    ) -> Template:
        return render(
            request,
            "admin/counters.html",
            status_code=status,
            counters=await services.list_counters(),
            values=ctx.pop("values", {}),
            errors=ctx.pop("errors", {}),
            notice=_notice(ctx.pop("ok", "")),
        )

    @get("/")
    async def index(self, request: Request[Any, Any, Any], ok: str = "") -> Template:
        require_user(request, Role.ADMIN)
        return await self._page(request, ok=ok)

    @post("/")
    async def add(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            await services.save_counter(None, data)
        except UserError as e:
            return await self._page(request, 422, values=_keep(data), errors=form_errors(e))
        return see_other("/admin/counters/?ok=created")

    async def _edit_page(
        self, request: Request[Any, Any, Any], counter_id: int, status: int = 200, **ctx: Any
    ) -> Template:
        counter = await services.get_counter(counter_id)
        values = ctx.pop("values", None) or {
            "number": str(counter["number"]),
            "name": counter["name"],
        }
        return render(
            request,
            "admin/counter_edit.html",
            status_code=status,
            counter=counter,
            values=values,
            errors=ctx.pop("errors", {}),
        )

    @get("/{counter_id:int}")
    async def edit(self, request: Request[Any, Any, Any], counter_id: int) -> Template:
        require_user(request, Role.ADMIN)
        return await self._edit_page(request, counter_id)

    @post("/{counter_id:int}")
    async def save(
        self, request: Request[Any, Any, Any], counter_id: int, data: Form
    ) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            await services.save_counter(counter_id, data)
        except UserError as e:
            if e.status_code == 404:
                raise
            return await self._edit_page(
                request, counter_id, 422, values=_keep(data), errors=form_errors(e)
            )
        return see_other("/admin/counters/?ok=saved")

    @post("/{counter_id:int}/deactivate")
    async def deactivate(self, request: Request[Any, Any, Any], counter_id: int) -> Redirect:
        require_user(request, Role.ADMIN)
        await services.set_counter_active(counter_id, False)
        return see_other("/admin/counters/?ok=counter-off")

    @post("/{counter_id:int}/activate")
    async def activate(self, request: Request[Any, Any, Any], counter_id: int) -> Redirect:
        require_user(request, Role.ADMIN)
        await services.set_counter_active(counter_id, True)
        return see_other("/admin/counters/?ok=counter-on")


# --- agencies ----------------------------------------------------------------------------------


class AgenciesController(Controller):
    path = "/admin/agencies"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], ok: str = "") -> Template:
        require_user(request, Role.ADMIN)
        return render(
            request,
            "admin/agencies.html",
            agencies=await services.list_agencies(),
            kinds=services.AGENCY_KINDS,
            notice=_notice(ok),
        )

    def _form(
        self,
        request: Request[Any, Any, Any],
        agency: dict[str, Any] | None,
        values: dict[str, str],
        status: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Template:
        return render(
            request,
            "admin/agency_form.html",
            status_code=status,
            agency=agency,
            kinds=services.AGENCY_KINDS,
            values=values,
            errors=errors or {},
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.ADMIN)
        return self._form(request, None, {"kind": "department"})

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            await services.create_agency(data)
        except UserError as e:
            return self._form(request, None, _keep(data), 422, form_errors(e))
        return see_other("/admin/agencies/?ok=created")

    @get("/{agency_id:int}")
    async def edit(self, request: Request[Any, Any, Any], agency_id: int) -> Template:
        require_user(request, Role.ADMIN)
        agency = await services.get_agency(agency_id)
        values = {k: agency[k] for k in ("name", "kind", "note")}
        return self._form(request, agency, values)

    @post("/{agency_id:int}")
    async def save(
        self, request: Request[Any, Any, Any], agency_id: int, data: Form
    ) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        agency = await services.get_agency(agency_id)
        try:
            await services.update_agency(agency_id, data)
        except UserError as e:
            return self._form(request, agency, _keep(data), 422, form_errors(e))
        return see_other("/admin/agencies/?ok=saved")


# --- procedures and their documents ------------------------------------------------------------


class ProceduresController(Controller):
    path = "/admin/procedures"
    include_in_schema = False

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], q: str = "", agency: str = "", ok: str = ""
    ) -> Template:
        require_user(request, Role.ADMIN)
        found = await services.find_procedures(q[:200], agency[:20])
        return render(
            request,
            "admin/procedures.html",
            partial="admin/_procedure_results.html",
            q=q,
            agency=agency,
            agencies=await agency_choices(),
            results=found["active"],
            inactive=found["inactive"],
            notice=_notice(ok),
        )

    async def _form(
        self,
        request: Request[Any, Any, Any],
        proc: dict[str, Any] | None,
        status: int = 200,
        **ctx: Any,
    ) -> Template:
        values = ctx.pop("values", None)
        if values is None:
            values = (
                services.procedure_form_values(proc)
                if proc
                else {"processing_days": "", "online_level": "một phần", "delivery_counter": "1"}
            )
        return render(
            request,
            "admin/procedure_form.html",
            status_code=status,
            proc=proc,
            agencies=await agency_choices(),
            online_levels=services.ONLINE_LEVELS,
            delivery_options=services.DELIVERY_OPTIONS,
            values=values,
            errors=ctx.pop("errors", {}),
            doc_values=ctx.pop("doc_values", {"doc_required": "1"}),
            doc_errors=ctx.pop("doc_errors", {}),
            notice=_notice(ctx.pop("ok", "")),
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.ADMIN)
        return await self._form(request, None)

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            procedure_id = await services.save_procedure(None, data)
        except UserError as e:
            return await self._form(request, None, 422, values=_keep(data), errors=form_errors(e))
        return see_other(f"/admin/procedures/{procedure_id}?ok=created")

    @get("/{procedure_id:int}")
    async def edit(
        self, request: Request[Any, Any, Any], procedure_id: int, ok: str = ""
    ) -> Template:
        require_user(request, Role.ADMIN)
        return await self._form(request, await services.get_procedure(procedure_id), ok=ok)

    @post("/{procedure_id:int}")
    async def save(
        self, request: Request[Any, Any, Any], procedure_id: int, data: Form
    ) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        proc = await services.get_procedure(procedure_id)
        try:
            await services.save_procedure(procedure_id, data)
        except UserError as e:
            return await self._form(request, proc, 422, values=_keep(data), errors=form_errors(e))
        return see_other(f"/admin/procedures/{procedure_id}?ok=saved")

    @post("/{procedure_id:int}/documents")
    async def add_document(
        self, request: Request[Any, Any, Any], procedure_id: int, data: Form
    ) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        proc = await services.get_procedure(procedure_id)
        # The add form sits below the procedure's own form, so its fields are named doc_*.
        fields = {k: data.get(f"doc_{k}", "") for k in ("name", "notes", "required")}
        try:
            await services.add_document(procedure_id, fields)
        except UserError as e:
            errors = {f"doc_{k}" if k != "_" else k: v for k, v in form_errors(e).items()}
            return await self._form(request, proc, 422, doc_values=_keep(data), doc_errors=errors)
        return see_other(f"/admin/procedures/{procedure_id}?ok=doc-added#documents")

    @get(
        ["/{procedure_id:int}/documents", "/{procedure_id:int}/documents/{document_id:int}/delete"]
    )
    async def back_to_procedure(
        self, request: Request[Any, Any, Any], procedure_id: int, document_id: int = 0
    ) -> Redirect:
        """Where a refused document form leaves the browser: back to the procedure."""
        require_user(request, Role.ADMIN)
        return see_other(f"/admin/procedures/{procedure_id}#documents")

    @get("/{procedure_id:int}/documents/{document_id:int}")
    async def edit_document(
        self, request: Request[Any, Any, Any], procedure_id: int, document_id: int
    ) -> Template:
        require_user(request, Role.ADMIN)
        return await self._document_page(request, procedure_id, document_id)

    async def _document_page(
        self,
        request: Request[Any, Any, Any],
        procedure_id: int,
        document_id: int,
        status: int = 200,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Template:
        proc = await services.get_procedure(procedure_id)
        doc = await services.get_document(procedure_id, document_id)
        if values is None:
            values = {
                "name": doc["name"],
                "notes": doc["notes"],
                "required": "1" if doc["required"] else "",
            }
        return render(
            request,
            "admin/document_edit.html",
            status_code=status,
            proc=proc,
            doc=doc,
            values=values,
            errors=errors or {},
        )

    @post("/{procedure_id:int}/documents/{document_id:int}")
    async def save_document(
        self, request: Request[Any, Any, Any], procedure_id: int, document_id: int, data: Form
    ) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            await services.update_document(procedure_id, document_id, data)
        except UserError as e:
            if e.status_code == 404:
                raise
            return await self._document_page(
                request, procedure_id, document_id, 422, _keep(data), form_errors(e)
            )
        return see_other(f"/admin/procedures/{procedure_id}?ok=doc-saved#documents")

    @post("/{procedure_id:int}/documents/{document_id:int}/delete")
    async def delete_document(
        self, request: Request[Any, Any, Any], procedure_id: int, document_id: int
    ) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            await services.delete_document(procedure_id, document_id)
        except UserError as e:
            if e.status_code == 404:
                raise
            proc = await services.get_procedure(procedure_id)
            return await self._form(request, proc, 422, doc_errors=form_errors(e))
        return see_other(f"/admin/procedures/{procedure_id}?ok=doc-deleted#documents")

    @post("/{procedure_id:int}/documents/{document_id:int}/up")
    async def move_up(
        self, request: Request[Any, Any, Any], procedure_id: int, document_id: int
    ) -> Redirect:
        require_user(request, Role.ADMIN)
        await services.move_document(procedure_id, document_id, -1)
        return see_other(f"/admin/procedures/{procedure_id}#documents")

    @post("/{procedure_id:int}/documents/{document_id:int}/down")
    async def move_down(
        self, request: Request[Any, Any, Any], procedure_id: int, document_id: int
    ) -> Redirect:
        require_user(request, Role.ADMIN)
        await services.move_document(procedure_id, document_id, 1)
        return see_other(f"/admin/procedures/{procedure_id}#documents")


# --- post offices ------------------------------------------------------------------------------


class PostOfficesController(Controller):
    path = "/admin/post-offices"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], ok: str = "") -> Template:
        require_user(request, Role.ADMIN)
        return render(
            request,
            "admin/post_offices.html",
            offices=await services.list_post_offices(),
            notice=_notice(ok),
        )

    def _form(
        self,
        request: Request[Any, Any, Any],
        office: dict[str, Any] | None,
        values: dict[str, str],
        status: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Template:
        return render(
            request,
            "admin/post_office_form.html",
            status_code=status,
            office=office,
            values=values,
            errors=errors or {},
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.ADMIN)
        return self._form(request, None, {"active": "1"})

    @post("/new")
    async def create(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            await services.save_post_office(None, data)
        except UserError as e:
            return self._form(request, None, _keep(data), 422, form_errors(e))
        return see_other("/admin/post-offices/?ok=created")

    @get("/{post_office_id:int}")
    async def edit(self, request: Request[Any, Any, Any], post_office_id: int) -> Template:
        require_user(request, Role.ADMIN)
        office = await services.get_post_office(post_office_id)
        return self._form(request, office, services.post_office_form_values(office))

    @post("/{post_office_id:int}")
    async def save(
        self, request: Request[Any, Any, Any], post_office_id: int, data: Form
    ) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        office = await services.get_post_office(post_office_id)
        try:
            await services.save_post_office(post_office_id, data)
        except UserError as e:
            return self._form(request, office, _keep(data), 422, form_errors(e))
        return see_other("/admin/post-offices/?ok=saved")


# --- postal tariff -----------------------------------------------------------------------------


class PostalTariffController(Controller):
    path = "/admin/postal-tariff"
    include_in_schema = False

    async def _page(
        self, request: Request[Any, Any, Any], status: int = 200, **ctx: Any
    ) -> Template:
        values = ctx.pop("values", None)
        return render(
            request,
            "admin/postal_tariff.html",
            status_code=status,
            services=tariff.SERVICES,
            payments=tariff.PAYMENT_LABELS,
            values=values if values is not None else await services.tariff_form_values(),
            errors=ctx.pop("errors", {}),
            notice=_notice(ctx.pop("ok", "")),
        )

    @get("/")
    async def index(self, request: Request[Any, Any, Any], ok: str = "") -> Template:
        require_user(request, Role.ADMIN)
        return await self._page(request, ok=ok)

    @post("/")
    async def save(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        require_user(request, Role.ADMIN)
        try:
            await services.save_tariff(data)
        except UserError as e:
            return await self._page(request, 422, values=_keep(data), errors=form_errors(e))
        return see_other("/admin/postal-tariff/?ok=saved")


ADMIN_CONTROLLERS: list[type[Controller]] = [
    AdminHomeController,
    StaffController,
    CountersController,
    AgenciesController,
    ProceduresController,
    PostOfficesController,
    PostalTariffController,
]
