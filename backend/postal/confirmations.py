"""The courier's steps on a parcel (lifecycle.RULES): taken on the phone, queued when there is
no network, applied once per idempotency key.

Each step is checked against the parcel's state and version and against what the step needs
(a reason for a failed attempt; the recipient's name, relation, identity digits and a proof for
a delivery), then applied in one transaction: the shipment, the dossier when the step moves it
(delivered, returned), an event in the dossier's chain, the citizen's message, and the answer
kept with its key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.access.user import CurrentUser
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.postal.idempotency import Answer, keep_answer, once
from backend.postal.lifecycle import (
    FAILURE_REASONS,
    RELATIONS,
    RULES,
    STALE,
    ShipmentState,
    Step,
    claim,
    find_shipment,
    load_dossier,
    may_handle,
    move_dossier,
    post_office_code,
    record,
    tell_citizen,
)
from backend.postal.proofs import store_proof
from backend.postal.schemas import StepInput
from backend.postal.tables import Shipment


async def confirm(
    user: CurrentUser,
    code_or_id: str | int,
    step: Step,
    inp: StepInput,
    client_key: str = "",
) -> Answer:
    """A courier's step on a parcel, applied at most once per idempotency key."""
    return await once(user, client_key, lambda key: _apply(user, code_or_id, step, inp, key))


async def _movable(
    user: CurrentUser, code_or_id: str | int, step: Step, inp: StepInput
) -> dict[str, Any]:
    """The parcel, if this courier may take `step` on it now."""
    shipment = await find_shipment(code_or_id)
    if not may_handle(user, shipment):
        raise NotFound(N_("Không tìm thấy bưu gửi “{code}”."), code=str(code_or_id)[:40])
    current = ShipmentState(shipment["state"])
    if inp.expected_version is not None and inp.expected_version != shipment["version"]:
        raise Conflict(STALE)
    if current not in RULES[step].sources:
        raise Conflict(
            N_("Bưu gửi đang ở bước “{state}”, không thể “{step}”."),
            state=current.label,
            step=step.label,
        )
    _check(step, shipment, inp)
    return shipment


async def _apply(
    user: CurrentUser, code_or_id: str | int, step: Step, inp: StepInput, key: str
) -> Answer:
    shipment = await _movable(user, code_or_id, step, inp)
    rule = RULES[step]
    current = ShipmentState(shipment["state"])
    proof = await store_proof(inp.proof) if step is Step.DELIVER else ("", "")
    now = utcnow()
    changes, data = _step_changes(step, shipment, inp, user, now, proof)
    place = await post_office_code(shipment["post_office"])
    async with write_transaction():
        await claim(shipment, {Shipment.state: rule.target.value, **changes}, now)
        dossier = await load_dossier(shipment["dossier"])
        moved = dict(shipment_from=current.value, shipment_to=rule.target.value, place=place)
        note = inp.note.strip()
        if rule.dossier_move is not None:
            event = await move_dossier(
                dossier, rule.dossier_move, user, note=note, data=data, **moved
            )
        else:
            event = await record(
                dossier=dossier,
                action=step.value,
                at=now,
                actor=user,
                note=note,
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
                UserError(
                    N_(
                        "Chỉ giao kết quả cho chính người nộp hồ sơ, người đại diện theo pháp "
                        "luật hoặc người được ủy quyền bằng văn bản."
                    ),
                    field="relation",
                )
            )
        elif inp.relation == "authorized" and len(inp.authorization.strip()) < 5:
            errors.append(
                UserError(
                    N_("Ghi số và ngày của văn bản ủy quyền, chụp ảnh văn bản cùng người nhận."),
                    field="authorization",
                )
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
        if inp.relation == "authorized":
            data["authorization"] = " ".join(inp.authorization.split())
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
