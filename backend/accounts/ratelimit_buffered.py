"""Counting attempts of a busy public page in memory, with the database as the shared record.

`ratelimit.take` writes one row per attempt: exact across processes, but on SQLite every
public lookup then queues for the one write lock, and two app processes are no faster than one
(issue 14: 266 → 271 req/s). Here each process counts in memory, and once a second
(`FLUSH_SECONDS`) one task writes its new counts to the same `rate_limit_counter` rows in one
transaction and reads back the keys that reached `HOT_HITS` in any process. A request itself
touches the database only near its limit:

- a key seen for the first time starts from what the last read said of it (0 if it was not
  among the busy keys);
- a key past half its limit writes its counts and reads everyone's at most every
  `SYNC_SECONDS` before deciding, so near the limit the decision rests on everyone's counts;
- so a key gets at most `limit` + what other processes counted of it and did not yet write or
  read back: under `HOT_HITS`, or their last second; never more than N × `limit` with N
  processes.

Used for limits that guard against volume (the public lookup per address), not for the few
tries a password or a code allows: those keep the exact `ratelimit.take`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import timedelta

from backend.accounts.ratelimit import Take, _slot, _wait
from backend.accounts.tables import RateLimitCounter
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
SYNC_SECONDS = 0.25
# Past this many keys in memory, counts already written are dropped (read again when needed).
MAX_KEYS = 50_000
# Keys with this many attempts in a window are read back after each write: a quarter of the
# public lookup's 30.
HOT_HITS = 8

UPSERT = (
    "INSERT INTO rate_limit_counter (slot, key, hits, expires_at) VALUES ({}, {}, {}, {}) "
    "ON CONFLICT (slot) DO UPDATE SET hits = rate_limit_counter.hits + {} RETURNING hits"
)


class _Slot:
    """One key's window as this process knows it."""

    __slots__ = ("expires_at", "index", "key", "mine", "read_at", "stored", "written")

    def __init__(
        self, key: str, index: int, expires_at: object, stored: int, read_at: float = 0.0
    ) -> None:
        self.key, self.index, self.expires_at = key, index, expires_at
        self.mine = 0  # attempts counted here
        self.written = 0  # of which already added to the row
        self.stored = stored  # the row's hits when last read (everyone's written attempts)
        self.read_at = read_at  # when the row itself was last read (0: never)

    @property
    def hits(self) -> int:
        return self.stored + self.mine - self.written


class BufferedCounter:
    def __init__(self) -> None:
        self.slots: dict[str, _Slot] = {}
        self.busy: dict[str, int] = {}  # slot -> hits, of the keys that reached HOT_HITS
        self._flusher: asyncio.Task[None] | None = None
        self._flushing: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    async def take(self, bucket: str, key: str, limit: int, window: timedelta) -> Take:
        """Count one attempt and say whether it is within `limit` per `window`."""
        now = utcnow()
        seconds = int(window.total_seconds())
        position = now.timestamp() / seconds
        index = int(position)
        full_key = f"{bucket}:{key}"[:200]
        names = (_slot(bucket, key, index), _slot(bucket, key, index - 1))
        for name, slot_index in zip(names, (index, index - 1), strict=True):
            if name not in self.slots:
                self.slots[name] = _Slot(
                    full_key, slot_index, now + 2 * window, self.busy.get(name, 0)
                )
        current, earlier = self.slots[names[0]], self.slots[names[1]]
        current.mine += 1
        # This attempt's place among this process's, plus the others' (kept fixed across the
        # awaits below, so that attempts made at once each get their own count).
        place = current.mine
        into = position - index

        def counted() -> int:
            others = current.stored - current.written
            return others + place + math.floor(earlier.hits * (1 - into))

        count = counted()
        if count > limit // 2 and time.monotonic() - current.read_at >= SYNC_SECONDS:
            await self.flush()
            await self._read(full_key, names, index, now + 2 * window)
            count = counted()
        self._start_flusher()
        wait = _wait(current.hits, earlier.hits, into, limit) if count > limit else 0.0
        return Take(count=count, limit=limit, retry_after=max(1, math.ceil(wait * seconds)))

    async def _read(self, key: str, names: tuple[str, str], index: int, expires: object) -> None:
        rows = await RateLimitCounter.select(RateLimitCounter.slot, RateLimitCounter.hits).where(
            RateLimitCounter.slot.is_in(list(names))
        )
        stored = {row["slot"]: int(row["hits"]) for row in rows}
        for name, slot_index in zip(names, (index, index - 1), strict=True):
            slot = self.slots.get(name)
            if slot is None:
                self.slots[name] = _Slot(
                    key, slot_index, expires, stored.get(name, 0), time.monotonic()
                )
            else:
                slot.stored, slot.read_at = stored.get(name, 0), time.monotonic()

    async def flush(self) -> None:
        """Add this process's unwritten counts to their rows, in one transaction, and read back
        the busy keys."""
        loop = asyncio.get_running_loop()
        if self._flushing is None or self._flushing[0] is not loop:  # a lock is bound to a loop
            self._flushing = (loop, asyncio.Lock())
        async with self._flushing[1]:  # two flushes at once would add the same attempts twice
            pending = [(n, slot) for n, slot in self.slots.items() if slot.mine > slot.written]
            if pending:
                async with write_transaction():
                    for name, slot in pending:
                        added = slot.mine - slot.written  # attempts may be counted meanwhile
                        rows = await RateLimitCounter.raw(
                            UPSERT, name, slot.key, added, slot.expires_at, added
                        )
                        slot.written += added
                        slot.stored = int(rows[0]["hits"])
            self.busy = {
                row["slot"]: int(row["hits"])
                for row in await RateLimitCounter.select(
                    RateLimitCounter.slot, RateLimitCounter.hits
                ).where(
                    (RateLimitCounter.hits >= HOT_HITS) & (RateLimitCounter.expires_at > utcnow())
                )
            }
            for name, hits in self.busy.items():
                known = self.slots.get(name)
                if known is not None and known.mine == known.written:
                    known.stored = hits
            self._forget_old()

    def _forget_old(self) -> None:
        """Drop windows that have slid out; past MAX_KEYS, also every fully written one."""
        if not self.slots:
            return
        newest = max(slot.index for slot in self.slots.values())
        crowded = len(self.slots) > MAX_KEYS
        for name in [
            name
            for name, slot in self.slots.items()
            if slot.mine == slot.written and (slot.index < newest - 1 or crowded)
        ]:
            del self.slots[name]

    def forget(self, prefix: str = "") -> None:
        """Drop what is counted in memory for keys starting with `prefix` (all by default)."""
        for name in [name for name in self.slots if name.startswith(prefix)]:
            del self.slots[name]

    def _start_flusher(self) -> None:
        loop = asyncio.get_running_loop()
        # A task of an event loop that has ended (a test's) never finishes: start anew.
        if self._flusher is None or self._flusher.done() or self._flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        # One write a second at most, and none while nobody is counted.
        await asyncio.sleep(FLUSH_SECONDS)
        try:
            await self.flush()
        except Exception:  # the counts stay in memory and go with the next flush
            log.exception("writing rate-limit counts failed")
        if any(slot.mine > slot.written for slot in self.slots.values()):
            self._flusher = None
            self._start_flusher()


# One per process.
counter = BufferedCounter()
take = counter.take
