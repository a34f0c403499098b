"""A paper result's way by post, as data: which step may follow which, who takes it, and
what it does to the dossier.

    created (result ready, waiting at the center)
      -> handed_over (a handover list signed off by the counter and the post: handover.py)
      -> in_transit -> out_for_delivery -> delivered                  dossier: RETURNED (10)
                                        -> failed -> out_for_delivery (next attempt, up to the
                                                     limit) | returned to the center  dossier: DONE
    created | returned -> collected at the counter (the dossier's HAND_OVER)

Each step runs in one transaction, like a dossier transition: a conditional update of the
shipment on its version (of two couriers confirming the same parcel exactly one wins), the
dossier's own state when it changes, an event in the dossier's hash chain, and the citizen's
notification. A courier's confirmation carries an idempotency key: a phone replaying its queue
after a dead zone gets the first answer back and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import PostOffice
from backend.dossiers import events
from backend.dossiers.inputs import ActionInput
from backend.dossiers.tables import Dossier
from backend.dossiers.transitions import perform_system
from backend.dossiers.uploads import file_store
from backend.dossiers.workflow import Action
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import Conflict, FormErrors, NotFound, UserError
from backend.lib.i18n import N_, gettext
from backend.notifications.services import deliver
from backend.postal.tables import ConfirmationKey, Shipment


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

RELATIONS: dict[str, str] = {
    "self": N_("Chính người nộp hồ sơ"),
    "family": N_("Người thân trong gia đình"),
    "authorized": N_("Người được ủy quyền"),
    "other": N_("Khác (bảo vệ, hàng xóm...)"),
}

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
MAX_PROOF_BYTES = 3 * 1024 * 1024


@dataclass
class StepInput:
    reason: str = ""  # a FAILURE_REASONS key
    note: str = ""
    received_by: str = ""
    relation: str = ""  # a RELATIONS key
    id_last_digits: str = ""
    # A photo or an on-screen signature as a data: URL (the phone may have queued it offline).
    proof: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class Answer:
    """What a confirmation got: kept with its idempotency key and given again on a replay."""

    status_code: int
    body: dict[str, Any]


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


def _check(step: Step, shipment: dict[str, Any], inp: StepInput) -> None:
    errors: list[UserError] = []
    if step is Step.OUT and shipment["attempts"] >= shipment["max_attempts"]:
        raise Conflict(
            N_("Đã giao {count} lần không thành công: hãy chuyển hoàn bưu gửi về Trung tâm."),
            count=shipment["attempts"],
        )
    if step is Step.FAIL:
        if inp.reason not in FAILURE_REASONS:
            errors.append(UserError(N_("Chọn lý do không giao được."), field="reason"))
        elif inp.reason == "other" and len(inp.note.strip()) < 5:
            errors.append(UserError(N_("Ghi rõ lý do (ít nhất 5 ký tự)."), field="note"))
    if step is Step.RETURN and shipment["attempts"] < 1:
        errors.append(UserError(N_("Chỉ chuyển hoàn sau khi đã đi phát."), field="reason"))
    if step is Step.DELIVER:
        if len(inp.received_by.strip()) < 2:
            errors.append(UserError(N_("Ghi họ tên người nhận."), field="received_by"))
        if inp.relation not in RELATIONS:
            errors.append(
                UserError(N_("Chọn quan hệ của người nhận với người nộp."), field="relation")
            )
        digits = inp.id_last_digits.strip()
        if not (digits.isdigit() and 4 <= len(digits) <= 6):
            errors.append(
                UserError(
                    N_("Ghi 4 số cuối giấy tờ tùy thân của người nhận."), field="id_last_digits"
                )
            )
        if not inp.proof:
            errors.append(
                UserError(N_("Chụp ảnh người nhận hoặc để người nhận ký tên."), field="proof")
            )
    if errors:
        raise FormErrors(errors)


def store_proof(data_url: str) -> tuple[str, str]:
    """Decode a data: URL image and keep it in the content store; returns (sha256, ext)."""
    header, _, payload = data_url.partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise FormErrors([UserError(N_("Ảnh hoặc chữ ký không hợp lệ."), field="proof")])
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormErrors([UserError(N_("Ảnh hoặc chữ ký không hợp lệ."), field="proof")]) from exc
    if len(raw) > MAX_PROOF_BYTES:
        raise FormErrors([UserError(N_("Ảnh quá lớn (tối đa 3 MB)."), field="proof")])
    with tempfile.NamedTemporaryFile(delete=False, suffix=".img") as f:
        f.write(raw)
    stored = file_store().accept(Path(f.name), "proof")
    return stored.sha256, stored.extension


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


async def _saved_answer(key: str) -> Answer | None:
    row = await ConfirmationKey.select().where(ConfirmationKey.key == key).first()
    if row is None:
        return None
    return Answer(row["status_code"], json.loads(row["answer"]))


async def keep_answer(key: str, answer: Answer, now: datetime) -> None:
    await ConfirmationKey.insert(
        ConfirmationKey(
            key=key,
            at=now,
            status_code=answer.status_code,
            answer=json.dumps(answer.body, ensure_ascii=False),
        )
    )


async def confirm(
    user: CurrentUser,
    code_or_id: str | int,
    step: Step,
    inp: StepInput,
    client_key: str = "",
) -> Answer:
    """A courier's step on a parcel, applied at most once per idempotency key."""
    return await once(user, client_key, lambda key: _apply(user, code_or_id, step, inp, key))


