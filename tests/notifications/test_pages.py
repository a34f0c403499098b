"""The inbox, the bell and the notification settings, as a signed-in citizen sees them."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from litestar import Litestar

from backend.dossiers.workflow import State
from backend.lib.clock import utcnow
from backend.notifications import queries, services
from backend.notifications.tables import Notification, OutboxItem, PushSubscription
from tests.dossiers.factory import Factory
from tests.helpers import (
    Client,
    another_client,
    csrf,
    post_form,
    register,
    sign_in,
    soup,
    text_of,
    user_by_login,
)
from tests.notifications.conftest import notify
from tests.notifications.push_endpoint import Subscriber

MSG_ESSENTIAL = "Thông báo này quan trọng nên luôn được gửi."
OPTIONAL = ["progress", "postal", "rating", "complaint"]  # what a citizen may turn off
ESSENTIAL = ["supplement", "result", "decision", "delay"]


async def user_id(phone: str) -> int:
    return (await user_by_login(phone)).id


async def note(recipient: int, title: str, url: str = "", minutes_ago: int = 0) -> int:
    return await notify(
        recipient,
        title,
        body=f"Nội dung của «{title}».",
        url=url,
        now=utcnow() - timedelta(minutes=minutes_ago),
    )


def bell(html: str) -> tuple[str, str]:
    """The bell's accessible label and its badge ("" when there is none)."""
    link = soup(html).select_one("header a[data-bell]")
    assert link is not None, "no bell in the top bar"
    assert link["href"] == "/inbox"
    badge = link.select_one(".bell-count")
    return str(link["aria-label"]), badge.get_text(strip=True) if badge else ""


async def save(client: Client, shown: list[str], on: list[str]) -> httpx.Response:
    return await post_form(client, "/settings/notifications", shown=shown, on=on)


def checkboxes(html: str) -> dict[str, dict[str, bool]]:
    return {
        str(box["value"]): {
            "checked": box.has_attr("checked"),
            "disabled": box.has_attr("disabled"),
        }
        for box in soup(html).select("form.categories input[type=checkbox]")
    }


# --- sign-in -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/inbox", "/settings/notifications"])
async def test_anonymous_visitors_are_sent_to_sign_in(client: Client, path: str) -> None:
    r = await client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={path}"
    home = await client.get("/")
    assert soup(home.text).select_one("[data-bell]") is None


async def test_anonymous_settings_post_goes_to_sign_in(client: Client) -> None:
    r = await save(client, ["rating"], [])
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


# --- the inbox and the bell ----------------------------------------------------------------------


async def test_inbox_lists_only_my_messages_newest_first_and_marks_them_read(
    client: Client, app: Litestar
) -> None:
    me = await user_id(await register(client, name="Nguyễn Thị Hộp Thư"))
    async with another_client(app, "203.0.113.8") as other_client:
        other = await user_id(await register(other_client, name="Trần Văn Khác"))
        await note(other, "Tin của người khác", "/dossiers/999")
        await note(me, "Tin có địa chỉ lạ", "https://example.com/phishing", minutes_ago=60)
        await note(me, "Hồ sơ A đã được tiếp nhận", "/dossiers/1", minutes_ago=30)
        await note(me, "Hồ sơ B cần bổ sung giấy tờ", "/dossiers/2", minutes_ago=5)

        # The bell on any page counts what is unread.
        page = await client.get("/my/dossiers")
        assert bell(page.text) == ("Thông báo, 3 chưa đọc", "3")

        r = await client.get("/inbox")
        assert r.status_code == 200
        assert text_of(r.text, "h1") == ["Thông báo"]
        titles = text_of(r.text, ".inbox .note-item strong")
        assert titles == [
            "Hồ sơ B cần bổ sung giấy tờ",
            "Hồ sơ A đã được tiếp nhận",
            "Tin có địa chỉ lạ",
        ]
        assert "Tin của người khác" not in r.text
        links = [a["href"] for a in soup(r.text).select(".inbox a.note-item")]
        assert links == ["/dossiers/2", "/dossiers/1"]  # an off-site address gets no link
        assert "https://example.com/phishing" not in r.text
        assert len(soup(r.text).select(".inbox .note-item.unread")) == 3
        assert text_of(r.text, ".inbox .chip.new") == ["Mới"] * 3
        assert "Nội dung của «Hồ sơ B cần bổ sung giấy tờ»." in r.text
        # Opening the inbox read them all: its own bell has no count any more.
        assert bell(r.text) == ("Thông báo", "")
        assert await queries.unread_count(me) == 0
        assert await queries.unread_count(other) == 1  # someone else's are untouched

        again = await client.get("/inbox")
        assert soup(again.text).select(".inbox .note-item.unread") == []
        assert bell((await client.get("/my/dossiers")).text) == ("Thông báo", "")

        # A new message shows again on the bell and as new in the inbox.
        await note(me, "Hồ sơ B đã có kết quả", "/dossiers/2")
        assert bell((await client.get("/")).text) == ("Thông báo, 1 chưa đọc", "1")
        fresh = await client.get("/inbox")
        assert text_of(fresh.text, ".inbox .note-item.unread strong") == ["Hồ sơ B đã có kết quả"]

        other_inbox = await other_client.get("/inbox")
        assert text_of(other_inbox.text, ".inbox .note-item strong") == ["Tin của người khác"]


