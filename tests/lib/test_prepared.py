"""Queries built once and run with new values (backend/lib/prepared.py), on both engines."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from backend.accounts.tables import RateLimitCounter
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.prepared import prepared

BY_KEY = prepared(
    lambda key, least: (
        RateLimitCounter.select(RateLimitCounter.slot, RateLimitCounter.hits)
        .where((RateLimitCounter.key == key) & (RateLimitCounter.hits >= least))
        .order_by(RateLimitCounter.slot)
    )
)
ONE = prepared(
    lambda slot: (
        RateLimitCounter.select(RateLimitCounter.hits).where(RateLimitCounter.slot == slot).first()
    )
)


class Kind(Enum):
    BUSY = "p:busy"


async def _row(slot: str, key: str, hits: int) -> None:
    await RateLimitCounter.insert(
        RateLimitCounter(slot=slot, key=key, hits=hits, expires_at=utcnow() + timedelta(hours=1))
    )


async def test_each_call_runs_with_its_own_values(database: None) -> None:
    await _row("p:a:1", "p:a", 1)
    await _row("p:a:2", "p:a", 5)
    await _row("p:b:1", "p:b", 7)
    assert await BY_KEY("p:a", 0) == [{"slot": "p:a:1", "hits": 1}, {"slot": "p:a:2", "hits": 5}]
    compiled = BY_KEY._compiled
    assert await BY_KEY("p:a", 2) == [{"slot": "p:a:2", "hits": 5}]
    assert await BY_KEY("p:b", 0) == [{"slot": "p:b:1", "hits": 7}]
    assert BY_KEY._compiled is compiled  # built and compiled once
    assert await ONE("p:b:1") == {"hits": 7}
    assert await ONE("p:none") is None


async def test_an_enum_value_is_its_value(database: None) -> None:
    await _row("p:busy:1", Kind.BUSY.value, 3)
    assert await BY_KEY(Kind.BUSY, 0) == [{"slot": "p:busy:1", "hits": 3}]


async def test_inside_a_transaction_it_reads_the_transactions_writes(database: None) -> None:
    async with write_transaction():
        await _row("p:t:1", "p:t", 2)
        assert await ONE("p:t:1") == {"hits": 2}
        await RateLimitCounter.update({RateLimitCounter.hits: 9}).where(
            RateLimitCounter.slot == "p:t:1"
        )
        assert await ONE("p:t:1") == {"hits": 9}
