"""Push notifications on a phone: the service worker shows a pushed message and a tap on it
opens the dossier; turning push on and off on the settings page; the iPhone guidance; the
help when notifications are blocked; the inbox and settings pages checked by axe-core.

A real push service cannot be reached from a test, so:
- a message is delivered to the service worker through the DevTools protocol
  (ServiceWorker.deliverPushMessage), exactly as the push service would hand it over;
- a tap on the system notification is not possible either, so the `notificationclick` event is
  dispatched inside the worker with the notification it showed;
- pushManager.subscribe is replaced in the page by a fake that returns a subscription with a
  real P-256 key, so the page's whole flow and the server's checks run unchanged.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.async_api import expect

from backend.access.user import CurrentUser
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import State
from backend.lib.clock import utcnow
from backend.notifications import services
from backend.notifications.tables import PushSubscription
from tests.browser.conftest import (
    AxeChecker,
    ContextFactory,
    Shot,
    controlled_by_service_worker,
    sign_up,
)
from tests.dossiers.factory import Factory
from tests.helpers import new_phone, user_by_login

pytestmark = pytest.mark.browser

ON = "Thông báo đang bật trên thiết bị này"
OFF = "Thông báo đang tắt trên thiết bị này."
TURN_ON = "Bật thông báo"
TURN_OFF = "Tắt thông báo trên thiết bị này"
WHY = "Nhận thông báo khi hồ sơ được tiếp nhận, cần bổ sung giấy tờ hoặc có kết quả."
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

NOTIFICATIONS = """() => navigator.serviceWorker.ready
  .then(r => r.getNotifications())
  .then(ns => ns.map(n => [n.title, n.body, n.tag, n.data && n.data.url]))"""

# Inside the worker: the tap on the notification it shows (no real tap is possible).
CLICK = """async (tag) => {
  const [n] = await self.registration.getNotifications({ tag });
  if (!n) { return false; }
  self.dispatchEvent(new NotificationEvent("notificationclick", { notification: n }));
  return true;
}"""

# pushManager without a push service: a subscription with real keys, kept in localStorage so
# that it outlives a reload as a real one does. %s: endpoint, p256dh, auth.
FAKE_PUSH = """(() => {
  const KEY = "test-push-subscription";
  const DATA = { endpoint: %s, keys: { p256dh: %s, auth: %s } };
  const make = (data) => ({
    endpoint: data.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: null },
    getKey: () => null,
    toJSON: () => ({ endpoint: data.endpoint, expirationTime: null, keys: data.keys }),
    unsubscribe: () => { localStorage.removeItem(KEY); return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    localStorage.setItem("test-subscribe-options", JSON.stringify({
      userVisibleOnly: options.userVisibleOnly,
      key: Array.from(new Uint8Array(options.applicationServerKey)),
    }));
    localStorage.setItem(KEY, JSON.stringify(DATA));
    return Promise.resolve(make(DATA));
  };
  PushManager.prototype.getSubscription = function () {
    const raw = localStorage.getItem(KEY);
    return Promise.resolve(raw ? make(JSON.parse(raw)) : null);
  };
})();"""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def device_keys() -> tuple[str, str]:
    """What a browser sends: its P-256 public key (uncompressed point) and 16 auth bytes."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return b64url(point), b64url(os.urandom(16))


async def signed_up_citizen(page: Any, name: str) -> CurrentUser:
    phone = new_phone()
    await sign_up(page, phone, name)
    return await user_by_login(phone)


async def registration_id(cdp: Any, origin: str) -> str:
    """The service worker registration of the site, as DevTools names it."""
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def updated(event: dict[str, Any]) -> None:
        for reg in event["registrations"]:
            if reg["scopeURL"].startswith(origin) and not reg["isDeleted"] and not found.done():
                found.set_result(reg["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    await cdp.send("ServiceWorker.enable")
    return await asyncio.wait_for(found, timeout=10)


async def shown(page: Any, count: int = 1) -> list[list[Any]]:
    """The notifications the worker shows, once there are `count` of them."""
    for _ in range(50):
        notes: list[list[Any]] = await page.evaluate(NOTIFICATIONS)
        if len(notes) >= count:
            return notes
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected {count} notification(s), the worker shows {notes}")


async def the_worker(context: Any) -> Any:
    for worker in context.service_workers:
        if worker.url.endswith("/sw.js"):
            return worker
    return await context.wait_for_event(
        "serviceworker", predicate=lambda w: w.url.endswith("/sw.js")
    )


async def test_a_pushed_message_is_shown_and_a_tap_opens_the_dossier(
    new_context: ContextFactory, live_server: str, shot: Shot, axe: AxeChecker
) -> None:
    context = await new_context()
    await context.grant_permissions(["notifications"], origin=live_server)
    page = await context.new_page()
    owner = await signed_up_citizen(page, "Hoàng Thị Thông Báo")
    factory = await Factory().setup()
    dossier_id = await factory.create(State.SUBMITTED, owner=owner)
    row = await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first()
    assert row is not None
    code = row["code"]

    # After a submission the receipt offers notifications, explained; nothing is asked yet.
    await page.goto(f"/dossiers/{dossier_id}/receipt")
    await controlled_by_service_worker(page)
    card = page.locator('[data-push="receipt"]')
    await expect(card.get_by_text(WHY)).to_be_visible()
    await expect(card.get_by_role("button", name=TURN_ON)).to_be_visible()
    await card.scroll_into_view_if_needed()
    await shot(page, "receipt-offer")

    await page.goto("/my/dossiers")
    await controlled_by_service_worker(page)
    cdp = await context.new_cdp_session(page)
    reg = await registration_id(cdp, live_server)
    payload = {
        "title": f"Hồ sơ {code} cần bổ sung giấy tờ",
        "body": "Thiếu bản sao giấy chứng sinh. Chạm để tải lên giấy tờ còn thiếu.",
        "url": f"/dossiers/{dossier_id}",
        "tag": f"dossier-{dossier_id}",
        "kind": "dossier.request_supplement",
        "id": 1,
    }
    await cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server, "registrationId": reg, "data": json.dumps(payload)},
    )
    notes = await shown(page)
    assert notes == [
        [payload["title"], payload["body"], payload["tag"], f"{live_server}/dossiers/{dossier_id}"]
    ]

    # The tap: the open window is brought forward and shows the dossier.
    worker = await the_worker(context)
    assert await worker.evaluate(CLICK, payload["tag"])
    await expect(page).to_have_url(re.compile(rf"/dossiers/{dossier_id}$"))
    await expect(page.get_by_text(code, exact=True)).to_be_visible()
    assert await page.evaluate(NOTIFICATIONS) == []  # the tapped notification is closed
    await shot(page, "opened-from-notification")

    # A message that is not our JSON still shows something, leading to the inbox.
    await cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server, "registrationId": reg, "data": "không phải JSON"},
    )
    (generic,) = await shown(page)
    assert generic[0] == "Một cửa: bạn có thông báo mới"
    assert generic[3] == f"{live_server}/inbox"
    assert await worker.evaluate(CLICK, generic[2])
    await expect(page).to_have_url(re.compile(r"/inbox$"))

    # The inbox keeps the messages too (written by the server, pushed or not).
    for title in ("Hồ sơ đã được tiếp nhận", "Hồ sơ cần bổ sung giấy tờ"):
        await services.deliver(
            recipient=owner.id,
            dossier_id=dossier_id,
            kind="dossier.accept",
            title=f"{title} {code}",
            body="Ngày hẹn trả kết quả: thứ Hai, 07/12/2026.",
            url=f"/dossiers/{dossier_id}",
            now=utcnow(),
        )
    await page.goto("/my/dossiers")
    bell = page.locator("header a[data-bell]")
    await expect(bell).to_have_attribute("aria-label", "Thông báo, 2 chưa đọc")
    await expect(bell.locator(".bell-count")).to_have_text("2")
    await shot(page, "bell-with-count")
    await bell.tap()
    await expect(page).to_have_url(re.compile(r"/inbox$"))
    await expect(page.locator(".note-item.unread")).to_have_count(2)
    await expect(page.locator("header a[data-bell] .bell-count")).to_have_count(0)
    await shot(page, "inbox")
    await axe(page, "inbox")
    await page.locator(".note-item").first.tap()
    await expect(page).to_have_url(re.compile(rf"/dossiers/{dossier_id}$"))

    # The dossier's page offers push too (it is off here), and can be put off for a while.
    offer = page.locator('[data-push="offer"]')
    await expect(offer.get_by_role("button", name=TURN_ON)).to_be_visible()
    await offer.get_by_role("button", name="Để sau").tap()
    await expect(offer).to_be_hidden()
    await page.reload()
    await expect(page.get_by_text(code, exact=True)).to_be_visible()
    await page.wait_for_load_state("networkidle")
    await expect(offer).to_be_hidden()
    axe.assert_clean()


