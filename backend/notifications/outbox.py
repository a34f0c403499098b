"""The outbox as the push sender sees it: claiming due rows, and recording each delivery.

- Claiming: a batch of due rows gets a lease (claimed_until) in one statement; PostgreSQL
  skips rows another worker holds (FOR UPDATE SKIP LOCKED), SQLite serialises claims with its
  write lock (an immediate transaction). A worker that dies loses nothing: its lease runs out
  and another worker claims the rows again.
- Recording: before a message is posted its row becomes "sending" (the attempt is counted),
  and after the push service answers the outcome is written, each committed before the next
  step. A sender killed at any moment therefore leaves at most the messages it had in flight
  (posted, outcome not yet written) to be sent again, never its whole batch.
- Writing those records one transaction each would cost a commit per record (on SQLite a
  connection and an fsync: most of the cost of a fan-out, see bench/README.md). The Ledger
  commits the records that arrive while a transaction is being written together in the next
  one (group commit); each caller still waits until its own record is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.notifications.categories import URGENT, category_of
from backend.notifications.tables import OutboxItem, PushSubscription
from backend.piccolo_conf import DB

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
# What a row says when every attempt ended with the sender stopped mid-send (a message that
# crashes the sender must not be tried forever).
STOPPED_EACH_TIME = "the sender stopped during each attempt"


@dataclass
class Claimed:
    id: int
    lease: datetime
    attempts: int  # sends started before this one
    endpoint: str
    p256dh: str
    auth: str
    subscription: int
    payload: dict[str, Any]
    urgent: bool


_CLAIM_SQL = """
UPDATE outbox_item SET claimed_until = {}
WHERE id IN (
    SELECT id FROM outbox_item
    WHERE state IN ('pending', 'sending') AND subscription IS NOT NULL AND available_at <= {}
      AND (claimed_until IS NULL OR claimed_until < {})
    ORDER BY id LIMIT {} %s
)
RETURNING id
"""


async def _give_up_the_hopeless(now: datetime) -> None:
    # Rows whose device unsubscribed meanwhile have nowhere to go.
    await OutboxItem.update({OutboxItem.state: "gone"}).where(
        OutboxItem.state.is_in(["pending", "sending"]) & OutboxItem.subscription.is_null()
    )
    # "sending" with an expired lease: the sender stopped mid-send. Tried often enough.
    await OutboxItem.update(
        {OutboxItem.state: "failed", OutboxItem.last_error: STOPPED_EACH_TIME}
    ).where(
        (OutboxItem.state == "sending")
        & (OutboxItem.attempts >= MAX_ATTEMPTS)
        & (OutboxItem.claimed_until < now)
    )


async def claim(
    batch: int = 200, now: datetime | None = None, lease: timedelta = LEASE
) -> list[Claimed]:
    now = now or utcnow()
    until = now + lease
    lock = "FOR UPDATE SKIP LOCKED" if isinstance(DB, PostgresEngine) else ""
    async with write_transaction():
        await _give_up_the_hopeless(now)
        rows = await OutboxItem.raw(_CLAIM_SQL % lock, until, now, now, batch)
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
    # A row whose device unsubscribed between the two statements is left for the next round,
    # which marks it gone.
    return [_claimed(d, until) for d in details if d["endpoint"] is not None]


def _claimed(row: dict[str, Any], lease: datetime) -> Claimed:
    return Claimed(
        id=row["id"],
        lease=lease,
        attempts=row["attempts"],
        endpoint=row["endpoint"],
        p256dh=row["p256dh"],
        auth=row["auth"],
        subscription=row["subscription"],
        urgent=category_of(row["kind"]) in URGENT,
        payload={
            "title": row["title"],
            "body": row["body"],
            "url": row["url"] or "/",
            # One tag per dossier: a newer message replaces an older one on the phone.
            "tag": f"dossier-{row['dossier']}" if row["dossier"] else f"n-{row['notification_id']}",
            "kind": row["kind"],
            "id": row["notification_id"],
        },
    )


async def _mark_sending(items: list[Claimed]) -> set[int]:
    """The rows whose lease still holds become "sending", their attempt counted; returns
    their ids (a row another worker took over after our lease ran out is not ours to send)."""
    held: set[int] = set()
    for lease in {i.lease for i in items}:
        rows = (
            await OutboxItem.update(
                {OutboxItem.state: "sending", OutboxItem.attempts: OutboxItem.attempts + 1}
            )
            .where(
                OutboxItem.id.is_in([i.id for i in items if i.lease == lease])
                & (OutboxItem.claimed_until == lease)
            )
            .returning(OutboxItem.id)
        )
        held.update(r["id"] for r in rows)
    return held


async def _mark_sent(sent: list[tuple[Claimed, int]], now: datetime) -> None:
    """Delivered rows in a few statements (one per answer code and lease), and their devices'
    last success."""
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


@dataclass
class _Record:
    kind: str  # "start", "sent" or "other"
    item: Claimed
    status: int = 0
    write: Callable[[], Awaitable[None]] | None = None
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Ledger:
    """One sender's records, committed in shared transactions (group commit)."""

    def __init__(self) -> None:
        self._waiting: list[_Record] = []
        self._writer: asyncio.Task[None] | None = None

    async def start(self, item: Claimed) -> bool:
        """Before the send: "sending", one more attempt. False when the lease was lost: then
        the message must not be sent."""
        return await self._commit(_Record("start", item))

    async def sent(self, item: Claimed, status: int) -> None:
        await self._commit(_Record("sent", item, status))

    async def other(self, item: Claimed, write: Callable[[], Awaitable[None]]) -> None:
        """Any other outcome (retry later, failed, gone), written by `write`."""
        await self._commit(_Record("other", item, write=write))

    async def _commit(self, record: _Record) -> bool:
        self._waiting.append(record)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await record.done

    async def _write_all(self) -> None:
        # Records that arrive while a transaction is written wait for the next one.
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                async with write_transaction():
                    held = await _mark_sending([r.item for r in batch if r.kind == "start"])
                    sent = [(r.item, r.status) for r in batch if r.kind == "sent"]
                    if sent:
                        await _mark_sent(sent, utcnow())
                    for r in batch:
                        if r.write is not None:
                            await r.write()
            except Exception as error:  # every writer of the batch hears of it
                for r in batch:
                    if not r.done.done():
                        r.done.set_exception(error)
                continue
            for r in batch:
                if not r.done.done():
                    r.done.set_result(r.kind != "start" or r.item.id in held)
