"""The other way as JSON: the post hands the paper dossiers collected at citizens' homes to
the center (phiếu giao hồ sơ). The postal worker lists the envelopes, the counter officer
counts them and signs with the count, as on /courier and /postal/pickup-handover, with the
same rules (backend.postal.pickup_handover) and the same people allowed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import Body

from backend.access.guards import SignedIn, requires, signed_in
from backend.access.roles import Role
from backend.lib.errors import Conflict, FormErrors, NotFound
from backend.lib.i18n import N_
from backend.postal import pickup_handover
from backend.postal.api.handovers import doc, renamed, status_of
from backend.postal.schemas import CountBody, NewPickupListBody

PATH = "/api/v1/postal/pickup-handovers"
TAKEN = N_(
    "Có hồ sơ không còn chờ giao cho Trung tâm (đã vào phiếu khác). "
    "Hãy tải lại danh sách rồi chọn lại."
)


@dataclass
class Envelope:
    id: int  # the pickup's id, as pickup_ids names it
    code: str  # the dossier's code
    state: str  # collected (with the post), handed_in (the center confirmed it)
    contact_name: str
    ward: str
    collected_at: datetime | None
    paper_count: int  # the documents the courier checked at the door: what the envelope holds


@dataclass
class Envelopes:
    """The envelopes this postal worker's office collected and has not listed yet."""

    envelopes: list[Envelope]


@dataclass
class PickupHandover:
    """A list of envelopes brought to the center. `status`: open (waiting for the counter's
    count), confirmed (counted and signed: the papers are at the center) or cancelled
    (withdrawn by the post). `record_url` is the page to print and sign. `envelopes` is given
    in one list's answer (null in a collection)."""

    id: int
    status: str
    post_office_id: int
    post_office_code: str
    post_office_name: str
    dossier_count: int
    created_at: datetime
    created_by_name: str
    confirmed_at: datetime | None
    confirmed_by_name: str | None
    cancelled_at: datetime | None
    record_url: str
    envelopes: list[Envelope] | None = None


@dataclass
class PickupHandovers:
    """Lists not yet confirmed: for a postal worker, their office's; for a counter officer,
    every office's (what the post has brought and waits for the count)."""

    lists: list[PickupHandover]


def envelope_json(e: dict[str, Any]) -> Envelope:
    return Envelope(
        id=e["id"],
        code=e["code"] or "",
        state=e["state"],
        contact_name=e["contact_name"],
        ward=e["ward"],
        collected_at=e["collected_at"],
        paper_count=len(json.loads(e["checked_documents"] or "[]")),
    )


def list_json(row: dict[str, Any], with_envelopes: bool = False) -> PickupHandover:
    return PickupHandover(
        id=row["id"],
        status=status_of(row),
        post_office_id=row["post_office"],
        post_office_code=row["office_code"] or "",
        post_office_name=row["office_name"] or "",
        dossier_count=row["dossier_count"],
        created_at=row["created_at"],
        created_by_name=row["created_by_name"] or "",
        confirmed_at=row["confirmed_at"],
        confirmed_by_name=row["confirmed_by_name"],
        cancelled_at=row["cancelled_at"],
        record_url=f"/postal/pickup-handover/{row['id']}",
        envelopes=[envelope_json(e) for e in row["envelopes"]] if with_envelopes else None,
    )


class PickupHandoverApi(Controller):
    path = PATH
    tags = ["postal"]

    @get(
        "/",
        guards=[requires(Role.POSTAL, Role.COUNTER)],
        summary="Phiếu giao hồ sơ giấy cho Trung tâm chưa xác nhận",
        description=doc(PickupHandovers),
    )
    async def lists(self, user: SignedIn) -> PickupHandovers:
        if user.role is Role.POSTAL:
            rows = await pickup_handover.open_lists_of(user)
        else:
            rows = await pickup_handover.waiting_at_center()
        return PickupHandovers([list_json(r) for r in rows])

    @get(
        "/envelopes",
        guards=[requires(Role.POSTAL)],
        summary="Hồ sơ giấy đã thu, chờ giao cho Trung tâm",
        description=doc(Envelopes),
    )
    async def envelopes(self, user: SignedIn) -> Envelopes:
        return Envelopes([envelope_json(e) for e in await pickup_handover.to_hand_in(user)])

    @post(
        "/",
        guards=[requires(Role.POSTAL)],
        summary="Lập phiếu giao hồ sơ giấy cho Trung tâm",
        description="Answers 201 with the list (its envelopes included) and its address in "
        "`Location`. 422: no envelope; 409: an envelope is not one this office collected and "
        "still holds unlisted: nothing is made.",
    )
    async def create(
        self,
        user: SignedIn,
        data: Annotated[NewPickupListBody, Body(description=doc(NewPickupListBody))],
    ) -> Response[PickupHandover]:
        try:
            list_id = await pickup_handover.create_list(user, data.pickup_ids)
        except Conflict as e:
            raise Conflict(TAKEN, field="pickup_ids") from e
        except FormErrors as e:
            raise renamed(e, {"pickups": "pickup_ids"}) from e
        row = await pickup_handover.load_list(list_id)
        return Response(
            list_json(row, with_envelopes=True),
            status_code=201,
            headers={"Location": f"{PATH}/{list_id}"},
        )

    @get(
        "/{list_id:int}",
        guards=[signed_in],
        summary="Một phiếu giao hồ sơ giấy",
        description="The center's staff, or the post office that brought it; for anybody "
        "else 404, as for a list that does not exist.",
    )
    async def show(self, user: SignedIn, list_id: int) -> PickupHandover:
        row = await pickup_handover.load_list(list_id)
        if not pickup_handover.may_see_list(user, row):
            raise NotFound(pickup_handover.NOT_FOUND)
        return list_json(row, with_envelopes=True)

    @post(
        "/{list_id:int}/confirmation",
        guards=[requires(Role.COUNTER)],
        status_code=200,
        summary="Bộ phận Một cửa xác nhận đã nhận hồ sơ giấy (với số hồ sơ đếm được)",
        description="A counter officer signs with the number of envelopes counted: the same "
        "number as the list's, and the papers are at the center (each dossier's history says "
        "so, the citizen is told); the counter may then receive them. A different number is "
        "refused (422, `errors.count`; nothing changes); 409 once signed or withdrawn.",
    )
    async def confirm(
        self,
        user: SignedIn,
        list_id: int,
        data: Annotated[CountBody, Body(description=doc(CountBody))],
    ) -> PickupHandover:
        row = await pickup_handover.confirm_list(user, list_id, data.count)
        return list_json(row, with_envelopes=True)

    @post(
        "/{list_id:int}/cancellation",
        guards=[requires(Role.POSTAL)],
        status_code=200,
        summary="Bưu điện hủy phiếu chưa được xác nhận",
        description="A postal worker of the office that made the list withdraws it before the "
        "center's count (a wrong count): its envelopes may go on a new list; the list stays, "
        "cancelled. 404 for another office's list; 409 once confirmed or withdrawn.",
    )
    async def cancel(self, user: SignedIn, list_id: int) -> PickupHandover:
        await pickup_handover.cancel_list(user, list_id)
        return list_json(await pickup_handover.load_list(list_id), with_envelopes=True)