async def test_turning_push_on_and_off_on_the_settings_page(
    new_context: ContextFactory, live_server: str, shot: Shot, axe: AxeChecker
) -> None:
    context = await new_context()
    await context.grant_permissions(["notifications"], origin=live_server)
    endpoint = f"https://fcm.googleapis.com/fcm/send/test-{b64url(os.urandom(12))}"
    p256dh, auth = device_keys()
    await context.add_init_script(
        FAKE_PUSH % (json.dumps(endpoint), json.dumps(p256dh), json.dumps(auth))
    )
    page = await context.new_page()
    citizen = await signed_up_citizen(page, "Vũ Văn Bật Tắt")
    me, phone = citizen.id, citizen.login
    try:
        # Through the bell and the inbox (htmx swaps the page: push.js sets the card up anew).
        await page.locator("header a[data-bell]").tap()
        await expect(page.get_by_text("Chưa có thông báo nào.")).to_be_visible()
        await page.get_by_role("link", name="Cài đặt thông báo").tap()
        await expect(page).to_have_url(re.compile(r"/settings/notifications$"))
        card = page.locator('[data-push="settings"]')
        await expect(card.get_by_text(OFF)).to_be_visible()
        await expect(card.get_by_text(ON)).to_be_hidden()
        await shot(page, "settings-off")
        await axe(page, "settings (off)")

        await card.get_by_role("button", name=TURN_ON).tap()
        await expect(card.get_by_text(ON)).to_be_visible()
        await expect(card.get_by_role("button", name=TURN_ON)).to_be_hidden()
        await shot(page, "settings-on")
        await axe(page, "settings (on)")
        rows = await PushSubscription.select().where(PushSubscription.user == me)
        assert [(r["endpoint"], r["p256dh"], r["auth"]) for r in rows] == [(endpoint, p256dh, auth)]
        # subscribe() was given what the spec asks: visible only, and the server's own key.
        options = json.loads(
            await page.evaluate("() => localStorage.getItem('test-subscribe-options')")
        )
        server_key = (await (await page.request.get("/api/v1/push/vapid-public-key")).json())[
            "publicKey"
        ]
        assert options["userVisibleOnly"] is True
        assert b64url(bytes(options["key"])) == server_key

        # Still on after a reload; the count of devices is shown.
        await page.reload()
        await expect(card.get_by_text(ON)).to_be_visible()
        await expect(page.get_by_text("đang nhận thông báo trên 1 thiết bị")).to_be_visible()

        await card.get_by_role("button", name=TURN_OFF).tap()
        await expect(card.get_by_text(OFF)).to_be_visible()
        assert not await PushSubscription.exists().where(PushSubscription.user == me)
        assert await page.evaluate("() => localStorage.getItem('test-push-subscription')") is None

        await card.get_by_role("button", name=TURN_ON).tap()
        await expect(card.get_by_text(ON)).to_be_visible()
        assert await PushSubscription.exists().where(PushSubscription.user == me)

        # Once on, a receipt does not ask again, nor does a dossier's page.
        owner = await user_by_login(phone)
        dossier_id = await (await Factory().setup()).create(State.SUBMITTED, owner=owner)
        await page.goto(f"/dossiers/{dossier_id}/receipt")
        await page.wait_for_load_state("networkidle")
        await expect(page.locator('[data-push="receipt"]')).to_be_hidden()
        await page.goto(f"/dossiers/{dossier_id}")
        await page.wait_for_load_state("networkidle")
        await expect(page.locator('[data-push="offer"]')).to_be_hidden()

        # Signing out on a shared phone stops this device's notifications as well.
        await page.get_by_role("button", name="Đăng xuất").tap()
        await expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
        assert not await PushSubscription.exists().where(PushSubscription.user == me)
        axe.assert_clean()
    finally:
        await PushSubscription.delete().where(PushSubscription.user == me)


