"""Handing ready results to the post: a list signed off by both sides, with the count.

The counter officer lists the parcels for one post office (biên bản bàn giao); the postal
worker counts what they were given and confirms the same number on their phone. Only then do
the parcels count as handed over: each becomes an event of its dossier, the dossier's state
becomes WITH_POST and the citizen is told, all in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.catalog.tables import PostOffice
from backend.dossiers.workflow import Action
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.postal import lifecycle
from backend.postal.lifecycle import ShipmentState
from backend.postal.tables import HandoverList, Shipment

# The handover page shows the latest lists only, and says so.
RECENT_LISTS = 20
PARCEL_COLUMNS = (
    Shipment.id,
    Shipment.state,
    Shipment.version,
    Shipment.post_office,
    Shipment.handover,
    Shipment.recipient_name,
    Shipment.recipient_phone,
    Shipment.street,
    Shipment.ward,
    Shipment.ward_code,
    Shipment.province,
    Shipment.fee_vnd,
    Shipment.payment,
    Shipment.dossier,
    Shipment.dossier.code.as_alias("code"),
)

# A list as every reader shows it: the page, the courier's round, the API.
LIST_COLUMNS = (
    *HandoverList.all_columns(),
    HandoverList.post_office.name.as_alias("office_name"),
    HandoverList.post_office.code.as_alias("office_code"),
    HandoverList.created_by.full_name.as_alias("created_by_name"),
    HandoverList.confirmed_by.full_name.as_alias("confirmed_by_name"),
)


async def waiting() -> list[dict[str, Any]]:
    """Ready results waiting at the center for the post, not yet on a list."""
    return await (
        Shipment.select(*PARCEL_COLUMNS, Shipment.post_office.name.as_alias("office_name"))
        .where((Shipment.state == ShipmentState.CREATED.value) & Shipment.handover.is_null())
        .order_by(Shipment.post_office)
        .order_by(Shipment.id)
    )


async def offices() -> list[dict[str, Any]]:
    return await (
        PostOffice.select(PostOffice.id, PostOffice.code, PostOffice.name)
        .where(PostOffice.active.eq(True))
        .order_by(PostOffice.name)
    )


async def create_list(user: CurrentUser, post_office_id: int, shipment_ids: list[int]) -> int:
    """The counter officer's list for one post office; returns its id."""
    if user.role is not Role.COUNTER:
        raise Forbidden(N_("Chỉ cán bộ Bộ phận Một cửa lập biên bản bàn giao."))
    office = await PostOffice.exists().where(
        (PostOffice.id == post_office_id) & PostOffice.active.eq(True)
    )
    errors = []
    if not office:
        errors.append(UserError(N_("Chọn bưu điện nhận bàn giao."), field="post_office"))
    ids = sorted(set(shipment_ids))
    if not ids:
        errors.append(UserError(N_("Chọn ít nhất một bưu gửi."), field="shipments"))
    if errors:
        raise FormErrors(errors)
    now = utcnow()
    async with write_transaction():
        row = HandoverList(
            post_office=post_office_id, created_by=user.id, created_at=now, parcel_count=len(ids)
        )
        await row.save()
        taken = (
            await Shipment.update(
                {
                    Shipment.handover: row.id,
                    Shipment.post_office: post_office_id,
                    Shipment.version: Shipment.version + 1,
                    Shipment.updated_at: now,
                }
            )
            .where(
                Shipment.id.is_in(ids)
                & (Shipment.state == ShipmentState.CREATED.value)
                & Shipment.handover.is_null()
            )
            .returning(Shipment.id)
        )
        if len(taken) != len(ids):
            raise Conflict(
                N_(
                    "Có bưu gửi vừa được lập biên bản khác hoặc công dân đã đổi cách nhận. "
                    "Trang đã được tải lại, vui lòng chọn lại."
                )
            )
    return int(row.id)


async def cancel_list(user: CurrentUser, list_id: int) -> None:
    """The counter withdraws a list the post has not confirmed (a parcel is missing, the count
    does not match): its parcels wait again, to go on a new list."""
    if user.role is not Role.COUNTER:
        raise Forbidden(N_("Chỉ cán bộ Bộ phận Một cửa hủy biên bản bàn giao."))
    now = utcnow()
    async with write_transaction():
        withdrawn = (
            await HandoverList.update({HandoverList.cancelled_at: now})
            .where(
                (HandoverList.id == list_id)
                & HandoverList.confirmed_at.is_null()
                & HandoverList.cancelled_at.is_null()
            )
            .returning(HandoverList.id)
        )
        if not withdrawn:
            raise Conflict(N_("Biên bản này đã được xác nhận hoặc đã hủy."))
        await Shipment.update(
            {
                Shipment.handover: None,
                Shipment.version: Shipment.version + 1,
                Shipment.updated_at: now,
            }
        ).where((Shipment.handover == list_id) & (Shipment.state == ShipmentState.CREATED.value))


