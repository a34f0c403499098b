"""The postal worker's phone app: handover lists to sign, today's round, and the
confirmations sent by form when the page runs without JavaScript (with it, courier.js queues
them for the API, backend.postal.api)."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, requires
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.lib.errors import NotFound, UserError
from backend.lib.forms import first
from backend.lib.i18n import N_, gettext
from backend.lib.web import CAMERA_OPT, FormData, render, see_other
from backend.postal import confirmations, handover, pickups, queries
from backend.postal.idempotency import Answer
from backend.postal.lifecycle import Step
from backend.postal.schemas import read_collection, read_count, read_step

NOT_ON_ROUND = N_("Không có bưu gửi “{code}” trong chuyến của bạn.")


async def _round_page(
    request: HTMXRequest,
    user: CurrentUser,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    done: str = "",
    message: str = "",
    code: str = "",
) -> Template:
    return render(
        request,
        "postal/courier.html",
        status_code=status_code,
        office=await queries.office_name(user.post_office_id),
        done=done,
        message=message,
        code=code,
        errors=errors or {},
        **await queries.round_for(user),
    )


def _back_to_round(answer: Answer, step: str) -> Redirect:
    if answer.status_code == 200:
        return see_other("/courier?done=" + step)
    return see_other("/courier?" + urlencode({"message": str(answer.body.get("detail", ""))[:300]}))


class CourierController(Controller):
    path = "/courier"
    include_in_schema = False
    guards = [requires(Role.POSTAL)]
    opt = {CAMERA_OPT: True}  # the QR scan and the proof-of-delivery photo

    @get("/")
    async def round(
        self,
        request: HTMXRequest,
        user: SignedIn,
        done: str = "",
        message: str = "",
        code: str = "",
    ) -> Template | Redirect:
        code = code.strip().upper()[:60]
        if code:
            # The search without JavaScript (courier.js does it on the page): to the card.
            anchor = await queries.card_on_round(user, code)
            if anchor:
                return see_other(f"/courier#{anchor}")
            message = gettext(NOT_ON_ROUND).format(code=code)
        return await _round_page(request, user, done=done, message=message, code=code)

    @post("/handover/{list_id:int}")
    async def sign(
        self, request: HTMXRequest, user: SignedIn, list_id: int, data: FormData
    ) -> Template | Redirect:
        try:
            await handover.confirm_list(user, list_id, read_count(data))
        except UserError as e:
            errors = {f"list-{list_id}": e.render(gettext)}
            return await _round_page(request, user, e.status_code, errors)
        return see_other("/courier?done=handover")

    @post("/parcels/{code:str}/{step:str}")
    async def confirm(self, user: SignedIn, code: str, step: str, data: FormData) -> Redirect:
        """Without JavaScript (or an old phone): the same confirmation as the API, by form."""
        if step not in {s.value for s in Step}:
            raise NotFound(N_("Không tìm thấy trang này."))
        answer = await confirmations.confirm(
            user, code, Step(step), read_step(data), first(data, "key")
        )
        return _back_to_round(answer, step)

    @post("/pickups/{pickup_id:int}")
    async def collect(self, user: SignedIn, pickup_id: int, data: FormData) -> Redirect:
        """Without JavaScript: the pickup confirmed by form (no signature pad, so refused)."""
        answer = await pickups.collect(user, pickup_id, read_collection(data), first(data, "key"))
        return _back_to_round(answer, "collected")
