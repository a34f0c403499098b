"""The post bringing collected paper dossiers to the center: a list signed off by both sides.

The reverse of the results' handover (backend.postal.handover): the postal worker lists the
envelopes collected at citizens' homes that they hand to the counter, with the count; the
counter officer counts the envelopes and confirms the same number. Only then are the papers
at the center, each dossier gets the step in its history, and the counter may receive it
(pickups.require_papers): until then, nobody at the center has seen them.
"""

from __future__ import annotations

import json
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.notifications.services import deliver
from backend.postal import lifecycle
from backend.postal.pickups import COLLECTED, HANDED_IN
from backend.postal.tables import Pickup, PickupHandover

NOT_FOUND = N_("Không tìm thấy phiếu giao hồ sơ này.")
SETTLED = N_("Phiếu này đã được xác nhận hoặc đã hủy.")
ENVELOPE_COLUMNS = (
    Pickup.id,
    Pickup.state,
    Pickup.dossier,
    Pickup.contact_name,
    Pickup.ward,
    Pickup.collected_at,
    Pickup.checked_documents,
    Pickup.dossier.code.as_alias("code"),
)
# A list as every reader shows it: the pages, the courier's round, the API.
LIST_COLUMNS = (
    *PickupHandover.all_columns(),
    PickupHandover.post_office.name.as_alias("office_name"),
    PickupHandover.post_office.code.as_alias("office_code"),
    PickupHandover.created_by.full_name.as_alias("created_by_name"),
    PickupHandover.confirmed_by.full_name.as_alias("confirmed_by_name"),
)


async def to_hand_in(user: CurrentUser) -> list[dict[str, Any]]:
    """Envelopes this postal worker's office collected and has not listed for the center."""
    if user.role is not Role.POSTAL or user.post_office_id is None:
        return []
    return await (
        Pickup.select(*ENVELOPE_COLUMNS)
        .where(
            (Pickup.post_office == user.post_office_id)
            & (Pickup.state == COLLECTED)
            & Pickup.handover.is_null()
        )
        .order_by(Pickup.collected_at)
    )


async def create_list(user: CurrentUser, pickup_ids: list[int]) -> int:
    """The postal worker's list of the envelopes they bring; returns its id."""
    if user.role is not Role.POSTAL or user.post_office_id is None:
        raise Forbidden(N_("Chỉ nhân viên bưu điện lập phiếu giao hồ sơ cho Trung tâm."))
    ids = sorted(set(pickup_ids))
    if not ids:
        raise FormErrors([UserError(N_("Chọn ít nhất một hồ sơ."), field="pickups")])
    now = utcnow()
    async with write_transaction():
        row = PickupHandover(
            post_office=user.post_office_id,
            created_by=user.id,
            created_at=now,
            dossier_count=len(ids),
        )
        await row.save()
        taken = (
            await Pickup.update({Pickup.handover: row.id, Pickup.version: Pickup.version + 1})
            .where(
                Pickup.id.is_in(ids)
                & (Pickup.post_office == user.post_office_id)
                & (Pickup.state == COLLECTED)
                & Pickup.handover.is_null()
            )
            .returning(Pickup.id)
        )
        if len(taken) != len(ids):
            raise Conflict(
                N_("Có hồ sơ vừa được đưa vào phiếu khác. Trang đã được tải lại, hãy chọn lại.")
            )
    return int(row.id)


async def load_list(list_id: int) -> dict[str, Any]:
    row = await PickupHandover.select(*LIST_COLUMNS).where(PickupHandover.id == list_id).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    row["envelopes"] = await (
        Pickup.select(*ENVELOPE_COLUMNS).where(Pickup.handover == list_id).order_by(Pickup.id)
    )
    for e in row["envelopes"]:
        # The documents the courier checked at the door: what the counter finds in the envelope.
        e["paper_count"] = len(json.loads(e["checked_documents"] or "[]"))
    return row


def may_see_list(user: CurrentUser, handover: dict[str, Any]) -> bool:
    if user.role in (Role.COUNTER, Role.MANAGER, Role.ADMIN):
        return True
    return user.role is Role.POSTAL and user.post_office_id == handover["post_office"]


def _open() -> Any:
    return PickupHandover.confirmed_at.is_null() & PickupHandover.cancelled_at.is_null()


