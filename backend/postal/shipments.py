"""Shipments seen from the dossier: made when the result is ready, changed by the citizen,
closed when the citizen collects the result at the counter.

The courier's steps are in lifecycle.py; the handover to the post in handover.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from backend.access.user import CurrentUser
from backend.catalog.tables import PostOffice, Procedure
from backend.dossiers import listeners
from backend.dossiers.delivery import (
    CHANGED_MEANWHILE,
    Delivery,
    change_delivery,
    clean_delivery,
)
from backend.dossiers.tables import DossierEvent
from backend.dossiers.workflow import BEFORE_DECISION, State
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.lib.prepared import prepared
from backend.postal import lifecycle
from backend.postal.lifecycle import CHANGEABLE, ShipmentState
from backend.postal.schemas import Change
from backend.postal.tables import Shipment
from backend.postal.tariff import quote_delivery
from backend.settings import get_settings

# A citizen may choose or change postal delivery while the dossier is in one of these states.
OPEN_FOR_CHOICE = frozenset({*BEFORE_DECISION, State.DONE, State.WITH_POST})
RESCHEDULE_DAYS = 30


async def suggest_post_office(ward_code: str) -> int | None:
    """The office serving this ward, else the first active office that serves anywhere."""
    offices = await PostOffice.select(PostOffice.id, PostOffice.ward_codes).where(
        PostOffice.active.eq(True)
    )
    for office in offices:
        codes = {c.strip() for c in office["ward_codes"].split(",") if c.strip()}
        if ward_code and ward_code in codes:
            return int(office["id"])
    fallback = [o for o in offices if not o["ward_codes"].strip()]
    chosen = fallback or offices
    return int(chosen[0]["id"]) if chosen else None


def _address(dossier: dict[str, Any]) -> dict[Any, Any]:
    return {
        Shipment.recipient_name: dossier["recipient_name"],
        Shipment.recipient_phone: dossier["recipient_phone"],
        Shipment.street: dossier["street"],
        Shipment.ward: dossier["ward"],
        Shipment.ward_code: dossier["ward_code"],
        Shipment.province: dossier["delivery_province"],
    }


async def _open(
    dossier: dict[str, Any], now: datetime, actor: CurrentUser | None
) -> dict[str, Any]:
    """The shipment of a ready paper result (inside the caller's transaction)."""
    quote = await quote_delivery(dossier["delivery_province"])
    values: dict[Any, Any] = {
        **_address(dossier),
        Shipment.state: ShipmentState.CREATED.value,
        Shipment.fee_vnd: quote.fee_vnd,
        Shipment.payment: quote.payment,
        Shipment.post_office: await suggest_post_office(dossier["ward_code"]),
        Shipment.max_attempts: get_settings().postal_max_attempts,
        Shipment.attempts: 0,
        Shipment.handover: None,
        Shipment.courier: None,
        Shipment.updated_at: now,
    }
    existing = (
        await Shipment.select(Shipment.id, Shipment.version, Shipment.state)
        .where(Shipment.dossier == dossier["id"])
        .first()
    )
    if existing:
        values[Shipment.version] = existing["version"] + 1
        await Shipment.update(values).where(Shipment.id == existing["id"])
        before = existing["state"]
    else:
        row = Shipment(dossier=dossier["id"], created_at=now)
        for column, value in values.items():
            setattr(row, column._meta.name, value)
        await row.save()
        before = ""
    await lifecycle.record(
        dossier=dossier,
        action="created",
        at=now,
        actor=actor,
        shipment_from=before,
        shipment_to=ShipmentState.CREATED.value,
        data={"fee_vnd": quote.fee_vnd, "payment": quote.payment},
    )
    shipment = await Shipment.select().where(Shipment.dossier == dossier["id"]).first()
    assert shipment is not None
    return shipment


async def open_for_paper_result(change: listeners.Change) -> None:
    """Listener of APPROVE: a paper result to deliver by post becomes a shipment."""
    dossier = change.after
    if change.data.get("result_kind") == "paper" and dossier["delivery_method"] == "post":
        await _open(dossier, change.now, change.actor)


async def collected_at_counter(change: listeners.Change) -> None:
    """Listener of HAND_OVER: collected at the counter, before the handover to the post or
    after a return."""
    await Shipment.update(
        {
            Shipment.state: ShipmentState.COLLECTED.value,
            Shipment.version: Shipment.version + 1,
            Shipment.updated_at: change.now,
        }
    ).where(
        (Shipment.dossier == change.after["id"])
        & Shipment.state.is_in([ShipmentState.CREATED.value, ShipmentState.RETURNED.value])
    )


_OF_DOSSIER = prepared(lambda dossier: Shipment.select().where(Shipment.dossier == dossier).first())


async def of_dossier(dossier_id: int) -> dict[str, Any] | None:
    result: dict[str, Any] | None = await _OF_DOSSIER(dossier_id)
    return result


async def steps_of(dossier_id: int) -> list[dict[str, Any]]:
    """The postal events of a dossier, oldest first, for its page."""
    return await (
        DossierEvent.select(
            DossierEvent.at, DossierEvent.action, DossierEvent.note, DossierEvent.data
        )
        .where((DossierEvent.dossier == dossier_id) & DossierEvent.action.like("postal.%"))
        .order_by(DossierEvent.seq)
    )


def _today() -> date:
    return utcnow().astimezone(get_settings().time_zone).date()


async def change(user: CurrentUser, dossier_id: int, wanted: Change) -> str:
    """The citizen chooses the post, goes back to the counter, changes the address or the day.

    Allowed until the parcel is out for delivery; going back to the counter only until the
    result has left the center. Returns what happened (for the message shown).
    """
    dossier = await lifecycle.load_dossier(dossier_id)
    if dossier["citizen"] != user.id:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    state = State(dossier["state"])
    if state not in OPEN_FOR_CHOICE or dossier["result_kind"] == "electronic":
        raise Conflict(N_("Hồ sơ này không còn đổi được cách nhận kết quả."))
    proc = (
        await Procedure.select(Procedure.result_delivery)
        .where(Procedure.id == dossier["procedure"])
        .first()
    )
    allowed = (proc["result_delivery"] if proc else "counter").split(",")
    cleaned = clean_delivery(wanted.delivery, allowed, strict=True)
    shipment = await of_dossier(dossier_id)
    current = ShipmentState(shipment["state"]) if shipment else None
    _check_change(dossier, current, cleaned, wanted)
    now = utcnow()
    async with write_transaction():
        await change_delivery(dossier, cleaned, now)
        dossier = await lifecycle.load_dossier(dossier_id)
        paper_ready = state is State.DONE and dossier["result_kind"] == "paper"
        if cleaned.method == "post" and (current is None or current is ShipmentState.CANCELLED):
            if paper_ready:
                await _open(dossier, now, user)
                return "opened"
            return "chosen"
        if cleaned.method != "post":
            if shipment is not None and current is ShipmentState.CREATED:
                await _cancel(dossier, shipment, now, user)
            return "counter"
        assert shipment is not None and current is not None
        await _readdress(dossier, shipment, current, cleaned, wanted.preferred_date, now, user)
    return "changed"


def _check_change(
    dossier: dict[str, Any],
    current: ShipmentState | None,
    cleaned: Delivery,
    wanted: Change,
) -> None:
    """Whether the parcel, in its `current` state, may still take the change."""
    if current in (ShipmentState.OUT_FOR_DELIVERY,):
        raise Conflict(N_("Bưu tá đang đi phát nên không đổi được địa chỉ hay ngày nhận lúc này."))
    if current is not None and current not in CHANGEABLE and current is not ShipmentState.CANCELLED:
        raise Conflict(N_("Bưu gửi đã kết thúc, không đổi được nữa."))
    left_center = current in CHANGEABLE and current is not ShipmentState.CREATED
    if cleaned.method != "post" and left_center:
        raise FormErrors(
            [
                UserError(
                    N_("Kết quả đã giao cho bưu điện, không chuyển về nhận tại quầy được nữa."),
                    field="delivery_method",
                )
            ]
        )
    preferred = wanted.preferred_date
    if preferred is not None and not (
        _today() <= preferred <= _today() + timedelta(days=RESCHEDULE_DAYS)
    ):
        raise FormErrors(
            [
                UserError(
                    N_("Chọn ngày nhận trong {days} ngày tới."),
                    field="preferred_date",
                    days=RESCHEDULE_DAYS,
                )
            ]
        )
    if wanted.expected_version is not None and wanted.expected_version != dossier["version"]:
        raise Conflict(CHANGED_MEANWHILE)


async def _readdress(
    dossier: dict[str, Any],
    shipment: dict[str, Any],
    current: ShipmentState,
    cleaned: Delivery,
    preferred: date | None,
    now: datetime,
    user: CurrentUser,
) -> None:
    """The parcel follows the dossier's new address or day, with the fee of its province
    (inside the caller's transaction)."""
    quote = await quote_delivery(cleaned.province)
    await lifecycle.claim(
        shipment,
        {
            **_address(dossier),
            Shipment.preferred_date: preferred,
            Shipment.fee_vnd: quote.fee_vnd,
            Shipment.payment: quote.payment,
        },
        now,
        Shipment.state.is_in([s.value for s in CHANGEABLE]),
        refused=N_("Bưu tá đang đi phát nên không đổi được địa chỉ hay ngày nhận lúc này."),
    )
    await lifecycle.record(
        dossier=dossier,
        action="address_changed",
        at=now,
        actor=user,
        shipment_from=current.value,
        shipment_to=current.value,
        data={
            "ward": dossier["ward"],
            "ward_code": dossier["ward_code"],
            "preferred_date": preferred,
        },
    )


async def _cancel(
    dossier: dict[str, Any], shipment: dict[str, Any], now: datetime, user: CurrentUser
) -> None:
    await lifecycle.claim(
        shipment,
        {Shipment.state: ShipmentState.CANCELLED.value, Shipment.handover: None},
        now,
        Shipment.state == ShipmentState.CREATED.value,
        Shipment.handover.is_null(),
        refused=N_(
            "Kết quả đã được lập biên bản bàn giao cho bưu điện, không chuyển về quầy được nữa."
        ),
    )
    await lifecycle.record(
        dossier=dossier,
        action="cancelled",
        at=now,
        actor=user,
        shipment_from=ShipmentState.CREATED.value,
        shipment_to=ShipmentState.CANCELLED.value,
    )
