"""The SMS outbox and its sender (the push outbox's pattern, for text messages).

- `enqueue` writes a row in the caller's transaction: a code and its message exist together
  or not at all. The text is encrypted with a key derived from the app's secret (it holds a
  code, and the code table keeps only a hash) and wiped once the row is sent, failed or expired.
- The sender claims due rows with a lease (PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite an
  immediate transaction), counting the attempt as it claims; a sender that dies mid-send leaves
  its rows to be claimed again when the lease runs out (a message may then go twice, never be
  lost). 429, 5xx and network errors are retried with backoff while the message is still
  worth sending (a code expires after 5 minutes); anything else is recorded as failed.

`python -m backend.accounts.sms [--once]` runs the sender as its own process
(SMS_SENDER_IN_APP=0 on the app then).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import logging
import os
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from piccolo.engine.postgres import PostgresEngine

from backend.accounts.sms_gateways import Gateway, GatewayError, configured
from backend.accounts.tables import SmsMessage
from backend.lib.clock import utcnow
from backend.lib.db import database_pool, write_transaction
from backend.piccolo_conf import DB
from backend.settings import get_settings

log = logging.getLogger("motcua.sms")
LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 6
BACKOFF_BASE = 2.0  # seconds, doubled per attempt, with jitter
BACKOFF_CAP = 60.0


def _key() -> bytes:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, b"motcua sms outbox", hashlib.sha256).digest()


def seal(text: str) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(_key()).encrypt(nonce, text.encode(), None)).decode()


def unseal(body: str) -> str:
    raw = base64.b64decode(body)
    return AESGCM(_key()).decrypt(raw[:12], raw[12:], None).decode()


async def enqueue(phone: str, text: str, expires_at: datetime) -> None:
    """Call inside the transaction that makes the message necessary."""
    now = utcnow()
    await SmsMessage.insert(
        SmsMessage(
            phone=phone, body=seal(text), available_at=now, expires_at=expires_at, created_at=now
        )
    )


@dataclass
class Claimed:
    id: int
    phone: str
    body: str
    attempts: int  # this one included
    expires_at: datetime
    lease: datetime


_CLAIM_SQL = """
UPDATE sms_message SET claimed_until = {}, state = 'sending', attempts = attempts + 1
WHERE id IN (
    SELECT id FROM sms_message
    WHERE state IN ('pending', 'sending') AND available_at <= {}
      AND (claimed_until IS NULL OR claimed_until < {})
    ORDER BY id LIMIT {} %s
)
RETURNING id
"""


async def claim(batch: int = 50) -> list[Claimed]:
    now = utcnow()
    until = now + LEASE
    lock = "FOR UPDATE SKIP LOCKED" if isinstance(DB, PostgresEngine) else ""
    async with write_transaction():
        # Too late to be of use (the code has expired), or tried often enough.
        await SmsMessage.update({SmsMessage.state: "expired", SmsMessage.body: ""}).where(
            SmsMessage.state.is_in(["pending", "sending"]) & (SmsMessage.expires_at <= now)
        )
        await SmsMessage.update({SmsMessage.state: "failed", SmsMessage.body: ""}).where(
            (SmsMessage.state == "sending")
            & (SmsMessage.attempts >= MAX_ATTEMPTS)
            & (SmsMessage.claimed_until < now)
        )
        ids = [r["id"] for r in await SmsMessage.raw(_CLAIM_SQL % lock, until, now, now, batch)]
    if not ids:
        return []
    rows = await SmsMessage.select(
        SmsMessage.id, SmsMessage.phone, SmsMessage.body, SmsMessage.attempts, SmsMessage.expires_at
    ).where(SmsMessage.id.is_in(ids) & (SmsMessage.claimed_until == until))
    return [Claimed(**r, lease=until) for r in rows]


def backoff(attempts: int) -> timedelta:
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


async def send_one(item: Claimed, gateway: Gateway) -> str:
    """Send one claimed row and record the outcome (only while our lease holds)."""
    try:
        await gateway.send(item.phone, unseal(item.body))
        values: dict[Any, Any] = {
            SmsMessage.state: "sent",
            SmsMessage.sent_at: utcnow(),
            SmsMessage.body: "",
        }
        outcome = "sent"
    except Exception as e:  # one bad row must not stop the others
        transient = isinstance(e, GatewayError) and e.transient
        retry_at = utcnow() + backoff(item.attempts)
        if transient and item.attempts < MAX_ATTEMPTS and retry_at < item.expires_at:
            values = {SmsMessage.state: "pending", SmsMessage.available_at: retry_at}
            outcome = "retry"
        else:
            values = {SmsMessage.state: "failed", SmsMessage.body: ""}
            outcome = "failed"
        values[SmsMessage.last_error] = f"{type(e).__name__}: {e}"[:500]
        log.warning("SMS %s to %s: %s (%s)", item.id, item.phone, outcome, e)
    await SmsMessage.update({**values, SmsMessage.claimed_until: None}).where(
        (SmsMessage.id == item.id) & (SmsMessage.claimed_until == item.lease)
    )
    return outcome


async def run_once(gateway: Gateway, concurrency: int = 8) -> int:
    """Claim and send one batch; returns how many rows were claimed."""
    items = await claim()
    gate = asyncio.Semaphore(concurrency)

    async def guarded(item: Claimed) -> None:
        async with gate:
            try:
                await send_one(item, gateway)
            except Exception:  # the database failed: the lease brings the row back
                log.exception("SMS row %s not recorded", item.id)

    await asyncio.gather(*(guarded(i) for i in items))
    return len(items)


async def run_forever(idle_seconds: float = 1.0) -> None:
    async with aiohttp.ClientSession() as session:
        gateway = configured(session)
        while True:
            try:
                sent = await run_once(gateway)
            except Exception:
                log.exception("SMS sender round failed")
                sent = 0
            if not sent:
                await asyncio.sleep(idle_seconds)


async def prune(keep: timedelta = timedelta(days=30)) -> None:
    """Finished rows (their text long wiped) are kept a while to answer "did it go?"."""
    await SmsMessage.delete().where(
        SmsMessage.state.is_in(["sent", "failed", "expired"])
        & (SmsMessage.created_at < utcnow() - keep)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.accounts.sms")
    parser.add_argument("--once", action="store_true", help="send what is due, then stop")
    once = parser.parse_args(argv).once
    logging.basicConfig(level=logging.INFO)

    async def go() -> None:
        async with database_pool():
            if not once:
                await run_forever()
                return
            async with aiohttp.ClientSession() as session:
                gateway = configured(session)
                while await run_once(gateway):
                    pass

    asyncio.run(go())
    return 0


if __name__ == "__main__":
    sys.exit(main())
