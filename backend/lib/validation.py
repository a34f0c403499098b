"""Checks for Vietnamese identifiers typed by people."""

from __future__ import annotations

import re

from backend.lib.errors import UserError
from backend.lib.i18n import N_

# Mobile prefixes in use since the 2018 renumbering (Viettel 03x/086/096-98, Vinaphone 08x/091/094,
# MobiFone 07x/089/090/093, Vietnamobile 052/056/058/092, Gmobile 059/099, Itelecom 087).
_MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-46-9])\d{7}$")


def normalize_phone(raw: str, field: str = "phone") -> str:
    """Return 0xxxxxxxxx for a Vietnamese mobile number written in any usual way."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not digits:
        raise UserError(N_("Vui lòng nhập số điện thoại di động."), field=field)
    if not _MOBILE.match(digits):
        raise UserError(
            N_("Số điện thoại không đúng. Số di động Việt Nam có 10 chữ số, ví dụ 0912 345 678."),
            field=field,
        )
    return digits


def masked_citizen_id(number: str | None) -> str | None:
    """What is kept of an ID number typed at registration: its last four digits. Nothing reads
    it in full (a typed number proves nothing, so no account is linked by it), and a leaked
    database should not hand out citizens' ID numbers."""
    return "********" + number[-4:] if number else None


def normalize_citizen_id(raw: str, field: str = "citizen_id") -> str | None:
    """A CCCD number: 12 digits; the first three are the province code of birth (001-096)."""
    digits = re.sub(r"\s", "", raw or "")
    if not digits:
        return None
    if not re.fullmatch(r"\d{12}", digits):
        raise UserError(N_("Số định danh cá nhân gồm đúng 12 chữ số."), field=field)
    if not 1 <= int(digits[:3]) <= 96:
        raise UserError(
            N_("Số định danh cá nhân không đúng: ba số đầu là mã tỉnh nơi đăng ký khai sinh."),
            field=field,
        )
    return digits


def require_text(raw: str, field: str, message: str, max_length: int = 200) -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise UserError(message, field=field)
    if len(value) > max_length:
        raise UserError(
            N_("Nội dung quá dài (tối đa {limit} ký tự)."), field=field, limit=max_length
        )
    return value
