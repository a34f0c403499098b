"""Procedures and their required documents (/admin/procedures/): what citizens then see."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import requires
from backend.access.roles import Role
from backend.catalog import procedures, queries
from backend.catalog.schemas import (
    DELIVERY_OPTIONS,
    ONLINE_LEVELS,
    DocumentInput,
)
from backend.lib.admin import AdminPages, AdminSection, section
from backend.lib.forms import first, read
from backend.lib.i18n import N_, ngettext
from backend.lib.web import FormData, see_other


async def _active_procedures() -> str:
    n = await queries.count_active_procedures()
    return ngettext("%(num)d thủ tục đang áp dụng", "%(num)d thủ tục đang áp dụng", n) % {"num": n}


PROCEDURE_PAGES = AdminPages(
    list_template="admin/procedures.html",
    form_template="admin/procedure_form.html",
    partial="admin/_procedure_results.html",
    notices={
        "doc-added": N_("Đã thêm giấy tờ."),
        "doc-saved": N_("Đã lưu giấy tờ."),
        "doc-deleted": N_("Đã xóa giấy tờ."),
    },
)
NEW_PROCEDURE = {"processing_days": "", "online_level": "một phần", "delivery_counter": "1"}


async def _procedure_choices() -> dict[str, Any]:
    return {
        "agencies": await queries.list_agencies(),
        "online_levels": ONLINE_LEVELS,
        "delivery_options": DELIVERY_OPTIONS,
    }


class ProceduresController(Controller):
    path = "/admin/procedures"
    include_in_schema = False
    guards = [requires(Role.ADMIN)]
    opt = section(
        AdminSection(
            40,
            "/admin/procedures/",
            N_("Thủ tục"),
            N_("Danh mục thủ tục, thời hạn, lệ phí, thành phần hồ sơ"),
            _active_procedures,
        )
    )

    @get("/")
    async def index(
        self, request: HTMXRequest, q: str = "", agency: str = "", ok: str = ""
    ) -> Template:
        q, agency = q[:200], agency[:20]
        return await PROCEDURE_PAGES.list(
            request,
            partial(queries.procedures_page, q, agency),
            ok=ok,
            q=q,
            agency=agency,
            agencies=await queries.list_agencies(),
            active_total=await queries.count_active_procedures(q, agency),
        )

    async def _form(
        self, request: HTMXRequest, proc: dict[str, Any] | None, **ctx: Any
    ) -> Template:
        values = ctx.pop("values", None)
        if values is None:
            values = procedures.procedure_form_values(proc) if proc else NEW_PROCEDURE
        return await PROCEDURE_PAGES.form(
            request,
            values,
            proc=proc,
            doc_values=ctx.pop("doc_values", {"doc_required": "1"}),
            doc_errors=ctx.pop("doc_errors", {}),
            **await _procedure_choices(),
            **ctx,
        )

    @get("/new")
    async def new(self, request: HTMXRequest) -> Template:
        return await self._form(request, None)

    @post("/new")
    async def create(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        async def save() -> str:
            return f"/admin/procedures/{await procedures.save_procedure(None, data)}?ok=created"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._form(request, None, values=values, errors=errors, status=422)

        return await PROCEDURE_PAGES.submit(request, data, save, refused=refused)

    @get("/{procedure_id:int}")
    async def edit(self, request: HTMXRequest, procedure_id: int, ok: str = "") -> Template:
        return await self._form(request, await queries.get_procedure_for_admin(procedure_id), ok=ok)

    @post("/{procedure_id:int}")
    async def save(
        self, request: HTMXRequest, procedure_id: int, data: FormData
    ) -> Template | Redirect:
        proc = await queries.get_procedure_for_admin(procedure_id)

        async def save() -> str:
            await procedures.save_procedure(procedure_id, data)
            return f"/admin/procedures/{procedure_id}?ok=saved"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._form(request, proc, values=values, errors=errors, status=422)

        return await PROCEDURE_PAGES.submit(request, data, save, refused=refused)

    @post("/{procedure_id:int}/documents")
    async def add_document(
        self, request: HTMXRequest, procedure_id: int, data: FormData
    ) -> Template | Redirect:
        proc = await queries.get_procedure_for_admin(procedure_id)
        # The add form sits below the procedure's own form, so its fields are named doc_*.
        fields = {k: first(data, f"doc_{k}") for k in ("name", "notes", "required")}

        async def save() -> str:
            await procedures.add_document(procedure_id, read(DocumentInput, fields))
            return f"/admin/procedures/{procedure_id}?ok=doc-added#documents"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            doc_errors = {f"doc_{k}" if k != "_" else k: v for k, v in errors.items()}
            return await self._form(
                request, proc, doc_values=values, doc_errors=doc_errors, status=422
            )

        return await PROCEDURE_PAGES.submit(request, data, save, refused=refused)

    @get(
        ["/{procedure_id:int}/documents", "/{procedure_id:int}/documents/{document_id:int}/delete"]
    )
    async def back_to_procedure(self, procedure_id: int, document_id: int = 0) -> Redirect:
        """Where a refused document form leaves the browser: back to the procedure."""
        return see_other(f"/admin/procedures/{procedure_id}#documents")

    async def _document_page(
        self, request: HTMXRequest, procedure_id: int, document_id: int, **ctx: Any
    ) -> Template:
        proc = await queries.get_procedure_for_admin(procedure_id)
        doc = await queries.get_document(procedure_id, document_id)
        values = ctx.pop("values", None)
        if values is None:
            values = {
                "name": doc["name"],
                "notes": doc["notes"],
                "required": "1" if doc["required"] else "",
            }
        return await PROCEDURE_PAGES.form(
            request, values, template="admin/document_edit.html", proc=proc, doc=doc, **ctx
        )

    @get("/{procedure_id:int}/documents/{document_id:int}")
    async def edit_document(
        self, request: HTMXRequest, procedure_id: int, document_id: int
    ) -> Template:
        return await self._document_page(request, procedure_id, document_id)

    @post("/{procedure_id:int}/documents/{document_id:int}")
    async def save_document(
        self, request: HTMXRequest, procedure_id: int, document_id: int, data: FormData
    ) -> Template | Redirect:
        async def save() -> str:
            form = read(DocumentInput, data)
            await procedures.update_document(procedure_id, document_id, form)
            return f"/admin/procedures/{procedure_id}?ok=doc-saved#documents"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._document_page(
                request, procedure_id, document_id, values=values, errors=errors, status=422
            )

        return await PROCEDURE_PAGES.submit(request, data, save, refused=refused)

    @post("/{procedure_id:int}/documents/{document_id:int}/delete")
    async def delete_document(
        self, request: HTMXRequest, procedure_id: int, document_id: int
    ) -> Template | Redirect:
        async def save() -> str:
            await procedures.delete_document(procedure_id, document_id)
            return f"/admin/procedures/{procedure_id}?ok=doc-deleted#documents"

        async def refused(_values: dict[str, Any], errors: dict[str, str]) -> Template:
            proc = await queries.get_procedure_for_admin(procedure_id)
            return await self._form(request, proc, doc_errors=errors, status=422)

        return await PROCEDURE_PAGES.submit(request, {}, save, refused=refused)

    @post("/{procedure_id:int}/documents/{document_id:int}/up")
    async def move_up(self, procedure_id: int, document_id: int) -> Redirect:
        await procedures.move_document(procedure_id, document_id, -1)
        return see_other(f"/admin/procedures/{procedure_id}#documents")

    @post("/{procedure_id:int}/documents/{document_id:int}/down")
    async def move_down(self, procedure_id: int, document_id: int) -> Redirect:
        await procedures.move_document(procedure_id, document_id, 1)
        return see_other(f"/admin/procedures/{procedure_id}#documents")
