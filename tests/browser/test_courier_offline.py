"""The courier's phone in a dead zone: a delivery confirmed offline is kept on the phone, lands
once when the network is back (even if the phone sends it again), and the citizen's dossier
page then shows "Đã giao"."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from backend.dossiers.tables import DossierEvent
from tests.browser.conftest import ContextFactory, Shot, draw_signature, signed_in_context
from tests.postal.conftest import Postal, postal  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser
QUEUE = "motcua.courier.queue"


async def delivered_events(dossier_id: int) -> int:
    return await DossierEvent.count().where(
        (DossierEvent.dossier == dossier_id) & (DossierEvent.action == "postal.delivered")
    )


async def test_a_delivery_confirmed_offline_lands_once(
    new_context: ContextFactory,
    live_server: str,
    postal: Postal,  # noqa: F811 (the fixture imported above)
    shot: Shot,
) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)

    courier = await signed_in_context(new_context, live_server, postal.courier_a.id)
    page = await courier.new_page()
    await page.goto("/courier/")
    card = page.locator(f"article[data-code='{code}']")
    await expect(card).to_be_visible()
    await card.get_by_role("button", name="Nhận đi phát").click()
    # Online: sent at once; the round is refreshed with the next steps.
    await expect(card.locator("summary", has_text="Đã giao")).to_be_visible()
    # The attempt under way, not one already done (issue 12, item 19: "Đã phát 1/3 lần").
    await page.reload()
    await expect(card.locator(".meta").first).to_contain_text("Lần phát thứ 1/3")
    await shot(page, "out-for-delivery")

    await courier.set_offline(True)
    await card.locator("summary", has_text="Đã giao").click()
    await card.get_by_label("Họ tên người nhận").fill("Nguyễn Thị Nhận")
    await card.get_by_label("Quan hệ với người nộp hồ sơ").select_option("authorized")
    await card.get_by_label("Văn bản ủy quyền (số, ngày)").fill("Giấy ủy quyền số 3/UQ, 01/12/2026")
    await card.get_by_label("4 số cuối CCCD của người nhận").fill("4321")
    await draw_signature(page, card.locator("canvas[data-signature]"))
    assert (await card.locator("input[name=proof]").input_value()).startswith("data:image/png")
    await shot(page, "delivery-form")
    await card.get_by_role("button", name="Xác nhận đã giao").click()

    status = page.locator("#queue-status")
    await expect(status).to_contain_text("Mất mạng: 1 xác nhận")
    queued = json.loads(await page.evaluate(f"localStorage.getItem('{QUEUE}')"))
    assert len(queued) == 1 and queued[0]["step"] == "delivered"
    assert queued[0]["proof"].startswith("data:image/png;base64,")
    assert queued[0]["authorization"] == "Giấy ủy quyền số 3/UQ, 01/12/2026"
    await shot(page, "offline-queued")
    assert (await postal.shipment(dossier_id))["state"] == "out_for_delivery"
    assert await delivered_events(dossier_id) == 0

    await courier.set_offline(False)
    await expect(card.locator(".parcel-msg")).to_contain_text("Đã ghi nhận")
    await expect(status).to_be_hidden()
    assert await page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE}')).length") == 0
    assert (await postal.shipment(dossier_id))["state"] == "delivered"
    assert await delivered_events(dossier_id) == 1

    # The phone replays the same confirmation (a lost answer): applied once all the same.
    await page.evaluate(
        "([key, item]) => { localStorage.setItem(key, JSON.stringify([item]));"
        " window.dispatchEvent(new Event('online')); }",
        [QUEUE, queued[0]],
    )
    await page.wait_for_function(f"() => JSON.parse(localStorage.getItem('{QUEUE}')).length === 0")
    assert await delivered_events(dossier_id) == 1
    await shot(page, "back-online")

    citizen = await signed_in_context(new_context, live_server, postal.owner.id)
    mine = await citizen.new_page()
    await mine.goto(f"/dossiers/{dossier_id}")
    panel = mine.locator("#postal")
    await expect(panel).to_contain_text("Đã giao")
    await expect(panel).to_contain_text("Nguyễn Thị Nhận")
    await expect(mine.locator(".status-card")).to_contain_text("Đã trả kết quả")
    await shot(mine, "citizen-sees-delivered")
