"""The installable app: manifest, service worker, offline page, nothing private kept offline."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Shot, controlled_by_service_worker, sign_up
from tests.helpers import new_phone

pytestmark = pytest.mark.browser

OFFLINE = "Bạn đang ngoại tuyến"
PROCEDURE = "Thủ tục đăng ký khai sinh"


async def test_offline_page_comes_from_the_service_worker(
    phone: Any, page: Any, shot: Shot
) -> None:
    await page.goto("/")
    await expect(page.locator('link[rel="manifest"]')).to_have_attribute(
        "href", "/manifest.webmanifest"
    )
    manifest = await page.request.get("/manifest.webmanifest")
    assert manifest.ok
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = await manifest.json()
    assert data["lang"] == "vi" and data["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in data["icons"]}
    await controlled_by_service_worker(page)
    caches = await page.evaluate("() => caches.keys()")
    assert any(name.startswith("motcua-") for name in caches), caches

    # No network: another page of the site gives the offline page, styled from the cache.
    await phone.set_offline(True)
    try:
        await page.goto("/procedures/1")
        await expect(page.get_by_role("heading", level=1)).to_have_text(OFFLINE)
        await expect(page.get_by_role("button", name="Thử lại")).to_be_visible()
        topbar = await page.locator(".topbar").evaluate("e => getComputedStyle(e).backgroundColor")
        assert topbar == "rgb(179, 38, 30)", f"offline page unstyled (top bar {topbar})"
        await shot(page, "offline")
    finally:
        await phone.set_offline(False)

    # Back online, the same address shows the procedure.
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).not_to_have_text(OFFLINE)
    await expect(page.get_by_role("button", name="Nộp hồ sơ trực tuyến")).to_be_visible()


async def citizen_with_a_draft(page: Any) -> None:
    """A new citizen who started a dossier and looked at "Hồ sơ của tôi" (which lists it)."""
    await sign_up(page, new_phone(), "Phạm Thị Thu Hà")
    await expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    await page.goto("/procedures?q=khai+sinh")
    await page.get_by_role("link").filter(has=page.get_by_text(PROCEDURE, exact=True)).tap()
    await page.get_by_role("button", name="Nộp hồ sơ trực tuyến").tap()
    await expect(page).to_have_url(re.compile(r"/dossiers/\d+/edit$"))
    await page.get_by_role("link", name="Hồ sơ của tôi").tap()
    await expect(page).to_have_url(re.compile(r"/my/dossiers$"))
    await expect(page.locator("a.item").filter(has_text=PROCEDURE)).to_have_count(1)


async def sign_out(page: Any) -> None:
    await page.get_by_role("button", name="Đăng xuất").tap()
    await expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    await expect(page).to_have_url(re.compile(r"/$"))


async def test_service_worker_never_serves_a_private_page_from_cache(
    phone: Any, page: Any, shot: Shot
) -> None:
    await page.goto("/")
    await controlled_by_service_worker(page)
    await citizen_with_a_draft(page)
    await page.goto("/my/dossiers")  # a full load, through the service worker
    await expect(page.locator("a.item").filter(has_text=PROCEDURE)).to_have_count(1)
    await sign_out(page)

    await phone.set_offline(True)
    try:
        await page.goto("/my/dossiers")
        await expect(page.get_by_role("heading", level=1)).to_have_text(OFFLINE)
        await expect(page.get_by_text(PROCEDURE)).to_have_count(0)
        await shot(page, "offline-my-dossiers")
    finally:
        await phone.set_offline(False)
    await page.goto("/my/dossiers")
    await expect(page).to_have_url(re.compile(r"/login\?next=/my/dossiers$"))


async def test_back_button_after_sign_out_shows_nothing_private(page: Any, shot: Shot) -> None:
    """On a shared phone, the next person pressing Back must not see the last one's dossiers
    (htmx keeps snapshots of boosted pages in localStorage to restore them on Back)."""
    await page.goto("/")
    await citizen_with_a_draft(page)
    await sign_out(page)
    await page.go_back()
    await expect(page).to_have_url(re.compile(r"/my/dossiers$"))
    # Whatever answers Back (htmx's snapshot, the server, the worker) has had time to show.
    await page.wait_for_load_state("networkidle")
    await page.wait_for_timeout(300)
    await shot(page, "back-after-sign-out")
    await expect(page.get_by_text(PROCEDURE)).to_have_count(0)
    stored = await page.evaluate("() => JSON.stringify({...localStorage, ...sessionStorage})")
    assert PROCEDURE not in stored, "a signed-in page is kept in the browser's storage"


async def test_a_tap_while_offline_says_so(phone: Any, page: Any, shot: Shot) -> None:
    """Issue 12, item 17: an in-app link tapped offline did nothing (htmx:sendError); now a
    banner says there is no network and the link opens the offline page."""
    await page.goto("/")
    await controlled_by_service_worker(page)
    await phone.set_offline(True)
    try:
        banner = page.locator(".offline-banner")
        await expect(banner).to_be_visible()
        await expect(banner).to_contain_text("Không có kết nối mạng")
        await shot(page, "offline-banner")
        # A boosted link (htmx) cannot reach the server: the offline page instead of nothing.
        await page.locator('footer a[href="/track"]').click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(OFFLINE)
        await shot(page, "offline-link")
    finally:
        await phone.set_offline(False)
