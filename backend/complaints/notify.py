"""Messages to the filer when their complaint moves, for filers with an account.

Written inside the step's transaction (the inbox message exists exactly when the step does);
stored in Vietnamese like the dossier's messages (backend.dossiers.notify). Someone who filed
with a phone number only has no inbox: their complaint page shows the same news.
Categories: backend.notifications.categories ("complaint.info_requested" is essential, since
the handling stands still until the filer answers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.complaints.workflow import Action
from backend.lib.formatting import format_date
from backend.notifications.services import deliver

MESSAGES: dict[Action, tuple[str, str, str]] = {
    Action.ACCEPT: (
        "complaint.accepted",
        "Phản ánh {code} đã được tiếp nhận",
        "Cơ quan có thẩm quyền sẽ trả lời bạn chậm nhất ngày {answer_due}.",
    ),
    Action.REJECT: ("complaint.rejected", "Phản ánh {code} không được tiếp nhận", "Lý do: {text}"),
    Action.REQUEST_INFO: (
        "complaint.info_requested",
        "Cần bổ sung thông tin cho phản ánh {code}",
        "{text} Chạm để trả lời; thời hạn giải quyết tạm dừng cho đến khi bạn trả lời.",
    ),
    Action.ANSWER: ("complaint.answered", "Phản ánh {code} đã có câu trả lời", "{text}"),
}
BODY_LIMIT = 300


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_LIMIT else text[: BODY_LIMIT - 1].rstrip() + "…"


async def complaint_moved(
    complaint: dict[str, Any], action: Action, text: str, now: datetime
) -> None:
    """`complaint`: the row after the step; `text`: the reason, question or answer."""
    message = MESSAGES.get(action)
    if message is None or complaint["filer"] is None:
        return
    kind, title, body = message
    values = {
        "code": complaint["code"],
        "text": _short(text),
        "answer_due": format_date(complaint["answer_due"]),
    }
    await deliver(
        recipient=complaint["filer"],
        dossier_id=None,
        kind=kind,
        title=title.format(**values),
        body=body.format(**values).strip(),
        url=f"/complaints/{complaint['code']}",
        now=now,
    )
