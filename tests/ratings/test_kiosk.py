"""The counter kiosk: anonymous votes attributed to the counter and the officer on duty at the
time, rate limited per device, counted once when replayed, left only with the staff PIN."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.access.roles import Role
from backend.catalog.tables import Counter
from backend.lib.clock import utcnow
from backend.lib.errors import Forbidden, FormErrors, TooManyRequests
from backend.ratings import duty, kiosk
from backend.ratings.tables import CounterDuty, KioskDevice, Rating
from tests.conftest import Clock
from tests.helpers import Client, csrf, make_user, post_page_form, sign_in_as, soup


async def _counter(number: int) -> int:
    row = await Counter.select(Counter.id).where(Counter.number == number).first()
    if row:
        return int(row["id"])
    counter = Counter(number=number, name=f"Quầy thử {number}")
    await counter.save()
    return int(counter.id)


async def _device(officer_login: str, number: int) -> tuple[dict, int, int]:
    counter = await _counter(number)
    officer = await make_user(Role.COUNTER, officer_login, counter=counter)
    token = await kiosk.start(officer, "2468", "2468")
    device = await kiosk.device(token)
    assert device is not None
    return device, counter, officer.id


async def test_votes_are_anonymous_and_go_to_the_officer_on_duty(database: None) -> None:
    device, counter, first = await _device("t.kiosk.a1", 41)
    second = (await make_user(Role.COUNTER, "t.kiosk.a2", counter=counter)).id
    await duty.start(first, counter, utcnow())
    assert await kiosk.vote(device, 5, "vote-a-1")
    await duty.start(second, counter, utcnow())  # the next officer sits down
    assert await kiosk.vote(device, 2, "vote-a-2")
    await duty.end(second, utcnow())
    assert await kiosk.vote(device, 4, "vote-a-3")  # nobody on duty: the counter only
    votes = await Rating.select().where(Rating.device == device["id"]).order_by(Rating.id)
    assert [(v["level"], v["officer"]) for v in votes] == [(5, first), (2, second), (4, None)]
    for v in votes:
        assert v["source"] == "kiosk" and v["counter"] == counter
        assert v["dossier"] is None  # nothing about the person who voted
    # The first officer's duty was closed when the second signed in.
    open_duties = await CounterDuty.count().where(
        (CounterDuty.counter == counter) & CounterDuty.ended_at.is_null()
    )
    assert open_duties == 0


async def test_a_replayed_vote_counts_once(database: None) -> None:
    device, _, _ = await _device("t.kiosk.b1", 42)
    assert await kiosk.vote(device, 5, "same-key")
    assert not await kiosk.vote(device, 5, "same-key")
    assert await Rating.count().where(Rating.device == device["id"]) == 1


async def test_votes_are_rate_limited_per_device(database: None, clock: Clock) -> None:
    device, _, _ = await _device("t.kiosk.c1", 43)
    other, _, _ = await _device("t.kiosk.c2", 44)
    # 10 s into a rate-limit window: the burst cannot straddle two windows.
    clock.now = utcnow().replace(second=10, microsecond=0)
    for i in range(kiosk.VOTES_PER_MINUTE):
        assert await kiosk.vote(device, 4, f"burst-{i}")
    with pytest.raises(TooManyRequests):
        await kiosk.vote(device, 1, "burst-extra")
    assert await kiosk.vote(other, 4, "other-device")  # another tablet is not held back
    assert await Rating.count().where(Rating.device == device["id"]) == kiosk.VOTES_PER_MINUTE
    # Two minutes later the tablet takes votes again.
    clock.now = utcnow() + timedelta(minutes=2)
    assert await kiosk.vote(device, 4, "after-a-minute")


async def test_only_a_counter_officer_sets_a_kiosk_up_and_the_pin_lets_it_go(
    database: None,
) -> None:
    specialist = await make_user(Role.SPECIALIST, "t.kiosk.cv", "stp")
    with pytest.raises(Forbidden):
        await kiosk.start(specialist, "1234", "1234")
    officer = await make_user(Role.COUNTER, "t.kiosk.d1", counter=await _counter(45))
    for pin, again in (("12", "12"), ("12ab", "12ab"), ("1234", "4321")):
        with pytest.raises(FormErrors):
            await kiosk.start(officer, pin, again)
    device, _, _ = await _device("t.kiosk.d2", 46)
    with pytest.raises(FormErrors):
        await kiosk.leave(device, "0000")
    await kiosk.leave(device, "2468")
    row = await KioskDevice.select(KioskDevice.active).where(KioskDevice.id == device["id"]).first()
    assert row is not None and row["active"] is False


async def test_pin_guessing_is_limited(database: None) -> None:
    device, _, _ = await _device("t.kiosk.e1", 47)
    for _ in range(kiosk.PIN_TRIES):
        with pytest.raises(FormErrors):
            await kiosk.leave(device, "9999")
    with pytest.raises(TooManyRequests):
        await kiosk.leave(device, "2468")  # even the right PIN waits now


async def test_the_kiosk_through_http(client: Client, database: None) -> None:
    counter = await _counter(48)
    officer = await make_user(Role.COUNTER, "t.kiosk.f1", counter=counter)
    await sign_in_as(client, officer.id)
    r = await post_page_form(client, "/kiosk/setup", {"pin": "1357", "pin_again": "1357"})
    assert r.status_code == 303 and kiosk.COOKIE in r.headers["set-cookie"]
    # The tablet is now anonymous: the officer's session is not needed for votes.
    from backend.accounts.middleware import SESSION_COOKIE

    client.cookies.delete(SESSION_COOKIE)
    screen = await client.get("/kiosk/")
    faces = soup(screen.text).select("button[data-level]")
    assert len(faces) == 5 and "Quầy 48" in screen.text
    # The tablet's tab and home-screen icon (issue 12, item 19: it had none).
    assert soup(screen.text).select_one('head link[rel="icon"]') is not None
    csrf = soup(screen.text).select_one("body")["data-csrf"]
    vote = await client.post(
        "/kiosk/votes", json={"key": "http-vote-1", "level": 5}, headers={"x-csrftoken": csrf}
    )
    assert vote.status_code == 200 and vote.json() == {"counted": True}
    again = await client.post(
        "/kiosk/votes", json={"key": "http-vote-1", "level": 5}, headers={"x-csrftoken": csrf}
    )
    assert again.json() == {"counted": False}
    # Leaving needs the PIN.
    wrong = await client.post("/kiosk/exit", data={"_csrf_token": csrf, "pin": "0000"})
    assert wrong.status_code == 422 and "Mã PIN không đúng" in wrong.text
    ok = await client.post(
        "/kiosk/exit", data={"_csrf_token": csrf, "pin": "1357"}, follow_redirects=False
    )
    assert ok.status_code == 303
    client.cookies.delete(kiosk.COOKIE)
    r = await client.post(
        "/kiosk/votes", json={"key": "http-vote-2", "level": 5}, headers={"x-csrftoken": csrf}
    )
    assert r.status_code == 403


async def test_a_kiosk_vote_body_is_typed(client: Client, database: None) -> None:
    """What kiosk.js sends ({key, level, at}) counts; a body without a level, or that is not
    a vote at all, is refused as a bad request rather than failing; a level off the scale
    keeps its message."""
    officer = await make_user(Role.COUNTER, "t.kiosk.g1", counter=await _counter(49))
    client.cookies.set(kiosk.COOKIE, await kiosk.start(officer, "1357", "1357"))
    headers = {"x-csrftoken": await csrf(client)}
    sent = {"key": "typed-1", "level": 4, "at": "2026-12-01T08:30:00.000Z"}
    r = await client.post("/kiosk/votes", json=sent, headers=headers)
    assert r.status_code == 200 and r.json() == {"counted": True}
    for body in ({"key": "typed-2"}, {"key": "typed-3", "level": "rất tốt"}, ["typed-4", 5]):
        r = await client.post("/kiosk/votes", json=body, headers=headers)
        assert r.status_code == 400, (body, r.status_code)
    r = await client.post("/kiosk/votes", json={"key": "typed-5", "level": 9}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"] == "Chọn một mức đánh giá."
    assert r.json()["status_code"] == 422 and r.json()["errors"] == {
        "level": "Chọn một mức đánh giá."
    }
    # A level written as a number in a string was read before the body was typed: still is.
    r = await client.post("/kiosk/votes", json={"key": "typed-6", "level": "5"}, headers=headers)
    assert r.status_code == 200 and r.json() == {"counted": True}
    assert await Rating.count().where(Rating.client_key.like("%:typed-%")) == 2
