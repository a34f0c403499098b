"""The administrator's working-day calendar (/admin/calendar/): who may use it, and its effect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest

from backend.catalog import services
from backend.catalog.tables import CalendarDay
from tests.helpers import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    Client,
    csrf,
    field_errors,
    post_form,
    post_login,
    register,
    sign_in_admin,
    soup,
    text_of,
)

WEDNESDAY = date(2031, 10, 15)  # an ordinary working day
SATURDAY = date(2031, 10, 18)  # an ordinary weekend day
MY_DAYS = (WEDNESDAY, SATURDAY)
MSG_NOTE = "Vui lòng ghi lý do (ví dụ: theo Thông báo của UBND tỉnh)."
MSG_DAY = "Vui lòng chọn ngày."
MSG_FORBIDDEN = "Bạn không có quyền xem trang này."


@pytest.fixture(autouse=True)
async def _clean_days() -> AsyncIterator[None]:
    await CalendarDay.delete().where(CalendarDay.day.is_in(list(MY_DAYS)))
    yield
    await CalendarDay.delete().where(CalendarDay.day.is_in(list(MY_DAYS)))


async def is_working(day: date) -> bool:
    return (await services.load_calendar()).is_working_day(day)


def listed_days(html: str) -> list[str]:
    return text_of(html, "ul.list li.row > span")


async def add_day(client: Client, **form: str) -> httpx.Response:
    return await post_form(client, "/admin/calendar/", **form)


# --- who may use it ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("GET", "/admin/calendar/"), ("POST", "add")])
async def test_anonymous_is_sent_to_login(client: Client, method: str, path: str) -> None:
    if method == "GET":
        r = await client.get(path, follow_redirects=False)
    else:
        # A browser posts from the calendar page; sign-in leads back to that page.
        client.headers["referer"] = "http://testserver.local/admin/calendar/"
        r = await add_day(client, day=WEDNESDAY.isoformat(), working="0", note="thử")
        del client.headers["referer"]
    assert r.status_code == 303
    location = httpx.URL(r.headers["location"])
    assert location.path == "/login"
    next_url = location.params["next"]
    assert next_url.rstrip("/") == "/admin/calendar"
    assert await CalendarDay.count().where(CalendarDay.day == WEDNESDAY) == 0
    # Signing in as the administrator leads back to the calendar.
    r = await post_login(client, ADMIN_LOGIN, ADMIN_PASSWORD, next=next_url)
    assert r.status_code == 303
    assert r.headers["location"] == next_url
    page = await client.get(next_url)
    assert page.status_code == 200
    assert text_of(page.text, "h1") == ["Lịch làm việc"]


@pytest.mark.parametrize("action", ["view", "add", "delete"])
async def test_citizen_is_refused(client: Client, action: str) -> None:
    await register(client)
    await services.set_calendar_day(SATURDAY, True, "Làm bù theo thông báo")
    row = await CalendarDay.select(CalendarDay.id).where(CalendarDay.day == SATURDAY).first()
    assert row is not None
    if action == "view":
        r = await client.get("/admin/calendar/")
    elif action == "add":
        r = await add_day(client, day=WEDNESDAY.isoformat(), working="0", note="Nghỉ thêm")
    else:
        r = await client.post(
            f"/admin/calendar/{row['id']}/delete",
            data={"_csrf_token": await csrf(client)},
            follow_redirects=False,
        )
    assert r.status_code == 403
    assert text_of(r.text, "h1") == ["Không có quyền"]
    assert MSG_FORBIDDEN in text_of(r.text, "main p")
    assert await is_working(WEDNESDAY)
    assert await is_working(SATURDAY)
    assert await CalendarDay.count().where(CalendarDay.day.is_in(list(MY_DAYS))) == 1


# --- the administrator -------------------------------------------------------------------------


async def test_admin_sees_the_calendar_and_the_footer_link(client: Client) -> None:
    await sign_in_admin(client)
    r = await client.get("/admin/calendar/")
    assert r.status_code == 200
    assert text_of(r.text, "h1") == ["Lịch làm việc"]
    # The footer leads administrators to the administration index, which links the calendar.
    assert soup(r.text).select_one('footer a[href="/admin/"]') is not None
    index = await client.get("/admin/")
    assert soup(index.text).select_one('a[href="/admin/calendar/"]') is not None


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        pytest.param({"day": WEDNESDAY.isoformat(), "note": ""}, {"note": MSG_NOTE}, id="no-note"),
        pytest.param(
            {"day": WEDNESDAY.isoformat(), "note": "   "}, {"note": MSG_NOTE}, id="blank-note"
        ),
        pytest.param({"day": "", "note": "Theo thông báo"}, {"day": MSG_DAY}, id="no-day"),
        pytest.param(
            {"day": "15/10/2031", "note": "Theo thông báo"}, {"day": MSG_DAY}, id="not-a-date"
        ),
    ],
)
@pytest.mark.parametrize("working", ["0", "1"])
async def test_adding_a_day_needs_a_date_and_a_reason(
    client: Client, form: dict[str, str], errors: dict[str, str], working: str
) -> None:
    await sign_in_admin(client)
    r = await add_day(client, working=working, **form)
    assert r.status_code == 422
    assert field_errors(r.text) == errors
    html = soup(r.text)
    for name in ("day", "note"):
        control = html.select_one(f'input[name="{name}"]')
        assert control is not None and control["value"] == form[name]
    checked = html.select('input[name="working"][checked]')
    assert [c["value"] for c in checked] == [working]
    assert await CalendarDay.count().where(CalendarDay.day.is_in(list(MY_DAYS))) == 0
    assert await is_working(WEDNESDAY)


@pytest.mark.parametrize(
    ("day", "working", "label"),
    [
        pytest.param(WEDNESDAY, "0", "Thứ Tư, 15/10/2031 — nghỉ", id="extra-day-off"),
        pytest.param(SATURDAY, "1", "Thứ Bảy, 18/10/2031 — làm việc", id="swapped-saturday"),
    ],
)
async def test_a_correction_changes_the_calendar_until_deleted(
    client: Client, day: date, working: str, label: str
) -> None:
    before = await is_working(day)
    assert before is (working == "0")
    await sign_in_admin(client)
    note = "Theo Thông báo số 12/TB-UBND"

    r = await add_day(client, day=day.isoformat(), working=working, note=f"  {note} ")
    assert r.status_code == 303
    assert r.headers["location"] == "/admin/calendar/"
    assert await is_working(day) is not before

    page = await client.get("/admin/calendar/")
    assert f"{label} {note}" in listed_days(page.text)

    delete = next(
        form
        for form in soup(page.text).select("ul.list li.row")
        if label in " ".join(form.get_text(" ").split())
    ).select_one("form")
    assert delete is not None
    r = await client.post(
        str(delete["action"]),
        data={"_csrf_token": await csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert await is_working(day) is before
    page = await client.get("/admin/calendar/")
    assert not [d for d in listed_days(page.text) if d.startswith(label)]


async def test_adding_the_same_day_again_replaces_it(client: Client) -> None:
    await sign_in_admin(client)
    assert (
        await add_day(client, day=SATURDAY.isoformat(), working="0", note="A")
    ).status_code == 303
    assert (
        await add_day(client, day=SATURDAY.isoformat(), working="1", note="B")
    ).status_code == 303
    rows = await CalendarDay.select(CalendarDay.working, CalendarDay.note).where(
        CalendarDay.day == SATURDAY
    )
    assert rows == [{"working": True, "note": "B"}]
    assert await is_working(SATURDAY)


async def test_the_page_shows_this_year_and_the_next_in_vietnam(client: Client, clock: Any) -> None:
    """Issue 12, item 10: in December next year's Tết must be reviewable; the years come from
    Vietnam's date; worked Saturdays are listed; a year without a recorded notice is marked."""
    from datetime import UTC, datetime

    await sign_in_admin(client)
    clock.now = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 03:00 on 1 January 2027 in Vietnam
    page = soup((await client.get("/admin/calendar/")).text)
    years = page.select("section.calendar-year")
    assert [y.select_one("h2").text.split()[1] for y in years] == ["2027", "2028"]

    clock.now = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    page = soup((await client.get("/admin/calendar/")).text)
    this_year, next_year = page.select("section.calendar-year")
    assert "Năm 2026" in this_year.select_one("h2").text
    # The Saturday worked before National Day 2026 (the holidays package's swap).
    assert "22/08/2026" in this_year.text
    # Tết 2027 (the lunar new year falls on Saturday 6 February): weekdays off that week.
    assert "08/02/2027" in next_year.text
    confirmed_2027 = await CalendarDay.exists().where(
        (CalendarDay.day >= date(2027, 1, 1)) & (CalendarDay.day <= date(2027, 12, 31))
    )
    marked = "Chưa có thông báo chính thức" in next_year.select_one("h2").text
    assert marked is not confirmed_2027