async def test_an_iphone_in_safari_is_told_to_add_the_app_to_the_home_screen(
    new_context: ContextFactory, shot: Shot, axe: AxeChecker
) -> None:
    context = await new_context(user_agent=IPHONE)
    await context.add_init_script("delete window.PushManager;")
    page = await context.new_page()
    await signed_up_citizen(page, "Đặng Thị Iphone")
    await page.goto("/settings/notifications")
    card = page.locator('[data-push="settings"]')
    await expect(card.get_by_text("Thêm vào MH chính", exact=False)).to_be_visible()
    await expect(card.get_by_text("Chia sẻ", exact=False)).to_be_visible()
    await expect(card.get_by_role("button", name=TURN_ON)).to_be_hidden()
    await expect(card.get_by_role("button", name=TURN_OFF)).to_be_hidden()
    await expect(page.get_by_text("Mọi thông báo vẫn luôn có trong mục Thông báo")).to_be_visible()
    await shot(page, "iphone-settings")
    await axe(page, "settings (iPhone)")
    axe.assert_clean()


async def test_blocked_notifications_explain_how_to_allow_them_again(
    new_context: ContextFactory, live_server: str, shot: Shot
) -> None:
    context = await new_context()
    page = await context.new_page()
    await signed_up_citizen(page, "Bùi Văn Chặn")
    cdp = await context.new_cdp_session(page)
    target = (await cdp.send("Target.getTargetInfo"))["targetInfo"]
    await cdp.send(
        "Browser.setPermission",
        {
            "permission": {"name": "notifications"},
            "setting": "denied",
            "origin": live_server,
            "browserContextId": target["browserContextId"],
        },
    )
    await page.goto("/settings/notifications")
    assert await page.evaluate("() => Notification.permission") == "denied"
    card = page.locator('[data-push="settings"]')
    await expect(card.get_by_text("Bạn đã chặn thông báo")).to_be_visible()
    await expect(card.get_by_text("Chọn “Cho phép”, rồi tải lại trang này.")).to_be_visible()
    await expect(card.get_by_role("button", name=TURN_ON)).to_be_hidden()
    await shot(page, "blocked")


