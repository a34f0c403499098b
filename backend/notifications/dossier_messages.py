"""The messages a dossier's changes cause, written as notification + outbox rows.

A listener of every transition (backend.dossiers.listeners), so it runs inside the
transition's transaction: a message exists exactly when its event does. The push sender drains
the outbox; the in-app inbox reads the same rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.dossiers.listeners import Change, DueSoon
from backend.dossiers.workflow import Action
from backend.lib.formatting import format_date
from backend.notifications.services import deliver

# (title, body) per action, Vietnamese; {code}, {reason}, {date} are filled in.
MESSAGES: dict[Action, tuple[str, str]] = {
    Action.ACCEPT: (
        "Hồ sơ {code} đã được tiếp nhận",
        "Ngày hẹn trả kết quả: {date}. Bạn có thể xem giấy tiếp nhận trong ứng dụng.",
    ),
    Action.REFUSE: ("Hồ sơ {code} không được tiếp nhận", "Lý do: {reason}"),
    Action.REQUEST_SUPPLEMENT: (
        "Hồ sơ {code} cần bổ sung giấy tờ",
        "{reason} Chạm để tải lên giấy tờ còn thiếu.",
    ),
    Action.SUPPLEMENT: ("Đã nhận giấy tờ bổ sung cho hồ sơ {code}", "Ngày hẹn trả: {date}."),
    Action.APPROVE: ("Hồ sơ {code} đã có kết quả", "{how}"),
    Action.STOP: ("Hồ sơ {code} bị dừng xử lý", "Lý do: {reason}"),
    Action.WITHDRAW: ("Đã rút hồ sơ {code}", "Hồ sơ đã được rút theo yêu cầu của bạn."),
    # The result is in the citizen's hands: the message is also the invitation to rate it.
    Action.HAND_OVER: (
        "Đã trả kết quả hồ sơ {code}",
        "Cảm ơn bạn đã sử dụng dịch vụ. Chạm để cho biết bạn có hài lòng không.",
    ),
    Action.APOLOGIZE: (
        "Xin lỗi: hồ sơ {code} sẽ trả chậm",
        "{reason} Ngày hẹn mới: {date}. Chúng tôi thành thật xin lỗi.",
    ),
}


def _how_to_collect(dossier: dict[str, Any], data: dict[str, Any]) -> str:
    if data.get("result_kind") == "electronic":
        return (
            "Bạn có thể tải kết quả điện tử ngay trên trang hồ sơ, "
            "rồi chạm một lần để cho biết bạn có hài lòng không."
        )
    if dossier["delivery_method"] == "post":
        return "Kết quả sẽ được gửi qua bưu điện đến địa chỉ bạn đã đăng ký."
    return "Mời bạn đến Bộ phận Một cửa nhận kết quả, mang theo giấy tiếp nhận hồ sơ và giấy tờ tùy thân (CCCD)."


async def on_transition(change: Change) -> None:
    """Tell the citizen, for the rows of the workflow table that say so."""
    if not change.transition.notify:
        return
    # Filing at the counter is receiving: the citizen hears what an accepted dossier says.
    action = Action.ACCEPT if change.action is Action.INTAKE else change.action
    template = MESSAGES.get(action)
    if template is None:
        return
    dossier, data = change.after, change.data
    due = data.get("appointment_after") or dossier["appointment_date"]
    values = {
        "code": dossier["code"] or "",
        "reason": str(data.get("reason", "")).strip(),
        "date": format_date(due) if isinstance(due, date) else "",
        "how": _how_to_collect(dossier, data),
    }
    title, body = (part.format(**values) for part in template)
    await deliver(
        recipient=dossier["citizen"],
        dossier_id=dossier["id"],
        kind=f"dossier.{action.value}",
        title=title,
        body=body.strip(),
        url=f"/dossiers/{dossier['id']}",
        now=change.now,
    )


async def on_due_soon(event: DueSoon) -> None:
    """The agency's warning, DUE_SOON_WORKING_DAYS ahead (written with the mark that it was
    given)."""
    dossier = event.dossier
    for recipient in event.recipients:
        await deliver(
            recipient=recipient,
            dossier_id=dossier["id"],
            kind="deadline.due_soon",
            title=f"Hồ sơ {dossier['code']} đến hạn ngày {format_date(dossier['appointment_date'])}",
            body="Nếu không kịp, đề nghị lãnh đạo gửi văn bản xin lỗi và gia hạn (mẫu 04) "
            "trước hạn ít nhất một ngày.",
            url=f"/staff/dossiers/{dossier['id']}",
            now=event.now,
        )
