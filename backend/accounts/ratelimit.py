"""Counting attempts per key, in the database (shared by every process), without races.

Each attempt is counted by one atomic upsert before the work it guards is done (an
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` on the key's current window), so that
parallel requests see distinct counts 1, 2, 3... and no more than the limit get through, across
any number of app processes. The count is a sliding-window estimate: this window's attempts
plus the previous window's, weighted by how much of it still overlaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from backend.accounts.tables import RateLimitCounter
from backend.lib.clock import utcnow


@dataclass(frozen=True)
class Take:
    count: int  # attempts in the window, this one included
    limit: int
    retry_after: int  # seconds until the window has room again (when refused)

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


def _slot(bucket: str, key: str, index: int) -> str:
    return f"{bucket}:{key}:{index}"[:200]


async def take(bucket: str, key: str, limit: int, window: timedelta) -> Take:
    """Count one attempt and say whether it is within `limit` per `window`."""
    now = utcnow()
    seconds = int(window.total_seconds())
    position = now.timestamp() / seconds
    index = int(position)
    rows = await RateLimitCounter.raw(
        "INSERT INTO rate_limit_counter (slot, key, hits, expires_at) VALUES ({}, {}, 1, {}) "
        "ON CONFLICT (slot) DO UPDATE SET hits = rate_limit_counter.hits + 1 RETURNING hits",
        _slot(bucket, key, index),
        f"{bucket}:{key}"[:200],
        now + 2 * window,
    )
    previous = (
        await RateLimitCounter.select(RateLimitCounter.hits)
        .where(RateLimitCounter.slot == _slot(bucket, key, index - 1))
        .first()
    )
    current, earlier = int(rows[0]["hits"]), int(previous["hits"] if previous else 0)
    into = position - index  # how far into this window we are, 0..1
    count = current + math.floor(earlier * (1 - into))
    wait = _wait(current, earlier, into, limit) if count > limit else 0.0
    return Take(count=count, limit=limit, retry_after=max(1, math.ceil(wait * seconds)))


def _wait(current: int, earlier: int, into: float, limit: int) -> float:
    """How long (in windows) until the estimate drops below `limit` with no new attempts."""
    if current < limit and earlier:
        # Still in this window, once enough of the previous one has slid out of it.
        return max(0.0, 1 - (limit - current) / earlier - into)
    # In the next window, once enough of this one has slid out.
    return (1 - into) + max(0.0, 1 - limit / current)


async def refund(bucket: str, key: str, window: timedelta) -> None:
    """Take back one attempt of the current window (it turned out not to count: a success)."""
    index = int(utcnow().timestamp() / int(window.total_seconds()))
    await RateLimitCounter.raw(
        "UPDATE rate_limit_counter SET hits = hits - 1 WHERE slot = {} AND hits > 0",
        _slot(bucket, key, index),
    )


async def reset(bucket: str, key: str) -> None:
    await RateLimitCounter.delete().where(RateLimitCounter.key == f"{bucket}:{key}"[:200])


async def reset_prefix(bucket: str, prefix: str) -> None:
    """Forget every key of `bucket` starting with `prefix` (a login, from every address)."""
    pattern = f"{bucket}:{prefix}".replace("%", "").replace("_", "")
    await RateLimitCounter.delete().where(RateLimitCounter.key.like(pattern + "%"))


async def prune() -> None:
    await RateLimitCounter.delete().where(RateLimitCounter.expires_at < utcnow())
