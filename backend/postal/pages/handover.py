"""The counter officer lists ready parcels for a post office and prints the list; the list's
record is shown to the center's staff and to the post office it is for."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, requires, signed_in
from backend.access.roles import Role
from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_
from backend.lib.web import FormData, form_errors, render, see_other
from backend.postal import handover, pickup_handover
from backend.postal.schemas import read_new_list
from backend.postal.tariff import PAYMENT_LABELS


async def _handover_page(
    request: HTMXRequest, status_code: int = 200, errors: dict[str, str] | None = None
) -> Template:
    parcels = await handover.waiting()
    for p in parcels:
        p["suggested"] = p["post_office"]
    return render(
        request,
        "postal/handover.html",
        status_code=status_code,
        parcels=parcels,
        offices=await handover.offices(),
        lists=await handover.recent_lists(),
        # The other way: paper dossiers the post brought, waiting for the counter's count.
        incoming=await pickup_handover.waiting_at_center(),
        recent_limit=handover.RECENT_LISTS,
        errors=errors or {},
    )


class HandoverController(Controller):
    """The counter's page: the parcels waiting at the center, a new list, a list withdrawn."""

    path = "/postal/handover"
    include_in_schema = False
    guards = [requires(Role.COUNTER)]

    @get("/")
    async def page(self, request: HTMXRequest) -> Template:
        return await _handover_page(request)

    @post("/")
    async def create(
        self, request: HTMXRequest, user: SignedIn, data: FormData
    ) -> Template | Redirect:
        new = read_new_list(data)
        try:
            list_id = await handover.create_list(user, new.post_office, new.shipments)
        except UserError as e:
            return await _handover_page(request, e.status_code, form_errors(e))
        return see_other(f"/postal/handover/{list_id}")

    @post("/{list_id:int}/cancel")
    async def cancel(self, user: SignedIn, list_id: int) -> Redirect:
        await handover.cancel_list(user, list_id)
        return see_other("/postal/handover/?cancelled=1")


class HandoverListController(Controller):
    """One list's record, to print and sign: the center's staff, or the post office it is for
    (anybody else is told there is no such list)."""

    path = "/postal/handover"
    include_in_schema = False
    guards = [signed_in]

    @get("/{list_id:int}")
    async def show(self, request: HTMXRequest, user: SignedIn, list_id: int) -> Template:
        row = await handover.load_list(list_id)
        if not handover.may_see_list(user, row):
            raise NotFound(N_("Không tìm thấy biên bản bàn giao này."))
        return render(
            request, "postal/handover_list.html", handover=row, payment_labels=PAYMENT_LABELS
        )
