"""How dates, times and money look to a Vietnamese reader."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from backend.lib.i18n import N_, current_language, gettext

_WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def format_date(value: date | datetime | None, weekday: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    text = f"{value:%d/%m/%Y}"
    if weekday:
        names = _WEEKDAYS_VI if current_language.get() == "vi" else _WEEKDAYS_EN
        text = f"{names[value.weekday()]}, {text}"
    return text


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.astimezone(LOCAL_TZ):%H:%M %d/%m/%Y}"


def format_money(amount: int | None, text: str = "") -> str:
    if amount is None:
        return text
    if amount == 0:
        return gettext(N_("Không thu phí"))
    return f"{amount:,}".replace(",", ".") + " đ"


def format_decimal(value: float | None, digits: int = 1) -> str:
    """64,6 in Vietnamese (comma for decimals, dot for thousands), 64.6 in English."""
    if value is None:
        return ""
    text = f"{value:,.{digits}f}"
    if current_language.get() == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_percent(share: float | None, digits: int = 1) -> str:
    """A share between 0 and 1 as a percentage: 0.646 -> "64,6%" (Vietnamese)."""
    return "" if share is None else format_decimal(100 * share, digits) + "%"


def format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{max(1, size // 1024)} KB"
