"""The citizen sends the paper dossier by post instead of photographing it (channel 3): the
booking of a pickup at their address, which submits the dossier."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, signed_in
from backend.access.user import CurrentUser
from backend.catalog import addresses
from backend.dossiers.drafts import draft_view
from backend.dossiers.schemas import delivery_values
from backend.lib.errors import NotFound, UserError
from backend.lib.forms import first
from backend.lib.i18n import N_
from backend.lib.web import FormData, form_errors, render, see_other
from backend.postal import pickups
from backend.postal.schemas import read_booking
from backend.postal.tariff import PAYMENT_LABELS, quote_pickup
from backend.settings import get_settings


async def _booking_page(
    request: HTMXRequest,
    user: CurrentUser,
    dossier_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template | Redirect:
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


class PickupBookingController(Controller):
    path = "/dossiers/{dossier_id:int}/pickup"
    include_in_schema = False
    guards = [signed_in]

    @get("/")
    async def page(
        self, request: HTMXRequest, user: SignedIn, dossier_id: int
    ) -> Template | Redirect:
        return await _booking_page(request, user, dossier_id)

    @post("/")
    async def book(
        self, request: HTMXRequest, user: SignedIn, dossier_id: int, data: FormData
    ) -> Template | Redirect:
        try:
            await pickups.book(user, dossier_id, read_booking(data))
        except UserError as e:
            if e.status_code == 404:
                raise
            values = {
                **delivery_values(data),
                "preferred_date": first(data, "preferred_date").strip(),
            }
            return await _booking_page(
                request, user, dossier_id, values, form_errors(e), e.status_code
            )
        return see_other(f"/dossiers/{dossier_id}?done=pickup")
