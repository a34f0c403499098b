"""The public statistics page on a 360 px phone (issue 13): reached from the footer, no
horizontal scroll, axe-core finds nothing serious, the month picker works without
JavaScript, and the charts are there with their tables."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from backend.catalog.tables import Agency
from backend.dossiers.workflow import State
from backend.lib.clock import local_today, travel_to
from backend.ratings.tables import Rating
from backend.reports import public
from tests.browser.conftest import AxeChecker, ContextFactory, Shot
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at

pytestmark = pytest.mark.browser


async def _figures_last_month(factory: Factory) -> date:
    """Dossiers finished and open, and ratings (enough for one agency, too few for another
    with a long name) in the month before this one."""
    month = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    try:
        travel_to(at(month + timedelta(days=2), 9))
        for state in (State.DONE, State.DONE, State.RECEIVED):
            await factory.create(state, "stp")
        await factory.create(State.DONE, "sxd")
    finally:
        travel_to(None)
    land = await Agency.select(Agency.id).where(Agency.code == "vpdkdd").first()
    when = at(month + timedelta(days=5), 10)
    votes = [(factory.agency_ids["stp"], n % 8 != 0) for n in range(34)]
    if land is not None:
        votes += [(land["id"], True)] * 4
    await Rating.insert(
        *[
            Rating(
                source="dossier",
                scale=5,
                level=5 if ok else 2,
                satisfied=ok,
                agency=agency,
                created_at=when,
                updated_at=when,
            )
            for agency, ok in votes
        ]
    )
    public.clear_cache()
    return month


async def test_the_statistics_on_a_phone(
    new_context: ContextFactory, factory: Factory, shot: Shot, axe: AxeChecker
) -> None:
    month = await _figures_last_month(factory)
    page = await (await new_context()).new_page()
    await page.goto("/")
    await page.locator("footer").get_by_role("link", name="Thống kê").click()
    await expect(page).to_have_url(re.compile(r"/statistics$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thống kê giải quyết thủ tục hành chính"
    )
    await page.get_by_label("Kỳ số liệu").select_option(f"{month:%Y-%m}")
    await page.get_by_role("button", name="Xem").click()
    await expect(page.locator(".as-of")).to_contain_text(f"Tháng {month.month}/{month.year}")
    justice = page.locator("table.stats-table tr", has_text="Sở Tư pháp")
    await expect(justice.locator("td").nth(3)).to_contain_text("34 lượt")
    await expect(justice.locator("td").nth(3)).to_contain_text("%")
    for chart in ("chart-trend", "chart-on-time", "chart-satisfaction"):
        svg = page.locator(f"#{chart} svg[role=img]")
        await expect(svg).to_be_visible()
        box = await svg.bounding_box()
        assert box is not None and box["width"] <= 360
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways: {width} px"
    await axe(page, "statistics")
    await shot(page, "month")
    # The tables of the charts open; the page still fits.
    await page.locator("#chart-on-time summary").click()
    await expect(page.locator("#chart-on-time table")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await axe(page, "statistics, a chart's table open")
    axe.assert_clean()


async def test_the_month_picker_works_without_javascript(
    new_context: ContextFactory, factory: Factory, shot: Shot
) -> None:
    page = await (await new_context(java_script_enabled=False)).new_page()
    await page.goto("/statistics")
    options = page.locator("#month option")
    second = await options.nth(1).get_attribute("value")
    assert second
    await page.get_by_label("Kỳ số liệu").select_option(second)
    await page.get_by_role("button", name="Xem").click()
    await expect(page).to_have_url(re.compile(rf"/statistics\?month={second}$"))
    await expect(page.locator("#month option[selected]")).to_have_attribute("value", second)
    await shot(page, "no-js")
