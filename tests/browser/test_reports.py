"""The managers' dashboard and the 766 scorecard on a 360 px phone (issue 13): no horizontal
scroll (the wide table scrolls in its own region), axe-core finds nothing serious, the charts
and the export links are there, and a number opens the dossiers behind it."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from backend.dossiers.workflow import State
from tests.browser.conftest import AxeChecker, ContextFactory, Shot, signed_in_context
from tests.dossiers.factory import Factory

pytestmark = pytest.mark.browser

WIDTH = "() => document.documentElement.scrollWidth"


async def test_the_dashboard_and_scorecard_on_a_phone(
    new_context: ContextFactory, live_server: str, factory: Factory, shot: Shot, axe: AxeChecker
) -> None:
    for state in (State.DONE, State.RECEIVED):
        await factory.create(state, "stp")
    await factory.create(State.DONE, "sxd")
    manager = factory.people["manager"]
    page = await (
        await signed_in_context(
            new_context, live_server, manager.id, viewport={"width": 360, "height": 780}
        )
    ).new_page()
    await page.goto("/manage/reports")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Báo cáo tình hình giải quyết hồ sơ"
    )
    await expect(page.locator("figure svg[role=img]")).to_have_count(3)
    await expect(page.get_by_role("link", name="Tải bảng (Excel)")).to_be_visible()
    assert await page.evaluate(WIDTH) <= 360
    await shot(page, "dashboard")
    await axe(page, "dashboard")
    # A number opens the dossiers behind it.
    await page.locator("table.report tr.total a[href$='metric=received']").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ tiếp nhận")
    await expect(page.locator("td.code a").first).to_be_visible()
    assert await page.evaluate(WIDTH) <= 360
    await axe(page, "drill-down")
    # The ratings and complaints behind the satisfaction and complaint numbers.
    await page.goto("/manage/reports/feedback?list=complaints")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Phản ánh, kiến nghị tiếp nhận")
    assert await page.evaluate(WIDTH) <= 360
    await axe(page, "complaints behind a number")

    await page.goto("/manage/766")
    await expect(page.locator(".indicator dt").first).to_have_text(
        "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn"
    )
    await page.locator(".indicator details summary").first.click()
    await expect(page.locator(".indicator details p").first).to_be_visible()
    assert await page.evaluate(WIDTH) <= 360
    await shot(page, "scorecard")
    await axe(page, "scorecard")
    axe.assert_clean()