async def test_without_push_support_the_inbox_is_offered(
    new_context: ContextFactory, shot: Shot
) -> None:
    context = await new_context()
    await context.add_init_script("delete window.PushManager;")
    page = await context.new_page()
    await signed_up_citizen(page, "Lý Văn Không Hỗ Trợ")
    await page.goto("/settings/notifications")
    card = page.locator('[data-push="settings"]')
    await expect(card.get_by_text("Trình duyệt này không hiện được thông báo")).to_be_visible()
    await expect(card.get_by_role("button", name=TURN_ON)).to_be_hidden()
    await expect(card.get_by_text("Thêm vào MH chính")).to_be_hidden()


async def test_a_browser_that_cannot_subscribe_is_not_blamed_on_the_network(
    new_context: ContextFactory, live_server: str, shot: Shot
) -> None:
    """Headless Chromium has no push service: subscribe() fails as it does in a browser without
    Google services. The message names the browser, not the connection (issue 12, item 19)."""
    context = await new_context()
    await context.grant_permissions(["notifications"], origin=live_server)
    page = await context.new_page()
    citizen = await signed_up_citizen(page, "Lý Thị Trình Duyệt")
    await page.goto("/settings/notifications")
    card = page.locator('[data-push="settings"]')
    await card.get_by_role("button", name=TURN_ON).tap()
    message = card.locator("[data-push-msg]")
    await expect(message).to_contain_text("Trình duyệt trên máy này không đăng ký nhận thông báo")
    await expect(message).not_to_contain_text("kết nối mạng")
    await expect(card.get_by_text(OFF)).to_be_visible()
    await shot(page, "browser-cannot-subscribe")
    assert not await PushSubscription.exists().where(PushSubscription.user == citizen.id)
