"""A kiosk vote the server refuses is never lost without a word (issue 12, item 19a): the
person at the tablet sees why instead of "thank you", a vote queued earlier is kept until it can
be sent, and a tablet whose counter was set up on another tablet asks for a new setup."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from backend.access.roles import Role
from backend.accounts import ratelimit
from backend.ratings import kiosk
from backend.ratings.tables import Rating
from tests.browser.conftest import ContextFactory, Shot
from tests.helpers import make_user
from tests.ratings.test_kiosk import _counter

pytestmark = pytest.mark.browser
QUEUED = "JSON.parse(localStorage.getItem('motcua.kiosk.queue') || '[]').length"


async def _tablet(
    new_context: ContextFactory, live_server: str, login: str, number: int
) -> tuple[Any, Any, dict[str, Any]]:
    officer = await make_user(Role.COUNTER, login, counter=await _counter(number))
    token = await kiosk.start(officer, "2468", "2468")
    device = await kiosk.device(token)
    assert device is not None
    context = await new_context(viewport={"width": 390, "height": 844})
    await context.add_cookies([{"name": kiosk.COOKIE, "value": token, "url": live_server}])
    page = await context.new_page()
    await page.goto("/kiosk/")
    return context, page, device


async def _flood(device: dict[str, Any]) -> None:
    """What a script hammering the tablet's votes would leave in its rate-limit bucket."""
    for _ in range(2 * kiosk.VOTES_PER_MINUTE):
        await ratelimit.take("kiosk", str(device["id"]), kiosk.VOTES_PER_MINUTE, kiosk.MINUTE)


async def _votes(device: dict[str, Any]) -> int:
    return await Rating.count().where(Rating.device == device["id"])


async def test_a_refused_tap_is_told_not_thanked(
    new_context: ContextFactory, live_server: str, database: None, shot: Shot
) -> None:
    _, page, device = await _tablet(new_context, live_server, "t.kiosk.refused1", 91)
    await _flood(device)
    await page.get_by_role("button", name="Rất hài lòng").click()
    refused = page.locator("#refused")
    await expect(refused).to_be_visible()
    await expect(refused).to_contain_text("chưa ghi nhận được đánh giá của bạn")
    await expect(refused).to_contain_text("Vui lòng đợi khoảng")
    await expect(page.locator("#thanks")).to_be_hidden()
    await expect(page.get_by_role("button", name="Hài lòng", exact=True)).to_be_visible()
    await shot(page, "refused")
    # The person was told and may tap again later: nothing is left to be sent behind them.
    assert await page.evaluate(QUEUED) == 0 and await _votes(device) == 0


async def test_a_queued_vote_refused_later_is_kept_and_sent(
    new_context: ContextFactory, live_server: str, database: None
) -> None:
    context, page, device = await _tablet(new_context, live_server, "t.kiosk.refused2", 92)
    await context.set_offline(True)
    await page.get_by_role("button", name="Hài lòng", exact=True).click()
    await expect(page.locator("#thanks")).to_be_visible()  # kept on the tablet: thanked
    assert await page.evaluate(QUEUED) == 1
    await _flood(device)
    async with page.expect_response("**/kiosk/votes") as answer:
        await context.set_offline(False)
    assert (await answer.value).status == 429
    await page.wait_for_timeout(300)
    assert await page.evaluate(QUEUED) == 1, "a refused queued vote must stay queued"
    # Once the tablet may vote again (here: the flood is forgotten and the page reopened), the
    # queued vote is counted.
    await ratelimit.reset("kiosk", str(device["id"]))
    await page.reload()
    for _ in range(50):  # polled from here: the page's CSP forbids wait_for_function's eval
        if await page.evaluate(QUEUED) == 0:
            break
        await page.wait_for_timeout(100)
    assert await page.evaluate(QUEUED) == 0 and await _votes(device) == 1


async def test_a_replaced_tablet_asks_for_a_new_setup(
    new_context: ContextFactory, live_server: str, database: None, shot: Shot
) -> None:
    _, page, device = await _tablet(new_context, live_server, "t.kiosk.refused3", 93)
    colleague = await make_user(Role.COUNTER, "t.kiosk.refused4", counter=device["counter"])
    await kiosk.start(colleague, "1357", "1357")  # the counter moves to another tablet
    await page.get_by_role("button", name="Rất hài lòng").click()
    ended = page.locator("#ended")
    await expect(ended).to_be_visible()
    await expect(ended.get_by_role("heading")).to_have_text("Máy này đã ngừng nhận đánh giá")
    await expect(ended).to_contain_text("Đánh giá bạn vừa chọn chưa được ghi nhận")
    await expect(page.locator("#thanks")).to_be_hidden()
    await shot(page, "ended")
    await page.reload()  # the page itself says the same, with the way to set it up again
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Máy này đã ngừng nhận đánh giá"
    )
    await expect(page.get_by_role("link", name="Cài đặt lại máy đánh giá")).to_be_visible()
    await shot(page, "ended-page")
    assert await _votes(device) == 0
