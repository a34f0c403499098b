"""What a complaint can be about: the two types of the regulation and, for an official's
conduct, what happened (the behaviours DOMAIN.md lists: harassment, fees beyond the published
ones, delays)."""

from __future__ import annotations

from backend.lib.i18n import N_

POLICY, CONDUCT = "policy", "conduct"

KIND_LABELS: dict[str, str] = {
    POLICY: N_("Quy định, chính sách, thủ tục hành chính"),
    CONDUCT: N_("Hành vi của cán bộ, công chức"),
}
KIND_HINTS: dict[str, str] = {
    POLICY: N_("Quy định chưa hợp lý, thủ tục rườm rà, giấy tờ yêu cầu không cần thiết…"),
    CONDUCT: N_("Thái độ, cách làm việc của người tiếp nhận hoặc giải quyết hồ sơ."),
}

CONDUCT_LABELS: dict[str, str] = {
    "harassment": N_("Nhũng nhiễu, gây phiền hà"),
    "extra_fee": N_("Thu phí, lệ phí ngoài quy định"),
    "delay": N_("Chậm trễ, hẹn lại nhiều lần"),
    "other": N_("Hành vi khác"),
}

# The complaint is about the center's own counter (Bộ phận Một cửa) rather than an agency:
# the choice's value in the form.
CENTER = "center"
CENTER_LABEL = N_("Bộ phận Một cửa của Trung tâm")
