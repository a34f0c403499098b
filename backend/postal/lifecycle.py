"""A paper result's way by post, as data: which step may follow which, who takes it, and
what it does to the dossier; and the few writes every postal step is made of.

    created (result ready, waiting at the center)
      -> handed_over (a handover list signed off by the counter and the post: handover.py)
      -> in_transit -> out_for_delivery -> delivered                  dossier: RETURNED (10)
                                        -> failed -> out_for_delivery (next attempt, up to the
                                                     limit) | returned to the center  dossier: DONE
    created | returned -> collected at the counter (the dossier's HAND_OVER)

Each step runs in one transaction, like a dossier transition: a conditional update of the
shipment on its version (`claim`: of two couriers confirming the same parcel exactly one wins),
the dossier's own state when it changes (`move_dossier`, through the workflow's system rows), an
event in the dossier's hash chain (`record`), and the citizen's notification (`tell_citizen`).
The courier's confirmations are in confirmations.py; each carries an idempotency key
(idempotency.py): a phone replaying its queue after a dead zone gets the first answer back and
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import PostOffice
from backend.dossiers import events
from backend.dossiers.action_checks import RECEIVERS
from backend.dossiers.inputs import ActionInput
from backend.dossiers.tables import Dossier
from backend.dossiers.transitions import perform_system
from backend.dossiers.workflow import Action
from backend.lib.errors import Conflict, NotFound
from backend.lib.i18n import N_
from backend.notifications.services import deliver
from backend.postal.tables import Shipment


class ShipmentState(StrEnum):
    CREATED = "created"
    HANDED_OVER = "handed_over"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED = "failed"
    DELIVERED = "delivered"
    RETURNED = "returned"
    COLLECTED = "collected"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return SHIPMENT_LABELS[self]


SHIPMENT_LABELS: dict[ShipmentState, str] = {
    ShipmentState.CREATED: N_("Chờ bàn giao cho bưu điện"),
    ShipmentState.HANDED_OVER: N_("Bưu điện đã nhận"),
    ShipmentState.IN_TRANSIT: N_("Đang vận chuyển"),
    ShipmentState.OUT_FOR_DELIVERY: N_("Đang đi phát"),
    ShipmentState.FAILED: N_("Giao không thành công"),
    ShipmentState.DELIVERED: N_("Đã giao"),
    ShipmentState.RETURNED: N_("Đã chuyển hoàn về Trung tâm"),
    ShipmentState.COLLECTED: N_("Đã nhận tại quầy"),
    ShipmentState.CANCELLED: N_("Đã hủy (nhận tại quầy)"),
}

# The citizen may still change the address or the day while the parcel is not on its way
# to the door (DOMAIN: until out for delivery).
CHANGEABLE = frozenset(
    {
        ShipmentState.CREATED,
        ShipmentState.HANDED_OVER,
        ShipmentState.IN_TRANSIT,
        ShipmentState.FAILED,
    }
)
# On the courier's round: parcels the post office holds and has not finished with.
ON_ROUND = (
    ShipmentState.HANDED_OVER,
    ShipmentState.IN_TRANSIT,
    ShipmentState.OUT_FOR_DELIVERY,
    ShipmentState.FAILED,
)


class Step(StrEnum):
    TRANSIT = "in_transit"
    OUT = "out_for_delivery"
    DELIVER = "delivered"
    FAIL = "failed"
    RETURN = "returned"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS: dict[Step, str] = {
    Step.TRANSIT: N_("Đang vận chuyển"),
    Step.OUT: N_("Nhận đi phát"),
    Step.DELIVER: N_("Đã giao"),
    Step.FAIL: N_("Không giao được"),
    Step.RETURN: N_("Chuyển hoàn về Trung tâm"),
}


@dataclass(frozen=True)
class Rule:
    sources: tuple[ShipmentState, ...]
    target: ShipmentState
    # The workflow's system row that moves the dossier, when the step does.
    dossier_move: Action | None = None
    notify: bool = True


RULES: dict[Step, Rule] = {
    Step.TRANSIT: Rule((ShipmentState.HANDED_OVER,), ShipmentState.IN_TRANSIT, notify=False),
    Step.OUT: Rule(
        (ShipmentState.HANDED_OVER, ShipmentState.IN_TRANSIT, ShipmentState.FAILED),
        ShipmentState.OUT_FOR_DELIVERY,
    ),
    Step.DELIVER: Rule(
        (ShipmentState.OUT_FOR_DELIVERY,),
        ShipmentState.DELIVERED,
        Action.POST_DELIVERED,
    ),
    Step.FAIL: Rule((ShipmentState.OUT_FOR_DELIVERY,), ShipmentState.FAILED),
    Step.RETURN: Rule((ShipmentState.FAILED,), ShipmentState.RETURNED, Action.POST_RETURNED),
}

FAILURE_REASONS: dict[str, str] = {
    "not_home": N_("Không có người nhận tại nhà"),
    "wrong_address": N_("Sai hoặc không tìm thấy địa chỉ"),
    "refused": N_("Người nhận từ chối nhận"),
    "other": N_("Lý do khác"),
}

# Who may receive a result: the same people as at the counter (the applicant, a legal
# representative or a person authorised in writing, identity checked; backend.dossiers).
RELATIONS: dict[str, str] = RECEIVERS
# Accepted before December 2026; kept so that old deliveries still read correctly.
FORMER_RELATIONS: dict[str, str] = {
    "family": N_("Người thân trong gia đình"),
    "other": N_("Khác (bảo vệ, hàng xóm...)"),
}
RELATION_LABELS = {**RELATIONS, **FORMER_RELATIONS}

# (title, body) of the citizen's message per step; {code}, {reason}, {left} filled in.
MESSAGES: dict[str, tuple[str, str]] = {
    "handed_over": (
        "Kết quả hồ sơ {code} đã giao cho bưu điện",
        "Bưu điện sẽ chuyển đến địa chỉ bạn đã đăng ký. Bạn vẫn có thể đổi địa chỉ hoặc ngày "
        "nhận trước khi bưu tá đi phát.",
    ),
    "out_for_delivery": (
        "Bưu tá đang mang kết quả hồ sơ {code} đến",
        "Vui lòng giữ điện thoại để bưu tá liên lạc; người nhận mang theo giấy tờ tùy thân.",
    ),
    "delivered": (
        "Đã giao kết quả hồ sơ {code}",
        "Người nhận: {received_by}. Chạm để cho biết bạn có hài lòng không.",
    ),
    "failed": (
        "Chưa giao được kết quả hồ sơ {code}",
        "Lý do: {reason}. {left}",
    ),
    "returned": (
        "Kết quả hồ sơ {code} đã chuyển hoàn về Trung tâm",
        "Bưu điện không giao được sau {attempts} lần. Mời bạn đến Bộ phận Một cửa nhận kết "
        "quả, nhớ mang theo giấy tờ tùy thân.",
    ),
}

STALE = N_("Bưu gửi này vừa được người khác xác nhận. Danh sách đã được tải lại.")


async def find_shipment(code_or_id: str | int) -> dict[str, Any]:
    """A shipment by its parcel code (the dossier code printed on the label) or its id."""
    text = str(code_or_id).strip()
    query = Shipment.select(*Shipment.all_columns(), Shipment.dossier.code.as_alias("code"))
    if text.isdigit():
        row = await query.where(Shipment.id == int(text)).first()
    else:
        row = await query.where(Shipment.dossier.code == text.upper()).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy bưu gửi “{code}”."), code=text[:40])
    return row


def may_handle(user: CurrentUser, shipment: dict[str, Any]) -> bool:
    """A postal worker sees and moves only their own post office's parcels."""
    return (
        user.role is Role.POSTAL
        and user.post_office_id is not None
        and shipment["post_office"] == user.post_office_id
    )


