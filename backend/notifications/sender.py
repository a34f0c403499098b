"""The push sender: drains the outbox, one device at a time, never losing a message.

- Claiming and recording: backend/notifications/outbox.py (leases, SKIP LOCKED or an
  immediate transaction; each delivery marked "sending" before its send and given its
  outcome after it, so a sender killed mid-batch sends again at most the messages that were
  in flight: no more than its concurrency).
- Sending: pywebpush's async API, an explicit TTL and timeout, urgency high for what the
  citizen must act on, the VAPID header signed once per push service and reused.
- Outcome per device: 2xx sent; 404/410 the subscription is gone and deleted (every
  account's row for that endpoint); 429, 5xx and network errors retried with exponential
  backoff and jitter up to MAX_ATTEMPTS; any other answer is a permanent failure, recorded.

Runs inside each app process by default; `python -m backend.notifications.sender` runs it as
a process of its own (set PUSH_SENDER_IN_APP=0 on the app then).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from piccolo.engine.postgres import PostgresEngine
from pywebpush import WebPushException, webpush_async

from backend.lib.clock import utcnow
from backend.notifications import vapid
from backend.notifications.outbox import LEASE, MAX_ATTEMPTS, Claimed, Ledger, claim
from backend.notifications.tables import OutboxItem, PushSubscription
from backend.piccolo_conf import DB

log = logging.getLogger("motcua.push")

TTL = 24 * 3600  # a push service keeps an undelivered message for a day
TIMEOUT = 10.0
BACKOFF_BASE = 5.0  # seconds; doubled per attempt, with jitter
BACKOFF_CAP = 3600.0
CONCURRENCY = 64
BATCH = 200


@dataclass(frozen=True)
class Pace:
    """How much one sender takes on: rows claimed at a time, sends in flight at once (so
    also the most a crash can repeat), and how long a claim holds."""

    batch: int = BATCH
    concurrency: int = CONCURRENCY
    lease: timedelta = LEASE


def backoff(attempts: int) -> timedelta:
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


async def _finish(item: Claimed, values: dict[Any, Any]) -> None:
    """Record the outcome, only if our lease still holds (else another worker owns the row)."""
    await OutboxItem.update({**values, OutboxItem.claimed_until: None}).where(
        (OutboxItem.id == item.id) & (OutboxItem.claimed_until == item.lease)
    )


async def push(item: Claimed, session: aiohttp.ClientSession) -> tuple[int | None, str]:
    """Send one message to one device; returns the push service's status (None when it
    could not be reached) and the error text."""
    parts = urlsplit(item.endpoint)
    headers = {
        **vapid.headers_for(f"{parts.scheme}://{parts.netloc}"),
        "Urgency": "high" if item.urgent else "normal",
    }
    subscription = {"endpoint": item.endpoint, "keys": {"p256dh": item.p256dh, "auth": item.auth}}
    try:
        response = await webpush_async(
            subscription,
            data=json.dumps(item.payload, ensure_ascii=False),
            ttl=TTL,
            timeout=TIMEOUT,
            headers=headers,
            aiohttp_session=session,
        )
        return getattr(response, "status", 201), ""
    except WebPushException as e:
        status = getattr(e.response, "status", None) if e.response is not None else None
        return status, str(e)[:500]
    except (aiohttp.ClientError, TimeoutError, OSError) as e:
        return None, f"{type(e).__name__}: {e}"[:500]


def delivered(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


async def record(item: Claimed, status: int | None, error: str, ledger: Ledger) -> str:
    """Record one outcome (sent, gone, retry, failed) for one row, in the ledger's next
    transaction."""
    if delivered(status):
        await ledger.sent(item, status or 201)
        return "sent"
    if status in (404, 410):

        async def gone() -> None:
            # The browser threw the subscription away: stop sending to that endpoint, for
            # every account that subscribed it.
            await _finish(item, {OutboxItem.state: "gone", OutboxItem.status_code: status})
            await PushSubscription.delete().where(PushSubscription.endpoint == item.endpoint)

        await ledger.other(item, gone)
        return "gone"
    transient = status is None or status == 429 or status >= 500
    if transient and item.attempts < MAX_ATTEMPTS:
        values = {
            OutboxItem.state: "pending",
            OutboxItem.available_at: utcnow() + backoff(item.attempts),
            OutboxItem.status_code: status,
            OutboxItem.last_error: error,
        }
        outcome = "retry"
    else:
        values = {
            OutboxItem.state: "failed",
            OutboxItem.status_code: status,
            OutboxItem.last_error: error,
        }
        outcome = "failed"

    async def write() -> None:
        await _finish(item, values)

    await ledger.other(item, write)
    return outcome


async def send_one(item: Claimed, session: aiohttp.ClientSession, ledger: Ledger) -> str:
    """Mark the row "sending", post the message, record the outcome: each step committed
    before the next, so that a crash repeats at most this message."""
    if not await ledger.start(item):
        return "lost"  # our lease ran out and another worker took the row
    item.attempts += 1
    try:
        status, error = await push(item, session)
    except Exception as e:  # one bad row must not stop the others
        log.exception("push to outbox row %s failed", item.id)
        status, error = None, f"{type(e).__name__}: {e}"[:500]
    return await record(item, status, error, ledger)


async def run_once(session: aiohttp.ClientSession, pace: Pace = Pace()) -> int:
    """Claim and send one batch, `pace.concurrency` messages at a time; returns how many rows
    were claimed."""
    items = await claim(pace.batch, lease=pace.lease)
    if not items:
        return 0
    ledger = Ledger()
    # A slot is held from the "sending" mark until the outcome is committed: no more than
    # `concurrency` rows of this sender are ever "sending".
    gate = asyncio.Semaphore(pace.concurrency)

    async def guarded(item: Claimed) -> None:
        async with gate:
            try:
                await send_one(item, session, ledger)
            except Exception:  # the database failed: the lease brings the row back
                log.exception("outbox row %s not recorded", item.id)

    await asyncio.gather(*(guarded(i) for i in items))
    return len(items)


async def run_forever(
    idle_seconds: float = 2.0, stop: asyncio.Event | None = None, pace: Pace = Pace()
) -> None:
    try:
        vapid.key()  # a configured key that cannot be used is said at once
    except vapid.VapidKeyError:
        log.exception("push sender not started")
        raise
    connector = aiohttp.TCPConnector(limit=pace.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        while stop is None or not stop.is_set():
            try:
                sent = await run_once(session, pace)
            except Exception:
                log.exception("push sender round failed")
                sent = 0
            if not sent:
                await asyncio.sleep(idle_seconds)


def _arguments(argv: list[str] | None) -> tuple[bool, Pace]:
    parser = argparse.ArgumentParser(prog="python -m backend.notifications.sender")
    parser.add_argument("--once", action="store_true", help="send what is due, then stop")
    parser.add_argument("--batch", type=int, default=BATCH, help="rows claimed at a time")
    parser.add_argument(
        "--concurrency", type=int, default=CONCURRENCY, help="messages in flight at once"
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=LEASE.total_seconds(),
        help="seconds a claim holds (must outlast a batch; tests shorten it)",
    )
    args = parser.parse_args(argv)
    pace = Pace(max(1, args.batch), max(1, args.concurrency), timedelta(seconds=args.lease))
    return args.once, pace


def main(argv: list[str] | None = None) -> int:
    once, pace = _arguments(argv)
    logging.basicConfig(level=logging.INFO)

    async def go() -> None:
        if isinstance(DB, PostgresEngine):
            await DB.start_connection_pool(min_size=1, max_size=4)
        try:
            if once:
                vapid.key()
                connector = aiohttp.TCPConnector(limit=pace.concurrency)
                async with aiohttp.ClientSession(connector=connector) as session:
                    while await run_once(session, pace):
                        pass
            else:
                await run_forever(pace=pace)
        finally:
            if isinstance(DB, PostgresEngine):
                await DB.close_connection_pool()

    asyncio.run(go())
    return 0


if __name__ == "__main__":
    sys.exit(main())
