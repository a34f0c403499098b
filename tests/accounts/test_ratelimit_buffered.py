"""The public lookup's limit counted in memory, shared through the database (issue 14).

Two `BufferedCounter`s stand for two app processes on one database.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from backend.accounts import ratelimit_buffered
from backend.accounts.ratelimit_buffered import BufferedCounter
from backend.accounts.tables import RateLimitCounter
from tests.conftest import Clock

WINDOW = timedelta(minutes=10)
LIMIT = 30


async def _allowed(counter: BufferedCounter, key: str, times: int) -> int:
    answers = [await counter.take("t", key, LIMIT, WINDOW) for _ in range(times)]
    return sum(a.allowed for a in answers)


async def _stored(key: str) -> int:
    rows = await RateLimitCounter.select(RateLimitCounter.hits).where(
        RateLimitCounter.key == f"t:{key}"
    )
    return sum(row["hits"] for row in rows)


async def test_a_request_writes_nothing_and_a_flush_writes_the_sum(database: None) -> None:
    one = BufferedCounter()
    assert await _allowed(one, "a", 12) == 12
    assert await _stored("a") == 0  # the requests only read
    await one.flush()
    assert await _stored("a") == 12
    await one.flush()  # nothing new: nothing added twice
    assert await _stored("a") == 12


async def test_another_process_knows_the_busy_keys_after_its_next_write(database: None) -> None:
    one, two = BufferedCounter(), BufferedCounter()
    assert await _allowed(one, "b", LIMIT) == LIMIT
    await one.flush()
    await two.flush()  # nothing of its own to write: it reads the busy keys back
    refused = await two.take("t", "b", LIMIT, WINDOW)
    assert not refused.allowed and refused.count == LIMIT + 1 and refused.retry_after > 0


async def test_another_process_reads_a_key_once_it_nears_the_limit(database: None) -> None:
    """Before its next write a process does not know the busy keys: it reads a key's row once
    that key passes half the limit here, so at most half a limit more gets through."""
    one, two = BufferedCounter(), BufferedCounter()
    assert await _allowed(one, "b2", LIMIT) == LIMIT
    await one.flush()
    assert await _allowed(two, "b2", LIMIT) == LIMIT // 2


async def test_two_processes_near_the_limit_read_each_other(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past half the limit a process writes its counts and reads everyone's before deciding:
    at most half a limit of the other's unwritten attempts gets past, never two limits."""
    monkeypatch.setattr(ratelimit_buffered, "SYNC_SECONDS", 0.0)
    one, two = BufferedCounter(), BufferedCounter()
    allowed = 0
    for i in range(200):
        allowed += (await (one if i % 2 else two).take("t", "c", LIMIT, WINDOW)).allowed
    assert LIMIT <= allowed <= LIMIT + LIMIT // 2


async def test_counts_reach_the_database_by_themselves(
    database: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit_buffered, "FLUSH_SECONDS", 0.05)
    one = BufferedCounter()
    await _allowed(one, "d", 3)
    for _ in range(40):
        if await _stored("d") == 3:
            break
        await asyncio.sleep(0.05)
    assert await _stored("d") == 3


async def test_parallel_attempts_are_each_counted_once(database: None) -> None:
    one = BufferedCounter()
    answers = await asyncio.gather(*(one.take("t", "e", LIMIT, WINDOW) for _ in range(100)))
    assert sum(a.allowed for a in answers) == LIMIT
    await asyncio.gather(one.flush(), one.flush(), one.flush())
    assert await _stored("e") == 100


async def test_the_window_slides_and_old_windows_leave_memory(database: None, clock: Clock) -> None:
    clock.now = datetime(2031, 3, 1, 0, 1, tzinfo=UTC)  # a tenth into a ten-minute window
    one = BufferedCounter()
    assert await _allowed(one, "f", LIMIT + 5) == LIMIT
    clock.now = clock.now + WINDOW / 2
    assert not (await one.take("t", "f", LIMIT, WINDOW)).allowed  # half the last window weighs
    clock.now = clock.now + 2 * WINDOW
    assert (await one.take("t", "f", LIMIT, WINDOW)).allowed
    await one.flush()
    assert len(one.slots) == 2  # this window and the one before it