async def load_dossier(dossier_id: int) -> dict[str, Any]:
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    return row


async def post_office_code(post_office_id: int | None) -> str:
    if post_office_id is None:
        return ""
    row = await PostOffice.select(PostOffice.code).where(PostOffice.id == post_office_id).first()
    return row["code"] if row else ""


async def record(
    *,
    dossier: dict[str, Any],
    action: str,
    at: datetime,
    actor: CurrentUser | None,
    shipment_from: str,
    shipment_to: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    place: str = "",
) -> dict[str, Any]:
    """One postal step that leaves the dossier's state as it is, as an event of the
    dossier's hash chain (inside the caller's transaction)."""
    body = {"shipment_from": shipment_from, "shipment_to": shipment_to, **(data or {})}
    return await events.record_step(
        dossier, f"postal.{action}", at, actor, note=note, data=body, place=place
    )


async def move_dossier(
    dossier: dict[str, Any],
    action: Action,
    actor: CurrentUser | None,
    *,
    shipment_from: str,
    shipment_to: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    place: str = "",
) -> dict[str, Any]:
    """A postal step that moves the dossier: one of the workflow's system rows (handed over,
    delivered, returned to the center), run inside the caller's transaction."""
    body = {"shipment_from": shipment_from, "shipment_to": shipment_to, **(data or {})}
    outcome = await perform_system(
        dossier["id"],
        action,
        actor,
        ActionInput(expected_version=dossier["version"], reason=note, event_data=body, place=place),
    )
    return outcome.event


async def tell_citizen(dossier: dict[str, Any], kind: str, now: datetime, **values: Any) -> None:
    title, body = MESSAGES[kind]
    filled = {"code": dossier["code"] or "", **values}
    await deliver(
        recipient=dossier["citizen"],
        dossier_id=dossier["id"],
        kind=f"postal.{kind}",
        title=title.format(**filled),
        body=body.format(**filled).strip(),
        url=f"/dossiers/{dossier['id']}",
        now=now,
    )


async def claim(
    shipment: dict[str, Any],
    changes: dict[Any, Any],
    now: datetime,
    *conditions: Any,
    refused: str = STALE,
) -> None:
    """Change a shipment only if nobody changed it since it was read (its version) and the
    extra conditions hold; otherwise Conflict with `refused`. Bumps the version."""
    where = (Shipment.id == shipment["id"]) & (Shipment.version == shipment["version"])
    for condition in conditions:
        where &= condition
    moved = (
        await Shipment.update(
            {**changes, Shipment.version: shipment["version"] + 1, Shipment.updated_at: now}
        )
        .where(where)
        .returning(Shipment.id)
    )
    if not moved:
        raise Conflict(refused)