async def test_a_long_inbox_is_paginated(client: Client) -> None:
    """50 a page, newest first, with the total and the way to the older ones (the inbox used
    to stop at 100 messages); the API reads the same pages."""
    me = await user_id(await register(client))
    for i in range(1, 52):
        await note(me, f"Tin số {i}")
    first = await client.get("/inbox")
    titles = text_of(first.text, ".inbox .note-item strong")
    assert len(titles) == 50 and titles[0] == "Tin số 51" and titles[-1] == "Tin số 2"
    assert "Từ 1 đến 50 trong tổng số 51" in first.text
    following = soup(first.text).select_one(".pager a[rel=next]")
    assert following is not None and following["href"] == "?page=2"
    second = await client.get("/inbox?page=2")
    assert text_of(second.text, ".inbox .note-item strong") == ["Tin số 1"]
    assert "Từ 51 đến 51 trong tổng số 51" in second.text
    api = (await client.get("/api/v1/inbox?page=2")).json()
    assert [i["title"] for i in api["items"]] == ["Tin số 1"]
    assert (api["page"], api["total"], api["has_next"]) == (2, 51, False)
    assert (await client.get("/api/v1/inbox")).json()["has_next"] is True


async def test_empty_inbox_says_what_will_come(client: Client) -> None:
    await register(client)
    r = await client.get("/inbox")
    assert r.status_code == 200
    assert "Chưa có thông báo nào." in r.text
    assert bell(r.text)[0] == "Thông báo"
    link = soup(r.text).select_one('main a[href="/settings/notifications"]')
    assert link is not None


async def test_the_inbox_api_reads_the_same_messages(client: Client) -> None:
    me = await user_id(await register(client))
    await note(me, "Qua API")
    r = await client.get("/api/v1/inbox")
    assert r.json()["unread"] == 1
    # The page's script must send the CSRF header with the session cookie.
    refused = await client.post("/api/v1/inbox/read")
    assert refused.status_code == 401
    ok = await client.post("/api/v1/inbox/read", headers={"x-csrftoken": await csrf(client)})
    assert ok.status_code == 200
    assert bell((await client.get("/")).text) == ("Thông báo", "")


# --- settings ------------------------------------------------------------------------------------


async def test_settings_show_essential_categories_as_always_on(client: Client) -> None:
    await register(client)
    r = await client.get("/settings/notifications")
    assert r.status_code == 200
    assert text_of(r.text, "h1") == ["Cài đặt thông báo"]
    boxes = checkboxes(r.text)
    assert list(boxes) == ESSENTIAL + OPTIONAL  # no staff reminders for a citizen
    for c in ESSENTIAL:
        assert boxes[c] == {"checked": True, "disabled": True}
    for c in OPTIONAL:
        assert boxes[c] == {"checked": True, "disabled": False}
    shown = [i["value"] for i in soup(r.text).select("form.categories input[name=shown]")]
    assert shown == OPTIONAL
    assert text_of(r.text, ".categories .always .chip") == ["Luôn bật"] * len(ESSENTIAL)
    # The device part, for push.js; without JavaScript it says the inbox keeps everything.
    card = soup(r.text).select_one('[data-push="settings"]')
    assert card is not None
    assert "Mọi thông báo vẫn luôn có trong mục Thông báo" in r.text
    assert "Thông báo đang bật trên thiết bị này" in card.get_text()


