"""The vocabulary of evaluations: who may do what, the states of a period, limits, messages.

Who may do what:

- the center's manager (Role.MANAGER) defines criteria sets and periods, opens and closes
  periods, scores each agency (kind "center") and sees every result;
- an agency's leader scores every other agency (kind "cross", on behalf of the agency: the
  evaluating agency is always the leader's own) and sees the results row of their agency;
- specialists, leaders and counter officers assess themselves (kind "self").

Every other module of the package (input, writes, read models, pages) takes its names from
here, so that a rule or a message is written once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.evaluations.aggregate import Kind
from backend.lib.clock import utcnow
from backend.lib.errors import Forbidden
from backend.lib.formatting import LOCAL_TZ
from backend.lib.i18n import N_, current_language

SELF_ROLES = (Role.SPECIALIST, Role.LEADER, Role.COUNTER)
# Everybody with something to do or to see under /evaluations.
EVALUATION_ROLES = (Role.MANAGER, *SELF_ROLES)
MAX_CRITERIA = 30
MAX_CRITERION_SCORE = 100
MAX_COMMENT = 2000
MAX_NAME = 200
# Officials without an agency (counter officers) are shown together under this name.
ONE_STOP_SECTION = N_("Bộ phận Một cửa (cán bộ tiếp nhận, trả kết quả)")

SET_NOT_FOUND = N_("Không tìm thấy bộ tiêu chí này.")
PERIOD_NOT_FOUND = N_("Không tìm thấy kỳ đánh giá này.")
SET_LOCKED = N_(
    "Bộ tiêu chí này đã được dùng trong một kỳ đánh giá đã mở nên không sửa được nữa. "
    "Hãy sao chép để tạo bộ mới."
)
PERIOD_CLOSED = N_("Kỳ đánh giá đã khóa nên không thể nộp hay sửa phiếu nữa.")
PERIOD_NOT_OPEN = N_("Kỳ đánh giá này chưa mở.")
PAGE_NOT_FOUND = N_("Không tìm thấy trang bạn cần.")


class PeriodStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def tone(self) -> str:
        return {"draft": "", "open": "good", "closed": "warn"}[self.value]


STATUS_LABELS: dict[PeriodStatus, str] = {
    PeriodStatus.DRAFT: N_("Đang soạn"),
    PeriodStatus.OPEN: N_("Đang mở"),
    PeriodStatus.CLOSED: N_("Đã khóa"),
}
# Short names of the kinds, for chips and table headings.
KIND_SHORT: dict[Kind, str] = {
    Kind.CROSS: N_("Đánh giá chéo"),
    Kind.SELF: N_("Tự đánh giá"),
    Kind.CENTER: N_("Trung tâm chấm"),
}


def today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


def require_manager(user: CurrentUser) -> None:
    if user.role is not Role.MANAGER:
        raise Forbidden(N_("Chỉ lãnh đạo Trung tâm mới định nghĩa bộ tiêu chí và kỳ đánh giá."))


def require_participant(user: CurrentUser) -> None:
    if user.role not in EVALUATION_ROLES:
        raise Forbidden(N_("Trang đánh giá, chấm điểm dành cho cán bộ, công chức."))


def format_score(value: Decimal | int | None) -> str:
    """12.50 -> "12,5" in Vietnamese, "12.5" in English; None -> "—"."""
    if value is None:
        return "—"
    text = f"{Decimal(value).quantize(Decimal('0.01')):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if current_language.get() == "vi" else text
