"""The counter kiosk fits a phone held upright (issue 12, item 19a): every face and the staff's
exit control are whole inside the screen, at least 44 px, with no sideways scroll, at 360 and
390 px wide; on a tablet in landscape the faces stay in one row."""

from __future__ import annotations

from typing import Any

import pytest

from backend.access.roles import Role
from backend.accounts.tables import User
from backend.lib.clock import utcnow
from backend.ratings import duty
from backend.ratings import kiosk as kiosk_service
from tests.browser.conftest import ContextFactory, Shot
from tests.helpers import make_user
from tests.ratings.test_kiosk import _counter

pytestmark = pytest.mark.browser
MIN_TARGET = 44  # px: WCAG 2.5.5's target size, and Apple's and Google's guidelines
SIZES = [
    {"width": 360, "height": 780},
    {"width": 390, "height": 844},
    {"width": 360, "height": 640},  # a small phone: the faces must not push the exit away
]


async def _kiosk_page(new_context: ContextFactory, live_server: str, **overrides: Any) -> Any:
    counter = await _counter(61)
    officer = await make_user(Role.COUNTER, "t.kiosk.layout", counter=counter)
    # A long name on duty: the header is as tall as it gets.
    await User.update({User.full_name: "Nguyễn Thị Phương Thảo"}).where(User.id == officer.id)
    await duty.start(officer.id, counter, utcnow())
    token = await kiosk_service.start(officer, "2468", "2468")
    context = await new_context(**overrides)
    await context.add_cookies([{"name": kiosk_service.COOKIE, "value": token, "url": live_server}])
    page = await context.new_page()
    await page.goto("/kiosk/")
    return page


def _inside(box: dict[str, float] | None, width: int, height: int) -> bool:
    assert box is not None
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )


async def _on_top(page: Any, locator: Any) -> bool:
    """The element (not something laid over it) is what a tap at its centre reaches."""
    handle = await locator.element_handle()
    return bool(
        await page.evaluate(
            """(el) => { const r = el.getBoundingClientRect();
              const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
              return el === hit || el.contains(hit); }""",
            handle,
        )
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
async def test_every_face_and_the_exit_fit_a_phone(
    new_context: ContextFactory, live_server: str, database: None, shot: Shot, size: Any
) -> None:
    page = await _kiosk_page(new_context, live_server, viewport=size)
    width, height = size["width"], size["height"]
    await shot(page, f"kiosk-{width}x{height}")
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page scrolls sideways ({scroll_width} > {width})"
    targets = [*await page.locator("button[data-level]").all()]
    assert len(targets) == 5
    targets.append(page.locator(".kiosk-exit summary"))
    for target in targets:
        box = await target.bounding_box()
        label = (await target.get_attribute("aria-label")) or await target.inner_text()
        assert _inside(box, width, height), (label, box)
        assert box is not None and min(box["width"], box["height"]) >= MIN_TARGET, (label, box)
        assert await _on_top(page, target), f"{label!r} is covered"


async def test_the_kiosk_on_a_tablet_in_landscape(
    new_context: ContextFactory, live_server: str, database: None, shot: Shot
) -> None:
    page = await _kiosk_page(
        new_context, live_server, viewport={"width": 1024, "height": 768}, is_mobile=False
    )
    await shot(page, "kiosk-tablet-landscape")
    faces = [await f.bounding_box() for f in await page.locator("button[data-level]").all()]
    assert len({round(b["y"]) for b in faces if b}) == 1, "the faces are in one row"
    for box in faces:
        assert _inside(box, 1024, 768) and box is not None and box["width"] >= 120
    exit_box = await page.locator(".kiosk-exit summary").bounding_box()
    assert _inside(exit_box, 1024, 768)
    assert await _on_top(page, page.locator(".kiosk-exit summary"))
