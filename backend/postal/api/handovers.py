"""The handover list of results as JSON (biên bản bàn giao, issue 15): the counter officer
lists the parcels waiting at the center for one post office, the postal worker signs it with
the count, as on /postal/handover and the courier's round, with the same rules
(backend.postal.handover) and the same people allowed.

No idempotency key here, unlike the courier's confirmations: a list is made and signed face to
face at the counter, and a repeat is harmless (signing or withdrawing again answers 409, the
list's state is then at its own address; a list made twice finds its parcels taken, 409).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import Body

from backend.access.guards import SignedIn, requires, signed_in
from backend.access.roles import Role
from backend.lib.errors import Conflict, FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.postal import handover
from backend.postal.schemas import CountBody, NewListBody

PATH = "/api/v1/postal/handovers"
NOT_FOUND = N_("Không tìm thấy biên bản bàn giao này.")
TAKEN = N_(
    "Có bưu gửi không còn chờ bàn giao (đã vào biên bản khác hoặc công dân đã đổi cách nhận). "
    "Hãy tải lại danh sách chờ rồi chọn lại."
)


def doc(body: type) -> str:
    """A schema's docstring, which says what each field means, as its OpenAPI description."""
    return inspect.cleandoc(body.__doc__ or "")


def status_of(row: dict[str, Any]) -> str:
    if row["cancelled_at"] is not None:
        return "cancelled"
    return "confirmed" if row["confirmed_at"] is not None else "open"


def renamed(error: FormErrors, names: dict[str, str]) -> FormErrors:
    """A service's refusal with its fields named as the API's body names them."""
    return FormErrors(
        [
            UserError(e.message, field=names.get(e.field or "", e.field), **e.params)
            for e in error.errors
        ]
    )


@dataclass
class Parcel:
    id: int  # the shipment's id, as shipment_ids names it
    code: str  # the dossier's code, printed on the parcel's label
    state: str  # the shipment's state: created (at the center), handed_over, ...
    recipient_name: str
    recipient_phone: str
    address: str
    ward_code: str
    fee_vnd: int  # the postage
    payment: str  # on_delivery: the courier collects fee_vnd from the recipient


@dataclass
class WaitingParcel(Parcel):
    # The office the parcel's ward suggests (null: none serves that ward), the one the counter
    # usually chooses.
    suggested_post_office_id: int | None
    suggested_post_office_name: str | None


@dataclass
class Office:
    id: int
    code: str
    name: str


@dataclass
class Waiting:
    """Parcels waiting at the center for the post and on no list yet (all of them, by office
    then id), and the active post offices a list may be made for."""

    parcels: list[WaitingParcel]
    offices: list[Office]


@dataclass
class Handover:
    """A handover list. `status`: open (waiting for the post's signature), confirmed (signed
    with the same count: every parcel handed over) or cancelled (withdrawn by the counter
    before the signature: its parcels wait again). `record_url` is the page to print and
    sign. `parcels` is given in one list's answer (null in a collection)."""

    id: int
    status: str
    post_office_id: int
    post_office_code: str
    post_office_name: str
    parcel_count: int
    created_at: datetime
    created_by_name: str
    confirmed_at: datetime | None
    confirmed_by_name: str | None
    cancelled_at: datetime | None
    record_url: str
    parcels: list[Parcel] | None = None


@dataclass
class Handovers:
    """For a counter officer, the latest lists, newest first (at most `limit`; an older one
    is still at its own address); for a postal worker, every list waiting for their office's
    signature (`limit` null)."""

    lists: list[Handover]
    limit: int | None


def parcel_json(p: dict[str, Any]) -> Parcel:
    return Parcel(**_parcel_fields(p))


def _parcel_fields(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "code": p["code"] or "",
        "state": p["state"],
        "recipient_name": p["recipient_name"],
        "recipient_phone": p["recipient_phone"],
        "address": ", ".join(x for x in (p["street"], p["ward"], p["province"]) if x),
        "ward_code": p["ward_code"],
        "fee_vnd": p["fee_vnd"],
        "payment": p["payment"],
    }


def handover_json(row: dict[str, Any], with_parcels: bool = False) -> Handover:
    return Handover(
        id=row["id"],
        status=status_of(row),
        post_office_id=row["post_office"],
        post_office_code=row["office_code"] or "",
        post_office_name=row["office_name"] or "",
        parcel_count=row["parcel_count"],
        created_at=row["created_at"],
        created_by_name=row["created_by_name"] or "",
        confirmed_at=row["confirmed_at"],
        confirmed_by_name=row["confirmed_by_name"],
        cancelled_at=row["cancelled_at"],
        record_url=f"/postal/handover/{row['id']}",
        parcels=[parcel_json(p) for p in row["parcels"]] if with_parcels else None,
    )


