"""Postal pages: the counter's handover, the courier's round, labels, the citizen's choice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import segno
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.access.guards import require_user
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog import addresses
from backend.catalog.tables import PostOffice
from backend.dossiers.drafts import draft_view
from backend.dossiers.schemas import delivery_values
from backend.dossiers.uploads import file_store
from backend.lib.errors import FormErrors, NotFound, UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import form_errors, render, see_other
from backend.postal import handover, lifecycle, pickups, queries
from backend.postal.lifecycle import Answer, Step, StepInput
from backend.postal.pickups import Collection
from backend.postal.tables import Shipment
from backend.postal.tariff import PAYMENT_LABELS, quote_pickup
from backend.settings import get_settings

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
CENTER_ROLES = (Role.COUNTER, Role.MANAGER, Role.ADMIN)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


async def _parcel(shipment_id: int, user: CurrentUser) -> dict[str, Any]:
    """A parcel for its label or proof: the center's staff, or the post office holding it."""
    row = await (
        Shipment.select(
            *Shipment.all_columns(),
            Shipment.dossier.code.as_alias("code"),
            Shipment.dossier.citizen.as_alias("citizen"),
            Shipment.post_office.name.as_alias("office_name"),
        )
        .where(Shipment.id == shipment_id)
        .first()
    )
    visible = row is not None and (
        user.role in CENTER_ROLES or lifecycle.may_handle(user, row) or row["citizen"] == user.id
    )
    if not visible or row is None:
        raise NotFound(N_("Không tìm thấy bưu gửi này."))
    return row


class HandoverController(Controller):
    """The counter officer lists ready parcels for a post office and prints the list."""

    path = "/postal/handover"
    include_in_schema = False

    async def _page(
        self, request: Request[Any, Any, Any], status_code: int = 200, errors: Any = None
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
            errors=errors or {},
        )

    @get("/")
    async def page(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.COUNTER)
        return await self._page(request)

    @post("/")
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = require_user(request, Role.COUNTER)
        form = await request.form()
        ids = [i for i in (_int(v) for v in form.getall("shipment")) if i is not None]
        try:
            list_id = await handover.create_list(user, _int(form.get("post_office")) or 0, ids)
        except UserError as e:
            return await self._page(request, e.status_code, form_errors(e))
        return see_other(f"/postal/handover/{list_id}")

    @post("/{list_id:int}/cancel")
    async def cancel(self, request: Request[Any, Any, Any], list_id: int) -> Redirect:
        user = require_user(request, Role.COUNTER)
        await handover.cancel_list(user, list_id)
        return see_other("/postal/handover/?cancelled=1")

    @get("/{list_id:int}")
    async def show(self, request: Request[Any, Any, Any], list_id: int) -> Template:
        user = require_user(request)
        row = await handover.load_list(list_id)
        if not handover.may_see_list(user, row):
            raise NotFound(N_("Không tìm thấy biên bản bàn giao này."))
        return render(
            request, "postal/handover_list.html", handover=row, payment_labels=PAYMENT_LABELS
        )


class CourierController(Controller):
    """The postal worker's phone app: lists to sign, today's round, confirmations."""

    path = "/courier"
    include_in_schema = False

    @get("/")
    async def round(self, request: Request[Any, Any, Any]) -> Template:
        user = require_user(request, Role.POSTAL)
        office = (
            await PostOffice.select(PostOffice.name)
            .where(PostOffice.id == (user.post_office_id or 0))
            .first()
        )
        return render(
            request,
            "postal/courier.html",
            office=office["name"] if office else "",
            done=request.query_params.get("done", ""),
            message=request.query_params.get("message", ""),
            errors={},
            **await queries.round_for(user),
        )

    @post("/handover/{list_id:int}")
    async def sign(self, request: Request[Any, Any, Any], list_id: int, data: Form) -> Any:
        user = require_user(request, Role.POSTAL)
        try:
            await handover.confirm_list(user, list_id, _int(data.get("count")) or 0)
        except UserError as e:
            return render(
                request,
                "postal/courier.html",
                status_code=e.status_code,
                office="",
                done="",
                message="",
                errors={f"list-{list_id}": e.render(gettext)},
                **await queries.round_for(user),
            )
        return see_other("/courier?done=handover")

    @post("/parcels/{code:str}/{step:str}")
    async def confirm(
        self, request: Request[Any, Any, Any], code: str, step: str, data: Form
    ) -> Redirect:
        """Without JavaScript (or an old phone): the same confirmation as the API, by form."""
        user = require_user(request, Role.POSTAL)
        if step not in {s.value for s in Step}:
            raise NotFound(N_("Không tìm thấy trang này."))
        answer = await lifecycle.confirm(
            user, code, Step(step), step_input(data), str(data.get("key", ""))
        )
        return _back_to_round(answer, step)

    @post("/pickups/{pickup_id:int}")
    async def collect(self, request: Request[Any, Any, Any], pickup_id: int) -> Redirect:
        """Without JavaScript: the pickup confirmed by form (no signature pad, so refused)."""
        user = require_user(request, Role.POSTAL)
        form = await request.form()
        answer = await pickups.collect(
            user, pickup_id, collection_input(form), str(form.get("key", ""))
        )
        return _back_to_round(answer, "collected")


