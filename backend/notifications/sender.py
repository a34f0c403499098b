"""The push sender: drains the outbox, one device at a time, never losing a message.

- Claiming: a batch of due rows gets a lease (claimed_until) in one statement; PostgreSQL
  skips rows another worker holds (FOR UPDATE SKIP LOCKED), SQLite serialises claims with its
  write lock (an immediate transaction). A worker that dies mid-batch loses nothing: its
  lease runs out and another worker claims the rows again.
- Sending: pywebpush's async API, an explicit TTL and timeout, urgency high for what the
  citizen must act on, the VAPID header signed once per push service and reused.
- Outcome per device: 2xx sent; 404/410 the subscription is gone and deleted; 429, 5xx and
  network errors retried with exponential backoff and jitter up to MAX_ATTEMPTS; any other
  answer is a permanent failure, recorded.

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
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from piccolo.engine.postgres import PostgresEngine
from pywebpush import WebPushException, webpush_async

from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.notifications import vapid
from backend.notifications.categories import URGENT, category_of
from backend.notifications.tables import OutboxItem, PushSubscription
from backend.piccolo_conf import DB

log = logging.getLogger("motcua.push")

LEASE = timedelta(seconds=60)
TTL = 24 * 3600  # a push service keeps an undelivered message for a day
TIMEOUT = 10.0
MAX_ATTEMPTS = 8
BACKOFF_BASE = 5.0  # seconds; doubled per attempt, with jitter
BACKOFF_CAP = 3600.0
CONCURRENCY = 64


@dataclass
class Claimed:
    id: int
    lease: datetime
    attempts: int
    endpoint: str
    p256dh: str
    auth: str
    subscription: int
    payload: dict[str, Any]
    urgent: bool


_CLAIM_SQL = """
UPDATE outbox_item SET claimed_until = {}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM outbox_item
    WHERE state = 'pending' AND subscription IS NOT NULL AND available_at <= {}
      AND (claimed_until IS NULL OR claimed_until < {})
    ORDER BY id LIMIT {} %s
)
RETURNING id
"""


async def claim(batch: int = 200, now: datetime | None = None) -> list[Claimed]:
    now = now or utcnow()
    lease = now + LEASE
    lock = "FOR UPDATE SKIP LOCKED" if isinstance(DB, PostgresEngine) else ""
    async with write_transaction():
        # Rows whose device unsubscribed meanwhile have nowhere to go.
        await OutboxItem.update({OutboxItem.state: "gone"}).where(
            (OutboxItem.state == "pending") & OutboxItem.subscription.is_null()
        )
        rows = await OutboxItem.raw(_CLAIM_SQL % lock, lease, now, now, batch)
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    details = await OutboxItem.select(
        OutboxItem.id,
        OutboxItem.attempts,
        OutboxItem.subscription,
        OutboxItem.subscription.endpoint.as_alias("endpoint"),
        OutboxItem.subscription.p256dh.as_alias("p256dh"),
        OutboxItem.subscription.auth.as_alias("auth"),
        OutboxItem.notification.kind.as_alias("kind"),
        OutboxItem.notification.title.as_alias("title"),
        OutboxItem.notification.body.as_alias("body"),
        OutboxItem.notification.url.as_alias("url"),
        OutboxItem.notification.dossier.as_alias("dossier"),
        OutboxItem.notification.id.as_alias("notification_id"),
    ).where(OutboxItem.id.is_in(ids))
    claimed = []
    for d in details:
        if d["endpoint"] is None:
            continue  # unsubscribed between the two statements; next round marks it gone
        category = category_of(d["kind"])
        claimed.append(
            Claimed(
                id=d["id"],
                lease=lease,
                attempts=d["attempts"],
                endpoint=d["endpoint"],
                p256dh=d["p256dh"],
                auth=d["auth"],
                subscription=d["subscription"],
                urgent=category in URGENT,
                payload={
                    "title": d["title"],
                    "body": d["body"],
                    "url": d["url"] or "/",
                    # One tag per dossier: a newer message replaces an older one on the phone.
                    "tag": f"dossier-{d['dossier']}"
                    if d["dossier"]
                    else f"n-{d['notification_id']}",
                    "kind": d["kind"],
                    "id": d["notification_id"],
                },
            )
        )
    return claimed


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


async def record(item: Claimed, status: int | None, error: str, now: datetime) -> str:
    """Record one outcome (sent, gone, retry, failed) for one row."""
    if delivered(status):
        await record_sent([(item, status or 201)], now)
        return "sent"
    if status in (404, 410):
        # The browser threw the subscription away: stop sending to it.
        await _finish(item, {OutboxItem.state: "gone", OutboxItem.status_code: status})
        await PushSubscription.delete().where(PushSubscription.id == item.subscription)
        return "gone"
    transient = status is None or status == 429 or status >= 500
    if transient and item.attempts < MAX_ATTEMPTS:
        await _finish(
            item,
            {
                OutboxItem.available_at: now + backoff(item.attempts),
                OutboxItem.status_code: status,
                OutboxItem.last_error: error,
            },
        )
        return "retry"
    await _finish(
        item,
        {OutboxItem.state: "failed", OutboxItem.status_code: status, OutboxItem.last_error: error},
    )
    return "failed"


async def record_sent(sent: list[tuple[Claimed, int]], now: datetime) -> None:
    """The delivered rows of a batch in one transaction and a few statements: per-row writes
    were most of the cost of a fan-out (on SQLite each is a connection and a commit)."""
    if not sent:
        return
    async with write_transaction():
        for status in {code for _, code in sent}:
            group = [i for i, code in sent if code == status]
            for lease in {i.lease for i in group}:
                await OutboxItem.update(
                    {
                        OutboxItem.state: "sent",
                        OutboxItem.sent_at: now,
                        OutboxItem.status_code: status,
                        OutboxItem.claimed_until: None,
                    }
                ).where(
                    OutboxItem.id.is_in([i.id for i in group if i.lease == lease])
                    & (OutboxItem.claimed_until == lease)
                )
        await PushSubscription.update({PushSubscription.last_success_at: now}).where(
            PushSubscription.id.is_in(list({i.subscription for i, _ in sent}))
        )


async def send_one(item: Claimed, session: aiohttp.ClientSession) -> str:
    status, error = await push(item, session)
    return await record(item, status, error, utcnow())


async def run_once(session: aiohttp.ClientSession, batch: int = 200) -> int:
    """Claim and send one batch; returns how many rows were claimed."""
    items = await claim(batch)
    if not items:
        return 0
    gate = asyncio.Semaphore(CONCURRENCY)

    async def guarded(item: Claimed) -> tuple[Claimed, int | None, str]:
        async with gate:
            try:
                status, error = await push(item, session)
            except Exception as e:  # one bad row must not stop the others
                log.exception("push to outbox row %s failed", item.id)
                status, error = None, f"{type(e).__name__}: {e}"[:500]
            return item, status, error

    results = await asyncio.gather(*(guarded(i) for i in items))
    now = utcnow()
    await record_sent([(i, s or 201) for i, s, _ in results if delivered(s)], now)
    for item, status, error in results:
        if not delivered(status):
            await record(item, status, error, now)
    return len(items)


async def run_forever(idle_seconds: float = 2.0, stop: asyncio.Event | None = None) -> None:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        while stop is None or not stop.is_set():
            try:
                sent = await run_once(session)
            except Exception:
                log.exception("push sender round failed")
                sent = 0
            if not sent:
                await asyncio.sleep(idle_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.notifications.sender")
    parser.add_argument("--once", action="store_true", help="send what is due, then stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)

    async def go() -> None:
        if isinstance(DB, PostgresEngine):
            await DB.start_connection_pool(min_size=1, max_size=4)
        try:
            if args.once:
                async with aiohttp.ClientSession() as session:
                    while await run_once(session):
                        pass
            else:
                await run_forever()
        finally:
            if isinstance(DB, PostgresEngine):
                await DB.close_connection_pool()

    asyncio.run(go())
    return 0


if __name__ == "__main__":
    sys.exit(main())
