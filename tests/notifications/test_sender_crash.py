"""The kill test: a sender killed with SIGKILL mid-batch sends again at most the messages it
had in flight (no more than its concurrency), never its whole batch, and loses none.

The real sender (`python -m backend.notifications.sender`) claims one batch of 200 messages
for 4 devices on the loopback push endpoint. The endpoint answers the first 100 at once and
then holds every later message without an answer, as a push service that stalls. When the
sender has filled all its slots (100 + concurrency messages arrived), it is killed with
SIGKILL. After its lease (shortened with --lease) has run out, a second sender process sends
what is left. Each body is decrypted with its device's keys and counted by notification id.

Before each delivery's state was recorded around its own send, nothing of the batch was
recorded at the kill and every message that had arrived (100 + concurrency) came twice.

Also: a sender whose lease was taken over does not send; a message during which the sender
stops every time is given up after MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict

from backend.lib.clock import utcnow
from backend.notifications import sender, services, vapid
from backend.notifications.outbox import MAX_ATTEMPTS, STOPPED_EACH_TIME, Ledger
from backend.notifications.tables import Notification, OutboxItem, PushSubscription
from backend.settings import get_settings
from tests.conftest import Clock
from tests.helpers import ROOT, Client
from tests.notifications.conftest import (
    PYTHON,
    Citizen,
    device,
    new_citizen,
    notify,
    subscription_ids,
)
from tests.notifications.push_endpoint import PushEndpoint, Received, Subscriber

pytestmark = pytest.mark.usefixtures("quiet_outbox")

BATCH = 200
ANSWERED = 100  # answered at once; every later message is held
DEVICES = 4
LEASE_SECONDS = 3.0


@dataclass
class StallingEndpoint(PushEndpoint):
    """Answers the first `answered` messages with 201, then holds each later one unanswered
    (it has arrived: a push service would deliver it) until `flowing` is set."""

    answered: int = ANSWERED
    flowing: asyncio.Event = field(default_factory=asyncio.Event)

    async def _push(self, request: web.Request) -> web.Response:
        if self.flowing.is_set() or len(self.received) < self.answered:
            return await super()._push(request)
        body = await request.read()
        self.received.append(Received(request.path, CIMultiDict(request.headers), body, 201))
        await self.flowing.wait()
        return web.Response(status=201)


@pytest.fixture
async def stalling(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StallingEndpoint]:
    endpoint = await StallingEndpoint().start()
    allowed = dataclasses.replace(get_settings(), push_endpoint_allowlist=(endpoint.origin,))
    monkeypatch.setattr(services, "get_settings", lambda: allowed)
    try:
        yield endpoint
    finally:
        endpoint.flowing.set()
        await endpoint.stop()


async def _queue(citizen: Citizen, devices: list[Subscriber]) -> list[int]:
    """BATCH messages, one outbox row each, the devices in turn; returns the notification ids."""
    subs = await subscription_ids(citizen)
    now = utcnow()
    notes = await Notification.insert(
        *(
            Notification(
                recipient=citizen.id, kind="dossier.accept", title=f"Tin {i}", created_at=now
            )
            for i in range(BATCH)
        )
    ).returning(Notification.id)
    ids = sorted(n["id"] for n in notes)
    await OutboxItem.insert(
        *(
            OutboxItem(
                notification=n, subscription=subs[devices[i % DEVICES].name], available_at=now
            )
            for i, n in enumerate(ids)
        )
    )
    return ids


async def _sender(concurrency: int, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "backend.notifications.sender",
        f"--concurrency={concurrency}",
        f"--batch={BATCH}",
        f"--lease={LEASE_SECONDS}",
        *extra,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _until(endpoint: PushEndpoint, count: int, worker: asyncio.subprocess.Process) -> None:
    for _ in range(3000):
        if len(endpoint.received) >= count:
            return
        if worker.returncode is not None:
            break
        await asyncio.sleep(0.02)
    assert worker.stderr is not None
    worker.kill()
    raise AssertionError(
        f"{len(endpoint.received)} arrived: {(await worker.stderr.read())[-3000:]!r}"
    )


async def _states(note_ids: list[int]) -> dict[int, tuple[str, int]]:
    rows = await OutboxItem.select(
        OutboxItem.notification, OutboxItem.state, OutboxItem.attempts
    ).where(OutboxItem.notification.is_in(note_ids))
    return {r["notification"]: (r["state"], r["attempts"]) for r in rows}


@pytest.mark.parametrize("concurrency", [sender.CONCURRENCY, 8])
async def test_a_sender_killed_mid_batch_repeats_at_most_its_messages_in_flight(
    client: Client, stalling: StallingEndpoint, concurrency: int
) -> None:
    vapid.public_key()  # the key file exists before the senders start
    citizen = await new_citizen(client)
    devices = [await device(client, citizen, stalling, f"crash-{i}") for i in range(DEVICES)]
    note_ids = await _queue(citizen, devices)

    worker = await _sender(concurrency)
    await _until(stalling, ANSWERED + concurrency, worker)
    await asyncio.sleep(0.3)  # every slot is held: nothing more can start
    arrived = len(stalling.received)
    at_kill = await _states(note_ids)
    worker.send_signal(signal.SIGKILL)
    assert await worker.wait() == -signal.SIGKILL

    in_flight = {n for n, (state, _) in at_kill.items() if state == "sending"}
    assert arrived == ANSWERED + concurrency
    assert Counter(state for state, _ in at_kill.values()) == {
        "sent": ANSWERED,
        "sending": concurrency,
        "pending": BATCH - ANSWERED - concurrency,  # claimed, not started: not counted as tried
    }

    # The lease runs out; another sender process picks the batch up.
    stalling.flowing.set()
    expires = await OutboxItem.select(OutboxItem.claimed_until).where(
        OutboxItem.notification.is_in(note_ids) & OutboxItem.claimed_until.is_not_null()
    )
    latest = max(r["claimed_until"] for r in expires)
    await asyncio.sleep(max(0.0, (latest - utcnow()).total_seconds()) + 0.2)
    again = await _sender(concurrency, "--once")
    _, err = await asyncio.wait_for(again.communicate(), timeout=120)
    assert again.returncode == 0, err.decode(errors="replace")[-3000:]

    keys = {d.name: d for d in devices}
    counts = Counter(keys[m.subscription_id].payload(m.body)["id"] for m in stalling.received)
    duplicates = {n for n, c in counts.items() if c > 1}
    print(
        f"\nkill test, concurrency {concurrency}, batch {BATCH}: {arrived} arrived before "
        f"SIGKILL ({ANSWERED} answered and recorded, {len(in_flight)} in flight, "
        f"{BATCH - arrived} claimed and not started); after the lease: "
        f"{len(stalling.received)} deliveries, {len(duplicates)} duplicates, "
        f"{len(set(note_ids) - set(counts))} lost"
    )
    assert sorted(counts) == note_ids, "a message was lost"
    assert max(counts.values()) == 2
    assert duplicates == in_flight
    assert len(duplicates) <= concurrency < BATCH
    final = await _states(note_ids)
    assert {n: s for n, s in final.items() if n in in_flight} == {n: ("sent", 2) for n in in_flight}
    assert {s for n, s in final.items() if n not in in_flight} == {("sent", 1)}


async def _one_message(client: Client, endpoint: PushEndpoint) -> tuple[int, int]:
    """A citizen with one device and one message for it: (subscription id, notification id)."""
    citizen = await new_citizen(client)
    await device(client, citizen, endpoint)
    (sub,) = await PushSubscription.select(PushSubscription.id).where(
        PushSubscription.user == citizen.id
    )
    note = await notify(citizen.id)
    return sub["id"], note


async def test_a_sender_whose_lease_was_taken_over_does_not_send(
    client: Client, push_endpoint: PushEndpoint, http: aiohttp.ClientSession, clock: Clock
) -> None:
    _, note = await _one_message(client, push_endpoint)
    (late,) = await sender.claim()
    # The first sender stalls past its lease; a second one claims the row meanwhile.
    clock.now = utcnow() + sender.LEASE + timedelta(seconds=1)
    (current,) = await sender.claim()
    assert await sender.send_one(late, http, Ledger()) == "lost"
    assert push_endpoint.received == []
    assert await _states([note]) == {note: ("pending", 0)}
    assert await sender.send_one(current, http, Ledger()) == "sent"
    assert await _states([note]) == {note: ("sent", 1)}
    assert len(push_endpoint.received) == 1


async def test_a_message_during_which_the_sender_always_stops_is_given_up(
    client: Client, push_endpoint: PushEndpoint, clock: Clock
) -> None:
    sub_id, note = await _one_message(client, push_endpoint)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        (item,) = await sender.claim()
        assert await Ledger().start(item)  # "sending"... and the process dies
        assert await _states([note]) == {note: ("sending", attempt)}
        clock.now = utcnow() + sender.LEASE + timedelta(seconds=1)
    assert await sender.claim() == []
    (row,) = await OutboxItem.select().where(OutboxItem.subscription == sub_id)
    assert (row["state"], row["attempts"], row["last_error"]) == (
        "failed",
        MAX_ATTEMPTS,
        STOPPED_EACH_TIME,
    )
    assert push_endpoint.received == []
