"""What a notification is about, and which kinds a person may turn off.

The essential ones (a result is ready, papers are missing, a decision, a late notice) cannot be
turned off: missing them costs the citizen a trip or a deadline.
"""

from __future__ import annotations

from backend.lib.i18n import N_

CATEGORY_OF_KIND: dict[str, str] = {
    "dossier.request_supplement": "supplement",
    "dossier.approve": "result",
    "dossier.refuse": "decision",
    "dossier.stop": "decision",
    "dossier.apologize": "delay",
    "dossier.accept": "progress",
    "dossier.supplement": "progress",
    "dossier.withdraw": "progress",
    "dossier.hand_over": "progress",
    "deadline.due_soon": "staff",
    "postal.handed_over": "postal",
    "postal.out_for_delivery": "postal",
    "postal.delivered": "postal",
    "postal.failed": "postal",
    "postal.returned": "result",
    "rating.invite": "rating",
    "complaint.answered": "complaint",
    "complaint.accepted": "complaint",
    "complaint.rejected": "complaint",
    # The handling stands still until the filer answers: as essential as missing papers.
    "complaint.info_requested": "supplement",
}

ESSENTIAL = frozenset({"supplement", "result", "decision", "delay"})

LABELS: dict[str, str] = {
    "supplement": N_("Yêu cầu bổ sung giấy tờ"),
    "result": N_("Có kết quả"),
    "decision": N_("Từ chối hoặc dừng xử lý hồ sơ"),
    "delay": N_("Hồ sơ trả chậm, hẹn lại ngày"),
    "progress": N_("Tiến độ hồ sơ (đã tiếp nhận, đã nhận bổ sung, đã trả kết quả)"),
    "postal": N_("Kết quả gửi qua bưu điện (đã bàn giao, đang giao, đã giao, giao không thành)"),
    "staff": N_("Nhắc hạn xử lý (cán bộ)"),
    "rating": N_("Mời đánh giá mức độ hài lòng"),
    "complaint": N_("Trả lời phản ánh, kiến nghị"),
}

# High urgency wakes a phone in power-saving mode; keep it for what the citizen must act on.
URGENT = frozenset({"result", "supplement"})


def category_of(kind: str) -> str:
    return CATEGORY_OF_KIND.get(kind, "progress")