async def open_lists_of(user: CurrentUser) -> list[dict[str, Any]]:
    """This postal worker's office's lists the center has not confirmed yet."""
    if user.role is not Role.POSTAL or user.post_office_id is None:
        return []
    return await (
        PickupHandover.select(*LIST_COLUMNS)
        .where((PickupHandover.post_office == user.post_office_id) & _open())
        .order_by(PickupHandover.id)
    )


async def waiting_at_center() -> list[dict[str, Any]]:
    """Lists the post has brought that the counter has not confirmed yet."""
    return await PickupHandover.select(*LIST_COLUMNS).where(_open()).order_by(PickupHandover.id)


async def cancel_list(user: CurrentUser, list_id: int) -> None:
    """The postal worker withdraws a list the center has not confirmed (a wrong count): its
    envelopes can go on a new one."""
    handover = await load_list(list_id)
    if user.role is not Role.POSTAL or user.post_office_id != handover["post_office"]:
        raise NotFound(NOT_FOUND)
    async with write_transaction():
        withdrawn = (
            await PickupHandover.update({PickupHandover.cancelled_at: utcnow()})
            .where((PickupHandover.id == list_id) & _open())
            .returning(PickupHandover.id)
        )
        if not withdrawn:
            raise Conflict(SETTLED)
        await Pickup.update({Pickup.handover: None, Pickup.version: Pickup.version + 1}).where(
            (Pickup.handover == list_id) & (Pickup.state == COLLECTED)
        )


async def confirm_list(user: CurrentUser, list_id: int, counted: int) -> dict[str, Any]:
    """The counter officer's signature: the same count, then every envelope is at the center
    (an event of each dossier, the citizen told), in one transaction."""
    if user.role is not Role.COUNTER:
        raise Forbidden(N_("Chỉ cán bộ Bộ phận Một cửa xác nhận nhận hồ sơ từ bưu điện."))
    handover = await load_list(list_id)
    if handover["confirmed_at"] is not None or handover["cancelled_at"] is not None:
        raise Conflict(SETTLED)
    envelopes = [e for e in handover["envelopes"] if e["state"] == COLLECTED]
    listed = handover["dossier_count"]
    if counted != listed or len(envelopes) != listed:
        raise FormErrors(
            [
                UserError(
                    N_(
                        "Số hồ sơ đếm được ({counted}) khác số trên phiếu ({listed}). "
                        "Hãy đếm lại cùng nhân viên bưu điện."
                    ),
                    field="count",
                    counted=counted,
                    listed=listed,
                )
            ]
        )
    now = utcnow()
    async with write_transaction():
        signed = (
            await PickupHandover.update(
                {PickupHandover.confirmed_by: user.id, PickupHandover.confirmed_at: now}
            )
            .where((PickupHandover.id == list_id) & _open())
            .returning(PickupHandover.id)
        )
        if not signed:
            raise Conflict(SETTLED)
        for envelope in envelopes:
            await _handed_in(envelope, handover, user, now)
    return await load_list(list_id)


async def _handed_in(
    envelope: dict[str, Any], handover: dict[str, Any], user: CurrentUser, now: Any
) -> None:
    await Pickup.update(
        {Pickup.state: HANDED_IN, Pickup.handed_in_at: now, Pickup.version: Pickup.version + 1}
    ).where(Pickup.id == envelope["id"])
    dossier = await lifecycle.load_dossier(envelope["dossier"])
    await lifecycle.record(
        dossier=dossier,
        action="pickup_handed_in",
        at=now,
        actor=user,
        shipment_from=COLLECTED,
        shipment_to=HANDED_IN,
        data={
            "handover": handover["id"],
            "count": handover["dossier_count"],
            "postal_worker": handover["created_by"],
            "postal_worker_name": handover["created_by_name"],
            "post_office": handover["office_code"],
        },
    )
    await deliver(
        recipient=dossier["citizen"],
        dossier_id=dossier["id"],
        kind="postal.pickup_handed_in",
        title=f"Trung tâm đã nhận hồ sơ giấy {dossier['code'] or ''}",
        body="Bưu điện đã giao hồ sơ giấy của bạn cho Bộ phận Một cửa. Cán bộ sẽ kiểm tra "
        "và tiếp nhận hồ sơ.",
        url=f"/dossiers/{dossier['id']}",
        now=now,
    )
