"""Installable app: manifest and icons, the service worker at the root scope, the offline page."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from litestar import Litestar
from PIL import Image

from tests.helpers import Client, register, soup, text_of


async def manifest(client: Client) -> dict[str, Any]:
    r = await client.get("/manifest.webmanifest")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/manifest+json")
    data: dict[str, Any] = r.json()
    return data


async def test_manifest_describes_an_installable_vietnamese_app(client: Client) -> None:
    data = await manifest(client)
    assert data["name"].strip()
    assert data["short_name"].strip()
    assert len(data["short_name"]) <= 12  # fits under a home-screen icon
    assert data["lang"] == "vi"
    assert data["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", data["theme_color"])
    assert data["start_url"].startswith(data.get("scope", "/"))
    start = await client.get(data["start_url"])
    assert start.status_code == 200
    # The page itself points to the manifest and uses the same theme colour.
    html = soup(start.text)
    assert html.select_one('link[rel="manifest"]')["href"] == "/manifest.webmanifest"
    assert html.select_one('meta[name="theme-color"]')["content"] == data["theme_color"]


@pytest.mark.parametrize(
    ("size", "purpose"), [(192, "any"), (512, "any"), (192, "maskable"), (512, "maskable")]
)
async def test_manifest_icon_is_a_real_png_of_its_size(
    client: Client, size: int, purpose: str
) -> None:
    icons = [
        icon
        for icon in (await manifest(client))["icons"]
        if f"{size}x{size}" in icon.get("sizes", "").split()
        and purpose in icon.get("purpose", "any").split()
    ]
    assert icons, f"no {purpose} icon of {size}x{size}"
    for icon in icons:
        assert icon["type"] == "image/png"
        r = await client.get(icon["src"])
        assert r.status_code == 200, icon["src"]
        assert r.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(r.content))
        assert image.format == "PNG"
        assert image.size == (size, size)


async def test_service_worker_is_served_at_the_root(client: Client) -> None:
    r = await client.get("/sw.js")
    assert r.status_code == 200
    media_type = r.headers["content-type"].split(";")[0].strip()
    assert media_type in ("text/javascript", "application/javascript")
    cache_control = [v.strip() for v in r.headers["cache-control"].split(",")]
    assert "no-cache" in cache_control or "no-store" in cache_control
    assert "max-age" not in r.headers["cache-control"].replace("max-age=0", "")
    assert "self.addEventListener" in r.text


async def test_every_file_the_service_worker_precaches_exists(client: Client) -> None:
    """One missing file makes cache.addAll fail, and the worker then never installs."""
    source = (await client.get("/sw.js")).text
    shell = re.search(r"SHELL\s*=\s*\[(.*?)\]", source, re.S)
    assert shell, "no SHELL list in sw.js"
    urls = re.findall(r"[\"']([^\"']+)[\"']", shell[1])
    assert "/offline" in urls
    for url in urls:
        r = await client.get(url)
        assert r.status_code == 200, url


@pytest.mark.parametrize("signed_in", [False, True])
async def test_offline_page_holds_nothing_personal(client: Client, signed_in: bool) -> None:
    name = "Trịnh Thị Riêng Tư"
    phone = await register(client, name=name) if signed_in else None
    r = await client.get("/offline")
    assert r.status_code == 200
    assert text_of(r.text, "h1") == ["Bạn đang ngoại tuyến"]
    assert soup(r.text).select_one("html")["lang"] == "vi"
    assert name not in r.text
    assert "Đăng xuất" not in r.text
    assert 'action="/logout"' not in r.text
    assert "/my/dossiers" not in r.text
    if phone:
        assert phone not in r.text
        # The same visitor does see their account on an ordinary page.
        assert "Đăng xuất" in (await client.get("/")).text


async def test_every_page_links_the_privacy_notice(client: Client) -> None:
    """Issue 12, item 21: what is kept (ID numbers, photos), who sees it, for how long, the
    rights and the law it follows, linked from every page's footer."""
    home = soup((await client.get("/")).text)
    link = home.select_one('footer a[href="/privacy"]')
    assert link is not None and link.text == "Quyền riêng tư"
    page = await client.get("/privacy")
    assert page.status_code == 200
    text = " ".join(soup(page.text).select_one("main").text.split())
    for must in (
        "Nghị định 13/2023/NĐ-CP",
        "Luật Bảo vệ dữ liệu cá nhân",
        "Số định danh cá nhân",
        "Ảnh, tệp giấy tờ",
        "Bưu điện chỉ thấy",
        "Giữ trong bao lâu",
        "Quyền của bạn",
    ):
        assert must in text, must


async def test_the_footer_gives_the_centers_contact_when_configured(
    app: Litestar, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from backend.settings import get_settings

    configured = dataclasses.replace(
        get_settings(), center_phone="0229 3 871 234", center_email="motcua@ninhbinh.gov.vn"
    )
    globals_ = app.template_engine.engine.globals  # type: ignore[union-attr]
    monkeypatch.setitem(globals_, "settings", configured)
    footer = soup((await client.get("/privacy")).text).select_one("footer")
    assert footer is not None
    assert footer.select_one('a[href="tel:02293871234"]') is not None
    assert footer.select_one('a[href="mailto:motcua@ninhbinh.gov.vn"]') is not None
