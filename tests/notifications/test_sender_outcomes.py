"""What the sender does with each answer of the push service, and with a crashed worker.

- 500 or 429, then 201: retried, then sent (attempt 2); the body is the same message.
- 410 (and 404): the browser dropped the subscription; the device row is deleted, the message
  is "gone".
- 400: a permanent failure, recorded, not retried.
- A worker that claimed rows and died: the rows are leased, nobody sends them until the lease
  runs out, then another worker sends each exactly once; the dead worker's late outcome is
  ignored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiohttp
import pytest

from backend.lib.clock import utcnow
from backend.notifications import sender
from backend.notifications.tables import OutboxItem, PushSubscription
from tests.conftest import Clock
from tests.helpers import Client
from tests.notifications.conftest import (
    Citizen,
    device,
    drain,
    new_citizen,
    notify,
    outbox_rows,
)
from tests.notifications.push_endpoint import PushEndpoint, Subscriber

pytestmark = pytest.mark.usefixtures("quiet_outbox")


async def _notify(citizen: Citizen, kind: str = "dossier.accept") -> int:
    """One message to the citizen, as a dossier transition writes it."""
    return await notify(
        citizen.id,
        "Hồ sơ 000.00.20.H42-261130-0001 đã được tiếp nhận",
        kind=kind,
        body="Ngày hẹn trả kết quả: 05/12/2026.",
        url="/my/dossiers",
    )


async def _one_device(client: Client, endpoint: PushEndpoint) -> tuple[Citizen, Subscriber, int]:
    citizen = await new_citizen(client)
    subscriber = await device(client, citizen, endpoint)
    row = await PushSubscription.select(PushSubscription.id).where(
        PushSubscription.user == citizen.id
    )
    return citizen, subscriber, int(row[0]["id"])


@pytest.mark.parametrize("first", [500, 503, 429])
async def test_transient_answer_is_retried_then_sent(
    client: Client,
    push_endpoint: PushEndpoint,
    http: aiohttp.ClientSession,
    no_backoff: None,
    first: int,
) -> None:
    citizen, subscriber, sub_id = await _one_device(client, push_endpoint)
    push_endpoint.script(subscriber.name, first, 201)
    note_id = await _notify(citizen)

    assert await sender.run_once(http) == 1
    (row,) = await outbox_rows([sub_id])
    assert (row["state"], row["attempts"], row["status_code"]) == ("pending", 1, first)
    assert str(first) in row["last_error"]
    assert row["claimed_until"] is None  # released for the next round, not left leased

    assert await drain(http) == 1
    (row,) = await outbox_rows([sub_id])
    assert (row["state"], row["attempts"], row["status_code"]) == ("sent", 2, 201)
    assert row["sent_at"] is not None
    statuses = [m.status for m in push_endpoint.for_path(subscriber.name)]
    assert statuses == [first, 201]
    # Both tries carried the same message, each encrypted afresh.
    payloads = [subscriber.payload(m.body) for m in push_endpoint.for_path(subscriber.name)]
    assert payloads[0] == payloads[1] and payloads[0]["id"] == note_id


async def test_transient_answer_waits_for_the_backoff(
    client: Client, push_endpoint: PushEndpoint, http: aiohttp.ClientSession
) -> None:
    citizen, subscriber, sub_id = await _one_device(client, push_endpoint)
    push_endpoint.script(subscriber.name, 500)
    await _notify(citizen)
    before = utcnow()
    assert await sender.run_once(http) == 1
    (row,) = await outbox_rows([sub_id])
    # First retry: 5 s with ±50 % jitter.
    assert before + timedelta(seconds=2) <= row["available_at"] <= utcnow() + timedelta(seconds=8)
    assert await sender.run_once(http) == 0
    assert len(push_endpoint.received) == 1


@pytest.mark.parametrize("status", [410, 404])
async def test_gone_subscription_is_deleted(
    client: Client,
    push_endpoint: PushEndpoint,
    http: aiohttp.ClientSession,
    status: int,
) -> None:
    citizen, subscriber, sub_id = await _one_device(client, push_endpoint)
    push_endpoint.script(subscriber.name, status)
    note_id = await _notify(citizen)

    assert await drain(http) == 1
    assert not await PushSubscription.exists().where(PushSubscription.id == sub_id)
    (row,) = await OutboxItem.select().where(OutboxItem.notification == note_id)
    assert (row["state"], row["attempts"], row["status_code"]) == ("gone", 1, status)
    # The next message to this citizen has no device to go to; the inbox still has it.
    await _notify(citizen)
    assert await drain(http) == 0
    assert len(push_endpoint.received) == 1


async def test_permanent_error_fails_without_retry(
    client: Client, push_endpoint: PushEndpoint, http: aiohttp.ClientSession, no_backoff: None
) -> None:
    citizen, subscriber, sub_id = await _one_device(client, push_endpoint)
    push_endpoint.script(subscriber.name, 400)
    await _notify(citizen)

    assert await drain(http) == 1
    (row,) = await outbox_rows([sub_id])
    assert (row["state"], row["attempts"], row["status_code"]) == ("failed", 1, 400)
    assert "400" in row["last_error"]
    assert len(push_endpoint.received) == 1
    # The device stays: a bad request is about this message, not about the subscription.
    assert await PushSubscription.exists().where(PushSubscription.id == sub_id)


async def test_a_worker_killed_after_claiming_delays_but_does_not_lose_or_repeat(
    client: Client,
    push_endpoint: PushEndpoint,
    http: aiohttp.ClientSession,
    clock: Clock,
) -> None:
    citizen, subscriber, sub_id = await _one_device(client, push_endpoint)
    note_ids = [await _notify(citizen) for _ in range(3)]

    # The worker claims, then dies before sending anything.
    dead = await sender.claim()
    assert sorted(item.payload["id"] for item in dead) == note_ids
    rows = await outbox_rows([sub_id])
    # Claimed, not tried: an attempt is counted as its send starts.
    assert all(r["claimed_until"] is not None and r["attempts"] == 0 for r in rows)

    # Another worker finds nothing to do while the lease holds...
    assert await sender.run_once(http) == 0
    start = utcnow()

    def later(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    clock.now = later(sender.LEASE.total_seconds() - 1)
    assert await sender.run_once(http) == 0
    assert push_endpoint.received == []

    # ...and sends each message once when the lease has run out.
    clock.now = later(sender.LEASE.total_seconds() + 1)
    assert await drain(http) == 3
    got = sorted(subscriber.payload(m.body)["id"] for m in push_endpoint.received)
    assert got == note_ids
    rows = await outbox_rows([sub_id])
    assert [(r["state"], r["attempts"], r["claimed_until"]) for r in rows] == [
        ("sent", 1, None)
    ] * 3

    # The dead worker, had it woken up, could not overwrite what the live one recorded.
    for item in dead:
        await sender._finish(item, {OutboxItem.state: "failed", OutboxItem.status_code: 500})
    rows = await outbox_rows([sub_id])
    assert {(r["state"], r["status_code"]) for r in rows} == {("sent", 201)}

    # Time goes on: nothing is sent again.
    clock.now = later(10 * sender.LEASE.total_seconds())
    assert await drain(http) == 0
    assert len(push_endpoint.received) == 3
