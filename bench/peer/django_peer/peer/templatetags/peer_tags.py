from zoneinfo import ZoneInfo

from django import template

register = template.Library()
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@register.filter
def vn_datetime(value):
    return "" if value is None else f"{value.astimezone(LOCAL):%H:%M %d/%m/%Y}"


@register.filter
def vn_weekday_date(value):
    return "" if value is None else f"{WEEKDAYS[value.weekday()]}, {value:%d/%m/%Y}"
