"""The post hands collected paper dossiers to the center: the postal worker lists them on the
round page, the counter officer counts the envelopes and confirms the list's record."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, requires, signed_in
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.lib.errors import NotFound, UserError
from backend.lib.forms import all_of, to_int
from backend.lib.i18n import gettext
from backend.lib.web import FormData, render, see_other
from backend.postal import pickup_handover
from backend.postal.schemas import read_count

PATH = "/postal/pickup-handover"


async def _list_page(
    request: HTMXRequest,
    user: CurrentUser,
    list_id: int,
    status_code: int = 200,
    error: str = "",
) -> Template:
    row = await pickup_handover.load_list(list_id)
    if not pickup_handover.may_see_list(user, row):
        raise NotFound(pickup_handover.NOT_FOUND)
    return render(
        request,
        "postal/pickup_handover.html",
        status_code=status_code,
        handover=row,
        error=error,
        done=request.query_params.get("done", ""),
    )


class PickupHandoverController(Controller):
    """A list's record (to print and sign) for the center's staff and the post office that
    brought it; the counter confirms it there, the postal worker may withdraw it."""

    path = PATH
    include_in_schema = False
    guards = [signed_in]

    @get("/{list_id:int}")
    async def show(self, request: HTMXRequest, user: SignedIn, list_id: int) -> Template:
        return await _list_page(request, user, list_id)

    @post("/", guards=[requires(Role.POSTAL)])
    async def create(self, user: SignedIn, data: FormData) -> Redirect:
        ids = [i for i in (to_int(v) for v in all_of(data, "pickup")) if i is not None]
        try:
            list_id = await pickup_handover.create_list(user, ids)
        except UserError as e:
            return see_other("/courier?" + urlencode({"message": e.render(gettext)}))
        return see_other(f"{PATH}/{list_id}")

    @post("/{list_id:int}/confirm", guards=[requires(Role.COUNTER)])
    async def confirm(
        self, request: HTMXRequest, user: SignedIn, list_id: int, data: FormData
    ) -> Template | Redirect:
        try:
            await pickup_handover.confirm_list(user, list_id, read_count(data))
        except UserError as e:
            return await _list_page(request, user, list_id, e.status_code, e.render(gettext))
        return see_other(f"{PATH}/{list_id}?done=confirmed")

    @post("/{list_id:int}/cancel", guards=[requires(Role.POSTAL)])
    async def cancel(self, user: SignedIn, list_id: int) -> Redirect:
        await pickup_handover.cancel_list(user, list_id)
        return see_other("/courier?done=pickup_list_cancelled")
