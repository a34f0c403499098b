"""Counting attempts per key in a sliding window, in the database (shared by every process)."""

from __future__ import annotations

from datetime import timedelta

from backend.accounts.tables import RateLimitHit
from backend.lib.clock import utcnow


async def count(bucket: str, key: str, window: timedelta) -> int:
    since = utcnow() - window
    return await RateLimitHit.count().where(
        (RateLimitHit.key == f"{bucket}:{key}") & (RateLimitHit.at > since)
    )


async def hit(bucket: str, key: str) -> None:
    await RateLimitHit.insert(RateLimitHit(bucket=bucket, key=f"{bucket}:{key}", at=utcnow()))


async def clear(bucket: str, key: str) -> None:
    await RateLimitHit.delete().where(RateLimitHit.key == f"{bucket}:{key}")


async def prune(older_than: timedelta = timedelta(days=1)) -> None:
    await RateLimitHit.delete().where(RateLimitHit.at < utcnow() - older_than)
