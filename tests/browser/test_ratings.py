"""Satisfaction in the real UI: a citizen rates a finished dossier with one tap on a phone and
adds details on the same screen; a counter tablet in kiosk mode takes a tap, says thank you,
goes back to the faces, and keeps a vote made during a network blip until it can send it."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from backend.access.roles import Role
from backend.catalog.tables import Counter
from backend.dossiers.workflow import State
from backend.ratings import kiosk as kiosk_service
from backend.ratings.services import of_dossier
from backend.ratings.tables import Rating
from tests.browser.conftest import AxeChecker, ContextFactory, Shot, signed_in_context
from tests.dossiers.factory import Factory
from tests.helpers import make_user

pytestmark = pytest.mark.browser
TABLET = {"viewport": {"width": 1024, "height": 768}, "is_mobile": True, "has_touch": True}


async def test_one_tap_rating_on_a_phone(
    new_context: ContextFactory, live_server: str, factory: Factory, shot: Shot, axe: AxeChecker
) -> None:
    dossier_id = await factory.create(State.RETURNED)
    context = await signed_in_context(new_context, live_server, factory.people["owner"].id)
    page = await context.new_page()
    await page.goto(f"/dossiers/{dossier_id}#rating")
    card = page.locator("#rating")
    await expect(card).to_contain_text("Bạn có hài lòng")
    await axe(page, "rating card")
    await shot(page, "invited")
    await card.get_by_role("button", name="Không hài lòng", exact=True).click()
    await expect(card).to_contain_text("Cảm ơn bạn đã đánh giá")
    rating = await of_dossier(dossier_id)
    assert rating is not None and rating["level"] == 2
    # A low rating offers a complaint about this dossier, on the same screen.
    await expect(card.get_by_role("link", name="Gửi phản ánh về hồ sơ này")).to_be_visible()
    await card.get_by_text("Phải đi lại nhiều lần").click()
    await card.get_by_label("Góp ý của bạn").fill("Phải đến quầy hai lần mới nhận được kết quả.")
    await card.get_by_role("button", name="Gửi góp ý").click()
    await expect(card.get_by_label("Góp ý của bạn")).to_have_value(
        "Phải đến quầy hai lần mới nhận được kết quả."
    )
    await axe(page, "rating details")
    await shot(page, "rated")
    rating = await of_dossier(dossier_id)
    assert rating is not None and '"trips": "bad"' in rating["criteria"]
    axe.assert_clean()


async def test_the_kiosk_on_a_tablet(
    new_context: ContextFactory, live_server: str, database: None, shot: Shot, axe: AxeChecker
) -> None:
    row = await Counter.select(Counter.id).where(Counter.number == 2).first()
    assert row is not None
    officer = await make_user(Role.COUNTER, "t.kiosk.browser", counter=row["id"])
    context = await signed_in_context(new_context, live_server, officer.id, **TABLET)
    page = await context.new_page()
    await page.goto("/kiosk/setup")
    await page.get_by_label("Mã PIN (4 đến 8 chữ số)").fill("8642")
    await page.get_by_label("Nhập lại mã PIN").fill("8642")
    await page.get_by_role("button", name="Bật chế độ đánh giá").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bạn có hài lòng với sự phục vụ hôm nay?"
    )
    await axe(page, "kiosk")
    await shot(page, "kiosk")
    device = await kiosk_service.device(
        next(c["value"] for c in await context.cookies() if c["name"] == kiosk_service.COOKIE)
    )
    assert device is not None

    await page.get_by_role("button", name="Rất hài lòng").click()
    await expect(page.locator("#thanks")).to_be_visible()
    await shot(page, "thanks")
    # Back to the faces by itself after a few seconds.
    await expect(page.locator("#ask")).to_be_visible(timeout=8000)
    await _until_votes(device["id"], 1)

    # A network blip: the tap is kept on the tablet and sent when the network is back.
    await context.set_offline(True)
    await page.get_by_role("button", name="Hài lòng", exact=True).click()
    await expect(page.locator("#thanks")).to_be_visible()
    queued = await page.evaluate("JSON.parse(localStorage.getItem('motcua.kiosk.queue')).length")
    assert queued == 1 and await _votes(device["id"]) == 1
    await context.set_offline(False)
    await _until_votes(device["id"], 2)
    levels = [
        r["level"]
        for r in await Rating.select(Rating.level)
        .where(Rating.device == device["id"])
        .order_by(Rating.id)
    ]
    assert levels == [5, 4]

    # The center's manager reads satisfaction per counter and per official.
    manager = await make_user(Role.MANAGER, "t.kiosk.manager")
    desk = await signed_in_context(new_context, live_server, manager.id, **TABLET)
    report = await desk.new_page()
    await report.goto("/manage/satisfaction/?days=30")
    await expect(report.locator("table.satisfaction").first).to_contain_text("Quầy 2")
    await axe(report, "satisfaction tables")
    await shot(report, "satisfaction")
    axe.assert_clean()


async def _votes(device_id: int) -> int:
    return await Rating.count().where(Rating.device == device_id)


async def _until_votes(device_id: int, n: int, seconds: float = 10) -> None:
    for _ in range(int(seconds * 10)):
        if await _votes(device_id) == n:
            return
        await asyncio.sleep(0.1)
    assert await _votes(device_id) == n