class HandoverApi(Controller):
    path = PATH
    tags = ["postal"]

    @get(
        "/",
        guards=[requires(Role.COUNTER, Role.POSTAL)],
        summary="Biên bản bàn giao kết quả cho bưu điện",
        description=doc(Handovers),
    )
    async def lists(self, user: SignedIn) -> Handovers:
        if user.role is Role.POSTAL:
            return Handovers([handover_json(r) for r in await handover.pending_for(user)], None)
        recent = await handover.recent_lists()
        return Handovers([handover_json(r) for r in recent], handover.RECENT_LISTS)

    @get(
        "/waiting",
        guards=[requires(Role.COUNTER)],
        summary="Bưu gửi chờ bàn giao và các bưu điện",
        description=doc(Waiting),
    )
    async def waiting(self) -> Waiting:
        parcels = [
            WaitingParcel(
                **_parcel_fields(p),
                suggested_post_office_id=p["post_office"],
                suggested_post_office_name=p["office_name"],
            )
            for p in await handover.waiting()
        ]
        offices = [Office(o["id"], o["code"], o["name"]) for o in await handover.offices()]
        return Waiting(parcels, offices)

    @post(
        "/",
        guards=[requires(Role.COUNTER)],
        summary="Lập biên bản bàn giao",
        description="Answers 201 with the list (its parcels included) and its address in "
        "`Location`. 422: no such active office, or no parcel; 409: a parcel is no longer "
        "waiting (on another list, or the citizen chose another way): nothing is made.",
    )
    async def create(
        self,
        user: SignedIn,
        data: Annotated[NewListBody, Body(description=doc(NewListBody))],
    ) -> Response[Handover]:
        try:
            list_id = await handover.create_list(user, data.post_office_id, data.shipment_ids)
        except Conflict as e:
            raise Conflict(TAKEN, field="shipment_ids") from e
        except FormErrors as e:
            raise renamed(e, {"post_office": "post_office_id", "shipments": "shipment_ids"}) from e
        row = await handover.load_list(list_id)
        return Response(
            handover_json(row, with_parcels=True),
            status_code=201,
            headers={"Location": f"{PATH}/{list_id}"},
        )

    @get(
        "/{list_id:int}",
        guards=[signed_in],
        summary="Một biên bản bàn giao",
        description="The center's staff, or the post office the list is for; for anybody "
        "else 404, as for a list that does not exist.",
    )
    async def show(self, user: SignedIn, list_id: int) -> Handover:
        row = await handover.load_list(list_id)
        if not handover.may_see_list(user, row):
            raise NotFound(NOT_FOUND)
        return handover_json(row, with_parcels=True)

    @post(
        "/{list_id:int}/confirmation",
        guards=[requires(Role.POSTAL)],
        status_code=200,
        summary="Bưu điện ký nhận biên bản (với số bưu gửi đếm được)",
        description="A postal worker of the list's office signs with the number of parcels "
        "they counted: the same number as the list's, and every parcel is handed over (each "
        "dossier's history says so, the citizen is told). A different number is refused (422, "
        "`errors.count` says both numbers; nothing changes); a list of another office is "
        "404; one already signed or withdrawn is 409.",
    )
    async def confirm(
        self,
        user: SignedIn,
        list_id: int,
        data: Annotated[CountBody, Body(description=doc(CountBody))],
    ) -> Handover:
        return handover_json(
            await handover.confirm_list(user, list_id, data.count), with_parcels=True
        )

    @post(
        "/{list_id:int}/cancellation",
        guards=[requires(Role.COUNTER)],
        status_code=200,
        summary="Hủy biên bản chưa được bưu điện ký",
        description="A counter officer withdraws a list the post has not signed (a parcel is "
        "missing, the count does not match): its parcels wait again, to go on a new list; the "
        "list stays, cancelled. 409 once signed or already withdrawn.",
    )
    async def cancel(self, user: SignedIn, list_id: int) -> Handover:
        await handover.load_list(list_id)  # 404 for a list that does not exist
        await handover.cancel_list(user, list_id)
        return handover_json(await handover.load_list(list_id), with_parcels=True)