async def once(
    user: CurrentUser, client_key: str, apply: Callable[[str], Awaitable[Answer]]
) -> Answer:
    """Run a confirmation at most once per (person, idempotency key).

    `apply(key)` stores its own answer with the key inside its transaction. A refusal (the
    parcel was confirmed by someone else, a missing field) is an answer too: kept with the key,
    so a replay hears the same thing and the phone can drop it.
    """
    key = f"{user.id}:{client_key.strip()[:64]}" if client_key.strip() else ""
    if key and (saved := await _saved_answer(key)):
        return Answer(saved.status_code, {**saved.body, "replayed": True})
    try:
        return await apply(key)
    except UserError as exc:
        if key and (saved := await _saved_answer(key)):
            # The same key won in a concurrent request: that is this confirmation's answer.
            return Answer(saved.status_code, {**saved.body, "replayed": True})
        answer = _refusal(exc)
        if key and exc.status_code in (409, 422):
            try:
                await keep_answer(key, answer, utcnow())
            except Exception as keep_exc:  # a racing replay stored it first: fine
                if not is_unique_violation(keep_exc):
                    raise
        return answer


def _refusal(exc: UserError) -> Answer:
    body: dict[str, Any] = {"detail": exc.render(gettext), "field": exc.field, "replayed": False}
    if isinstance(exc, FormErrors):
        body["errors"] = exc.by_field(gettext)
    return Answer(exc.status_code, body)


async def _apply(
    user: CurrentUser, code_or_id: str | int, step: Step, inp: StepInput, key: str
) -> Answer:
    shipment = await find_shipment(code_or_id)
    if not may_handle(user, shipment):
        raise NotFound(N_("Không tìm thấy bưu gửi “{code}”."), code=str(code_or_id)[:40])
    rule = RULES[step]
    current = ShipmentState(shipment["state"])
    if inp.expected_version is not None and inp.expected_version != shipment["version"]:
        raise Conflict(STALE)
    if current not in rule.sources:
        raise Conflict(
            N_("Bưu gửi đang ở bước “{state}”, không thể “{step}”."),
            state=current.label,
            step=step.label,
        )
    _check(step, shipment, inp)
    proof = store_proof(inp.proof) if step is Step.DELIVER else ("", "")
    now = utcnow()
    changes, data = _step_changes(step, shipment, inp, user, now, proof)
    place = await post_office_code(shipment["post_office"])
    async with write_transaction():
        await claim(shipment, {Shipment.state: rule.target.value, **changes}, now)
        dossier = await load_dossier(shipment["dossier"])
        moved = dict(shipment_from=current.value, shipment_to=rule.target.value, place=place)
        if rule.dossier_move is not None:
            event = await move_dossier(
                dossier, rule.dossier_move, user, note=inp.note.strip(), data=data, **moved
            )
        else:
            event = await record(
                dossier=dossier,
                action=step.value,
                at=now,
                actor=user,
                note=inp.note.strip(),
                data=data,
                **moved,
            )
        if rule.notify:
            await _tell_step(dossier, step, shipment, inp, data, now)
        answer = Answer(
            200,
            {
                "shipment": shipment["code"],
                "state": rule.target.value,
                "state_label": rule.target.label,
                "attempts": changes.get(Shipment.attempts, shipment["attempts"]),
                "event": event["seq"],
                "replayed": False,
            },
        )
        if key:
            await keep_answer(key, answer, now)
    return answer


def _step_changes(
    step: Step,
    shipment: dict[str, Any],
    inp: StepInput,
    user: CurrentUser,
    now: datetime,
    proof: tuple[str, str],
) -> tuple[dict[Any, Any], dict[str, Any]]:
    """What the step writes on the shipment, and what its event records."""
    changes: dict[Any, Any] = {}
    data: dict[str, Any] = {}
    if step is Step.OUT:
        changes[Shipment.courier] = user.id
        changes[Shipment.attempts] = shipment["attempts"] + 1
        data["attempt"] = shipment["attempts"] + 1
    elif step is Step.FAIL:
        note = inp.note.strip()[:250]
        changes[Shipment.last_failure] = f"{inp.reason}: {note}" if note else inp.reason
        data.update(reason=inp.reason, attempt=shipment["attempts"])
    elif step is Step.DELIVER:
        received_by = " ".join(inp.received_by.split())[:120]
        changes.update(
            {
                Shipment.delivered_at: now,
                Shipment.received_by: received_by,
                Shipment.relation: inp.relation,
                Shipment.id_last_digits: inp.id_last_digits.strip(),
                Shipment.proof_sha256: proof[0],
                Shipment.proof_extension: proof[1],
            }
        )
        data.update(
            received_by=received_by,
            relation=inp.relation,
            id_last_digits=inp.id_last_digits.strip(),
            proof=proof[0],
        )
    return changes, data


async def _tell_step(
    dossier: dict[str, Any],
    step: Step,
    shipment: dict[str, Any],
    inp: StepInput,
    data: dict[str, Any],
    now: datetime,
) -> None:
    left = shipment["max_attempts"] - shipment["attempts"]
    await tell_citizen(
        dossier,
        step.value,
        now,
        reason=FAILURE_REASONS.get(inp.reason, ""),
        received_by=data.get("received_by", ""),
        attempts=shipment["attempts"],
        left=(
            f"Bưu điện sẽ giao lại (còn {left} lần). Bạn có thể đổi địa chỉ hoặc hẹn "
            "ngày nhận trên trang hồ sơ."
            if left > 0
            else "Bưu gửi sẽ được chuyển hoàn về Trung tâm."
        ),
    )
