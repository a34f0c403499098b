"""What the catalog's administration forms send, read with `lib.admin.read`.

Each rule keeps the message the administrators already know; `lib.forms.decode` reads the
plain text fields (trimmed, with the usual "Nội dung quá dài" past their length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from backend.lib.errors import UserError
from backend.lib.forms import (
    RawForm,
    first,
    form_rule,
    long_text,
    one_line,
    one_of,
    rule,
    text,
    tidy_lines,
)
from backend.lib.i18n import N_

AGENCY_KINDS: dict[str, str] = {
    "department": N_("Sở, ban, ngành"),
    "central": N_("Cơ quan ngành dọc"),
    "enterprise": N_("Doanh nghiệp"),
    "commune": N_("Ủy ban nhân dân cấp xã"),
}
ONLINE_LEVELS: dict[str, str] = {
    "toàn trình": N_("Trực tuyến toàn trình"),
    "một phần": N_("Trực tuyến một phần"),
}
DELIVERY_OPTIONS: dict[str, str] = {
    "counter": N_("Tại quầy"),
    "post": N_("Qua bưu điện"),
    "electronic": N_("Bản điện tử"),
    "on-site": N_("Tại hiện trường"),
}
_AGENCY_CODE = re.compile(r"^[a-z0-9]{2,20}$")
MAX_FEE_VND = 2_000_000_000  # the column is a 32-bit integer
MAX_PROCESSING_DAYS = 3650


# --- agencies ----------------------------------------------------------------------------------


def agency_code(raw: str) -> str:
    value = raw.strip().lower()
    if not _AGENCY_CODE.match(value):
        raise UserError(
            N_("Mã cơ quan gồm 2 đến 20 chữ thường không dấu hoặc chữ số, ví dụ: stp."),
            field="code",
        )
    return value


@dataclass
class AgencyInput:
    """An agency as it can be changed: its code stays as it was made."""

    name: str = text(max_length=200, required=N_("Vui lòng nhập tên cơ quan."))
    kind: str = rule(one_of(AGENCY_KINDS, N_("Vui lòng chọn loại cơ quan.")), default="")
    note: str = long_text(max_length=2000)


@dataclass
class NewAgencyInput(AgencyInput):
    code: str = rule(agency_code, default="")


# --- counters ----------------------------------------------------------------------------------


def counter_number(raw: str) -> int:
    value = raw.strip()
    if not value.isdigit() or not 1 <= int(value) <= 999:
        raise UserError(N_("Vui lòng nhập số quầy, từ 1 đến 999."), field="number")
    return int(value)


@dataclass
class CounterInput:
    name: str = text(max_length=120)
    number: int = rule(counter_number, default=0)


# --- procedures and their documents ------------------------------------------------------------


def agency_id(raw: str) -> int:
    """An agency chosen in the list (that it exists is checked with the database)."""
    value = raw.strip()
    if not value.isdigit():
        raise UserError(N_("Vui lòng chọn cơ quan."), field="agency")
    return int(value)


def processing_days(raw: str) -> int:
    value = raw.strip()
    if not value.isdigit() or int(value) > MAX_PROCESSING_DAYS:
        raise UserError(
            N_("Thời hạn là số ngày làm việc, từ 0 trở lên (0 là giải quyết trong ngày)."),
            field="processing_days",
        )
    return int(value)


def step_days(raw: str) -> int:
    """A step of the internal procedure, in working days (left empty: one day)."""
    value = raw.strip() or "1"
    if not value.isdigit() or int(value) > 30:
        raise UserError(N_("Ghi số ngày làm việc, từ 0 đến 30."))
    return int(value)


def fee(data: RawForm) -> int | None:
    """A fixed fee in đồng ("50.000", "50000đ"), or none when the way to compute it is written
    in fee_text (fees set by the People's Council)."""
    raw = re.sub(r"[\s.,]", "", first(data, "fee_vnd")).removesuffix("đ")
    if not raw:
        if not tidy_lines(first(data, "fee_text")):
            raise UserError(
                N_("Nhập số tiền, hoặc ghi cách tính phí nếu phí không cố định."), field="fee_vnd"
            )
        return None
    if not raw.isdigit() or int(raw) > MAX_FEE_VND:
        raise UserError(
            N_("Lệ phí là số tiền bằng đồng, ví dụ 50000. Để trống nếu phí không cố định."),
            field="fee_vnd",
        )
    return int(raw)


def result_delivery(data: RawForm) -> str:
    """The ways to receive the result, ticked as delivery_<way> checkboxes, stored
    comma-separated."""
    chosen = [d for d in DELIVERY_OPTIONS if first(data, f"delivery_{d}")]
    if not chosen:
        raise UserError(N_("Chọn ít nhất một cách nhận kết quả."), field="result_delivery")
    return ",".join(chosen)


@dataclass
class ProcedureInput:
    national_code: str = text(max_length=20)
    field: str = text(max_length=120)
    active: bool = False
    name: str = one_line(max_length=500, required=N_("Vui lòng nhập tên thủ tục."))
    level: str = long_text(max_length=500)
    agency: int = rule(agency_id, default=0)
    processing_days: int = rule(processing_days, default=0)
    processing_note: str = long_text(max_length=1000)
    same_day_cutoff: bool = False
    decided_by_commune: bool = False
    assign_days: int = rule(step_days, default=1)
    sign_days: int = rule(step_days, default=1)
    fee_vnd: int | None = form_rule(fee)
    fee_text: str = long_text(max_length=1000)
    online_level: str = rule(
        one_of(ONLINE_LEVELS, N_("Vui lòng chọn mức độ trực tuyến.")), default=""
    )
    result_delivery: str = form_rule(result_delivery, default="")
    legal_basis: str = long_text(max_length=4000)


@dataclass
class DocumentInput:
    notes: str = text(max_length=500)
    required: bool = False
    name: str = one_line(max_length=500, required=N_("Vui lòng nhập tên giấy tờ."))


# --- the working-day calendar ------------------------------------------------------------------


def calendar_day(raw: str) -> date:
    """As `<input type=date>` sends it."""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise UserError(N_("Vui lòng chọn ngày."), field="day") from None


@dataclass
class CalendarDayInput:
    note: str = rule(str, default="")  # tidied and required by catalog.services
    working: bool = rule(lambda raw: raw == "1", default=False)  # a radio: "0" or "1"
    day: date | None = rule(calendar_day)  # noqa: RUF009 (a dataclass field)