async def load_list(list_id: int) -> dict[str, Any]:
    row = await HandoverList.select(*LIST_COLUMNS).where(HandoverList.id == list_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy biên bản bàn giao này."))
    row["parcels"] = await (
        Shipment.select(*PARCEL_COLUMNS).where(Shipment.handover == list_id).order_by(Shipment.id)
    )
    return row


def may_see_list(user: CurrentUser, handover: dict[str, Any]) -> bool:
    if user.role in (Role.COUNTER, Role.MANAGER, Role.ADMIN):
        return True
    return user.role is Role.POSTAL and user.post_office_id == handover["post_office"]


async def pending_for(user: CurrentUser) -> list[dict[str, Any]]:
    """Lists waiting for this postal worker's office to confirm."""
    if user.post_office_id is None:
        return []
    return await (
        HandoverList.select(*LIST_COLUMNS)
        .where(
            (HandoverList.post_office == user.post_office_id)
            & HandoverList.confirmed_at.is_null()
            & HandoverList.cancelled_at.is_null()
        )
        .order_by(HandoverList.id)
    )


async def recent_lists(limit: int = RECENT_LISTS) -> list[dict[str, Any]]:
    """The latest lists, newest first (the page says it shows only these; an older one is
    still at its own address, /postal/handover/<id>)."""
    return await (
        HandoverList.select(*LIST_COLUMNS).order_by(HandoverList.id, ascending=False).limit(limit)
    )


async def confirm_list(user: CurrentUser, list_id: int, counted: int) -> dict[str, Any]:
    """The postal worker's signature: the same count, then every parcel is handed over."""
    handover = await load_list(list_id)
    if user.role is not Role.POSTAL or user.post_office_id != handover["post_office"]:
        raise NotFound(N_("Không tìm thấy biên bản bàn giao này."))
    if handover["confirmed_at"] is not None or handover["cancelled_at"] is not None:
        raise Conflict(N_("Biên bản này đã được xác nhận hoặc đã hủy."))
    parcels = [p for p in handover["parcels"] if p["state"] == ShipmentState.CREATED.value]
    if counted != handover["parcel_count"] or len(parcels) != handover["parcel_count"]:
        raise FormErrors(
            [
                UserError(
                    N_(
                        "Số bưu gửi đếm được ({counted}) khác số trên biên bản ({listed}). "
                        "Hãy đếm lại cùng cán bộ Một cửa."
                    ),
                    field="count",
                    counted=counted,
                    listed=handover["parcel_count"],
                )
            ]
        )
    now = utcnow()
    officer = await User.select(User.full_name).where(User.id == handover["created_by"]).first()
    async with write_transaction():
        signed = (
            await HandoverList.update(
                {HandoverList.confirmed_by: user.id, HandoverList.confirmed_at: now}
            )
            .where(
                (HandoverList.id == list_id)
                & HandoverList.confirmed_at.is_null()
                & HandoverList.cancelled_at.is_null()
            )
            .returning(HandoverList.id)
        )
        if not signed:
            raise Conflict(N_("Biên bản này đã được xác nhận."))
        for parcel in parcels:
            await _hand_over(parcel, handover, officer["full_name"] if officer else "", user, now)
    return await load_list(list_id)


async def _hand_over(
    parcel: dict[str, Any],
    handover: dict[str, Any],
    officer_name: str,
    user: CurrentUser,
    now: datetime,
) -> None:
    """One parcel of a signed list: handed over, its dossier WITH_POST (the workflow's system
    row), the citizen told (inside the signature's transaction)."""
    await lifecycle.claim(parcel, {Shipment.state: ShipmentState.HANDED_OVER.value}, now)
    dossier = await lifecycle.load_dossier(parcel["dossier"])
    await lifecycle.move_dossier(
        dossier,
        Action.POST_HANDED_OVER,
        user,
        shipment_from=ShipmentState.CREATED.value,
        shipment_to=ShipmentState.HANDED_OVER.value,
        data={
            "handover": handover["id"],
            "count": handover["parcel_count"],
            "counter_officer": handover["created_by"],
            "counter_officer_name": officer_name,
        },
        place=handover["office_code"],
    )
    await lifecycle.tell_citizen(dossier, "handed_over", now)
