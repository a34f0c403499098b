"""The kiosk's vote limit fits a busy counter, and a refused vote is answered clearly (issue 12,
item 19a): 429 with a Vietnamese message and Retry-After, which static/js/kiosk.js shows to the
person at the tablet (tests/browser/test_kiosk_refusals.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.access.roles import Role
from backend.lib.clock import utcnow
from backend.ratings import kiosk
from backend.ratings.tables import Rating
from tests.conftest import Clock
from tests.helpers import Client, csrf, make_user
from tests.ratings.test_kiosk import _counter, _device


async def test_a_busy_counter_keeps_every_vote(database: None, clock: Clock) -> None:
    """One person every 3 seconds for a minute, faster than any real counter: all counted."""
    device, _, _ = await _device("t.kiosk.busy1", 71)
    start = utcnow()
    for i in range(20):  # 57 s
        clock.now = start + timedelta(seconds=3 * i)
        assert await kiosk.vote(device, 5, f"busy-{i}")
    assert await Rating.count().where(Rating.device == device["id"]) == 20


async def test_a_script_is_held_at_the_limit_and_told_when_to_retry(
    database: None, clock: Clock
) -> None:
    device, _, _ = await _device("t.kiosk.busy2", 72)
    assert kiosk.VOTES_PER_MINUTE == 30
    # A fixed moment 10 s into a rate-limit window, so that the burst is within one window.
    clock.now = utcnow().replace(second=10, microsecond=0)
    for i in range(kiosk.VOTES_PER_MINUTE):
        assert await kiosk.vote(device, 4, f"loop-{i}")
    for i in range(5):  # refused attempts are not counted: the wait does not grow
        with pytest.raises(kiosk.KioskBusy) as refused:
            await kiosk.vote(device, 4, f"loop-extra-{i}")
        assert 1 <= refused.value.retry_after <= 120
    assert "Vui lòng đợi khoảng" in refused.value.render()
    clock.now = utcnow() + timedelta(seconds=refused.value.retry_after + 1)
    assert await kiosk.vote(device, 4, "loop-after-the-wait")


async def test_a_refused_vote_is_a_429_with_a_message_and_retry_after(
    client: Client, database: None, clock: Clock
) -> None:
    clock.now = utcnow().replace(second=10, microsecond=0)  # one rate-limit window
    officer = await make_user(Role.COUNTER, "t.kiosk.busy3", counter=await _counter(73))
    client.cookies.set(kiosk.COOKIE, await kiosk.start(officer, "1357", "1357"))
    headers = {"x-csrftoken": await csrf(client)}
    for i in range(kiosk.VOTES_PER_MINUTE):
        r = await client.post("/kiosk/votes", json={"key": f"h-{i}", "level": 5}, headers=headers)
        assert r.status_code == 200
    r = await client.post("/kiosk/votes", json={"key": "h-extra", "level": 5}, headers=headers)
    assert r.status_code == 429
    assert r.json()["detail"].startswith(
        "Máy đang nhận quá nhiều lượt đánh giá nên chưa ghi nhận được đánh giá của bạn."
    )
    assert int(r.headers["retry-after"]) >= 1
    assert await Rating.count().where(Rating.client_key.like("%:h-extra")) == 0
