"""One kiosk per counter (issue 12, item 19a): setting a counter up on a new tablet ends the
earlier tablets' access; the setup page says which tablets it will end, and an ended tablet
asks, in Vietnamese, to be set up again instead of showing an error."""

from __future__ import annotations

from backend.access.roles import Role
from backend.accounts.middleware import SESSION_COOKIE
from backend.ratings import kiosk
from backend.ratings.tables import KioskDevice, Rating
from tests.helpers import Client, csrf, make_user, post_page_form, sign_in_as, soup, text_of
from tests.ratings.test_kiosk import _counter


async def _active(counter: int) -> list[int]:
    rows = await KioskDevice.select(KioskDevice.id).where(
        (KioskDevice.counter == counter) & KioskDevice.active.eq(True)
    )
    return [r["id"] for r in rows]


async def test_a_new_setup_ends_the_counters_older_tablets(database: None) -> None:
    counter, other_counter = await _counter(81), await _counter(82)
    officer = await make_user(Role.COUNTER, "t.kiosk.r1", counter=counter)
    colleague = await make_user(Role.COUNTER, "t.kiosk.r2", counter=counter)
    neighbour = await make_user(Role.COUNTER, "t.kiosk.r3", counter=other_counter)
    first = await kiosk.device(await kiosk.start(officer, "1111", "1111"))
    next_door = await kiosk.device(await kiosk.start(neighbour, "3333", "3333"))
    assert first and next_door
    second = await kiosk.device(await kiosk.start(colleague, "2222", "2222"))
    assert second is not None
    assert await _active(counter) == [second["id"]]
    assert await _active(other_counter) == [next_door["id"]]  # another counter keeps its own


async def test_the_replaced_tablet_asks_for_a_new_setup(client: Client, database: None) -> None:
    counter = await _counter(83)
    officer = await make_user(Role.COUNTER, "t.kiosk.r4", counter=counter)
    old_token = await kiosk.start(officer, "1357", "1357")
    # The setup page names the tablet a new setup will end.
    await sign_in_as(client, officer.id)
    page = await client.get("/kiosk/setup")
    assert page.status_code == 200
    (warning,) = text_of(page.text, "#kiosk-active")
    assert "máy cũ sẽ ngừng nhận đánh giá" in warning and "Máy cài đặt lúc" in warning
    r = await post_page_form(client, "/kiosk/setup", {"pin": "2468", "pin_again": "2468"})
    assert r.status_code == 303
    client.cookies.delete(SESSION_COOKIE)
    new_screen = await client.get("/kiosk/")
    assert len(soup(new_screen.text).select("button[data-level]")) == 5

    # The old tablet: a clear message and a way to set it up again, no faces.
    client.cookies.delete(kiosk.COOKIE)
    client.cookies.set(kiosk.COOKIE, old_token)
    screen = await client.get("/kiosk/")
    assert screen.status_code == 200
    html = soup(screen.text)
    assert html.select("button[data-level]") == []
    assert html.select_one("h1").get_text(strip=True) == "Máy này đã ngừng nhận đánh giá"
    assert "cài đặt lại máy này" in html.get_text(" ")
    assert html.select_one('a[href="/kiosk/setup"]') is not None
    # Its votes are refused with a reason the tablet's script recognises.
    r = await client.post(
        "/kiosk/votes",
        json={"key": "old-tablet-1", "level": 5},
        headers={"x-csrftoken": await csrf(client)},
    )
    assert r.status_code == 403 and r.json()["reason"] == "kiosk_ended"
    assert await Rating.count().where(Rating.client_key.like("%:old-tablet-1")) == 0