def _back_to_round(answer: Answer, step: str) -> Redirect:
    if answer.status_code == 200:
        return see_other("/courier?done=" + step)
    return see_other("/courier?" + urlencode({"message": str(answer.body.get("detail", ""))[:300]}))


def collection_input(data: dict[str, Any] | Any) -> Collection:
    raw = data.getall("documents") if hasattr(data, "getall") else data.get("documents", [])
    if isinstance(raw, (str, int)):
        raw = [raw]
    return Collection(
        documents=[i for i in (_int(v) for v in raw or []) if i is not None],
        signature=str(data.get("proof", "") or data.get("signature", "")),
        note=str(data.get("note", ""))[:500],
        expected_version=_int(data.get("expected_version")),
    )


def step_input(data: dict[str, Any]) -> StepInput:
    return StepInput(
        reason=str(data.get("reason", "")),
        note=str(data.get("note", ""))[:2000],
        received_by=str(data.get("received_by", "")),
        relation=str(data.get("relation", "")),
        id_last_digits=str(data.get("id_last_digits", "")),
        proof=str(data.get("proof", "")),
        expected_version=_int(data.get("expected_version")),
    )


class ParcelController(Controller):
    path = "/postal/parcels"
    include_in_schema = False

    @get("/{shipment_id:int}/label")
    async def label(self, request: Request[Any, Any, Any], shipment_id: int) -> Template:
        user = require_user(request)
        if user.role not in (*CENTER_ROLES, Role.POSTAL):
            raise NotFound(N_("Không tìm thấy bưu gửi này."))
        row = await _parcel(shipment_id, user)
        qr = segno.make(row["code"], error="m").svg_inline(scale=4, border=2, title=row["code"])
        return render(
            request, "postal/label.html", parcel=row, qr=qr, payment_labels=PAYMENT_LABELS
        )

    @get("/{shipment_id:int}/proof")
    async def proof(self, request: Request[Any, Any, Any], shipment_id: int) -> Response[bytes]:
        user = require_user(request)
        row = await _parcel(shipment_id, user)
        if not row["proof_sha256"]:
            raise NotFound(N_("Bưu gửi này chưa có ảnh xác nhận."))
        with file_store().open(row["proof_sha256"], row["proof_extension"]) as f:
            content = f.read()
        kind = "image/png" if row["proof_extension"] == "png" else "image/jpeg"
        return Response(content, media_type=kind, headers={"Cache-Control": "private, no-store"})


class PickupBookingController(Controller):
    """The citizen sends the paper dossier by post instead of photographing it (channel 3)."""

    path = "/dossiers/{dossier_id:int}/pickup"
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        dossier_id: int,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template | Redirect:
        user = require_user(request)
        draft = await draft_view(user, dossier_id)
        if draft["citizen"] != user.id:
            raise NotFound(N_("Không tìm thấy hồ sơ này."))
        if draft["status"] != 0:
            return see_other(f"/dossiers/{dossier_id}")  # already sent
        v = values or {
            "recipient_name": draft["applicant_name"] or user.full_name,
            "recipient_phone": draft["applicant_phone"] or user.phone or "",
            "street": draft["street"],
            "ward": draft["ward"],
            "ward_code": draft["ward_code"],
            "province": draft["delivery_province"] or get_settings().province,
            "preferred_date": "",
        }
        return render(
            request,
            "postal/pickup_book.html",
            status_code=status_code,
            dossier=draft,
            v=v,
            errors=errors or {},
            quote=await quote_pickup(),
            payment_labels=PAYMENT_LABELS,
            address_choices=addresses.choices,
            earliest=pickups.today().isoformat(),
            latest=(pickups.today() + timedelta(days=pickups.BOOK_AHEAD_DAYS)).isoformat(),
        )

    @get("/")
    async def page(self, request: Request[Any, Any, Any], dossier_id: int) -> Template | Redirect:
        return await self._page(request, dossier_id)

    @post("/")
    async def book(
        self, request: Request[Any, Any, Any], dossier_id: int, data: Form
    ) -> Template | Redirect:
        user = require_user(request)
        raw_date = str(data.get("preferred_date", "")).strip()
        booking = pickups.Booking(
            contact_name=str(data.get("recipient_name", "")),
            contact_phone=str(data.get("recipient_phone", "")),
            street=str(data.get("street", "")),
            province=str(data.get("province", "")),
            ward_code=str(data.get("ward_code", "")),
            preferred_date=_date(raw_date) if raw_date else None,
        )
        try:
            if raw_date and booking.preferred_date is None:
                raise FormErrors([UserError(N_("Ngày hẹn không hợp lệ."), field="preferred_date")])
            await pickups.book(user, dossier_id, booking)
        except UserError as e:
            if e.status_code == 404:
                raise
            values = {**delivery_values(data), "preferred_date": raw_date}
            return await self._page(request, dossier_id, values, form_errors(e), e.status_code)
        return see_other(f"/dossiers/{dossier_id}?done=pickup")


POSTAL_PAGES: list[type[Controller]] = [
    PickupBookingController,
    HandoverController,
    CourierController,
    ParcelController,
]