async def test_turning_an_optional_category_off_and_on(client: Client) -> None:
    me = await user_id(await register(client))
    r = await save(client, OPTIONAL, ["progress", "complaint"])
    assert r.status_code == 303
    assert r.headers["location"] == "/settings/notifications?saved=1#categories"
    assert await queries.enabled_categories(me) == set(ESSENTIAL + OPTIONAL + ["staff"]) - {
        "rating",
        "postal",
    }
    page = await client.get(r.headers["location"])
    assert "Đã lưu lựa chọn của bạn." in page.text
    assert checkboxes(page.text)["rating"] == {"checked": False, "disabled": False}
    assert checkboxes(page.text)["progress"]["checked"]

    # A device of this person gets no push of the category turned off, still an essential one.
    endpoint = f"https://fcm.googleapis.com/fcm/send/ui-test-{me}"
    keys = Subscriber.new()  # a real P-256 key: subscriptions' keys are checked
    await services.subscribe(me, endpoint, keys.p256dh, keys.auth, "test")
    try:
        rating = await notify(me, "Mời đánh giá", kind="rating.invite")
        result = await notify(me, "Có kết quả", kind="dossier.approve")
        assert not await OutboxItem.exists().where(OutboxItem.notification == rating)
        assert await OutboxItem.exists().where(OutboxItem.notification == result)
        # Both are in the inbox all the same.
        assert await Notification.count().where(Notification.recipient == me) == 2
    finally:
        await OutboxItem.delete().where(OutboxItem.notification.recipient == me)
        await PushSubscription.delete().where(PushSubscription.user == me)

    r = await save(client, OPTIONAL, OPTIONAL)
    assert r.status_code == 303
    assert "rating" in await queries.enabled_categories(me)
    assert checkboxes((await client.get("/settings/notifications")).text)["rating"]["checked"]


async def test_an_essential_category_cannot_be_turned_off(client: Client) -> None:
    me = await user_id(await register(client))
    await note(me, "Chưa đọc")
    r = await save(client, ["result"], [])
    assert r.status_code == 422
    assert text_of(r.text, "#categories .alert.bad") == [MSG_ESSENTIAL]
    assert bell(r.text) == ("Thông báo, 1 chưa đọc", "1")  # the refused form keeps the bell
    assert "result" in await queries.enabled_categories(me)
    # All or nothing: the optional choice sent with it is not saved either.
    r = await save(client, ["rating", "result"], [])
    assert r.status_code == 422
    assert "rating" in await queries.enabled_categories(me)
    assert checkboxes(r.text)["result"] == {"checked": True, "disabled": True}


async def test_an_unknown_category_is_refused(client: Client) -> None:
    await register(client)
    r = await save(client, ["nothing-like-this"], [])
    assert r.status_code == 422
    assert text_of(r.text, "#categories .alert.bad") == ["Không có loại thông báo này."]


async def test_settings_need_the_csrf_token(client: Client) -> None:
    me = await user_id(await register(client))
    r = await client.post("/settings/notifications", data={"shown": "rating"})
    assert r.status_code == 403
    assert "rating" in await queries.enabled_categories(me)


async def test_staff_see_their_deadline_reminders(client: Client) -> None:
    await sign_in(client, "motcua1")
    boxes = checkboxes((await client.get("/settings/notifications")).text)
    assert boxes["staff"] == {"checked": True, "disabled": False}


# --- asking for permission after a submission ----------------------------------------------------


async def test_receipt_and_dossier_page_offer_notifications_to_the_owner(client: Client) -> None:
    phone = await register(client, name="Lê Thị Nộp Hồ Sơ")
    owner = await user_by_login(phone)
    factory = await Factory().setup()
    dossier_id = await factory.create(State.SUBMITTED, owner=owner)

    receipt = await client.get(f"/dossiers/{dossier_id}/receipt")
    assert receipt.status_code == 200
    card = soup(receipt.text).select_one('[data-push="receipt"]')
    assert card is not None and not card.has_attr("hidden")
    text = " ".join(card.get_text(" ").split())
    assert "Nhận thông báo khi hồ sơ được tiếp nhận, cần bổ sung giấy tờ hoặc có kết quả." in text
    assert card.select_one('button[data-push-action="on"]') is not None
    # Without JavaScript only the inbox line shows (the state blocks are hidden).
    visible = [p for p in card.select("[data-when]") if not p.has_attr("hidden")]
    assert [p.get_text(" ", strip=True) for p in visible] == [
        "Mọi thông báo về hồ sơ vẫn luôn có trong mục Thông báo (hình cái chuông ở đầu trang)."
        " Xem thông báo"
    ]

    detail = await client.get(f"/dossiers/{dossier_id}")
    offer = soup(detail.text).select_one('[data-push="offer"]')
    assert offer is not None and offer.has_attr("hidden")  # push.js shows it when push is off
