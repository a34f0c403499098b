"""Two sender processes against one database drain 1,000 messages: each exactly once.

Real worker processes (`python -m backend.notifications.sender --once`), started at the same
time with this run's environment (database, VAR_DIR with the VAPID key, allowlist), post to
the loopback endpoint served by this test's event loop. Every body is decrypted with its
device's keys and counted by the notification id it carries.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter

from backend.lib.clock import utcnow
from backend.notifications import vapid
from backend.notifications.tables import Notification, OutboxItem
from tests.helpers import ROOT, Client
from tests.notifications.conftest import PYTHON, check_vapid, device, new_citizen, subscription_ids
from tests.notifications.push_endpoint import PushEndpoint

MESSAGES = 1000
DEVICES = 4


async def _worker(name: str) -> asyncio.subprocess.Process:
    # The same environment, but for the VAPID contact, which tells who sent each message.
    env = {**os.environ, "VAPID_SUBJECT": f"mailto:{name}@motcua.example.gov.vn"}
    return await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "backend.notifications.sender",
        "--once",
        cwd=str(ROOT),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_two_worker_processes_deliver_each_of_1000_messages_exactly_once(
    client: Client, push_endpoint: PushEndpoint
) -> None:
    assert os.environ["PUSH_ENDPOINT_ALLOWLIST"] == push_endpoint.origin
    vapid.public_key()  # the key exists under VAR_DIR before the workers start
    citizen = await new_citizen(client)
    devices = [await device(client, citizen, push_endpoint, f"d{i}") for i in range(DEVICES)]
    keys = {d.name: d for d in devices}
    subs = await subscription_ids(citizen)

    # 1,000 queued messages, each for one of the devices, written in two statements.
    now = utcnow()
    notes = await Notification.insert(
        *(
            Notification(
                recipient=citizen.id,
                kind="dossier.accept",
                title=f"Thông báo thử số {i}",
                body="Nội dung",
                url="/my/dossiers",
                created_at=now,
            )
            for i in range(MESSAGES)
        )
    ).returning(Notification.id)
    note_ids = sorted(n["id"] for n in notes)
    assert len(note_ids) == MESSAGES
    await OutboxItem.insert(
        *(
            OutboxItem(
                notification=note_id,
                subscription=subs[devices[i % DEVICES].name],
                available_at=now,
            )
            for i, note_id in enumerate(note_ids)
        )
    )

    workers = [await _worker("worker-a"), await _worker("worker-b")]
    outputs = await asyncio.wait_for(
        asyncio.gather(*(w.communicate() for w in workers)), timeout=300
    )
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err.decode(errors="replace")[-3000:]

    delivered: Counter[int] = Counter()
    senders: Counter[str] = Counter()
    for message in push_endpoint.received:
        assert message.status == 201
        senders[check_vapid(message, push_endpoint.origin)["sub"]] += 1
        payload = keys[message.subscription_id].payload(message.body)
        delivered[payload["id"]] += 1
        # Each message went to the device its outbox row named.
        assert devices[note_ids.index(payload["id"]) % DEVICES].name == message.subscription_id
    assert sorted(delivered) == note_ids, "some messages were not delivered"
    assert {n: c for n, c in delivered.items() if c != 1} == {}, "delivered more than once"
    assert len(push_endpoint.received) == MESSAGES
    # Both took part: a worker claims 200 rows at a time, so 1,000 take it several rounds.
    assert len(senders) == 2 and min(senders.values()) > 0, senders

    rows = await OutboxItem.select(OutboxItem.state, OutboxItem.attempts).where(
        OutboxItem.notification.is_in(note_ids)
    )
    # Claimed once each: no row was taken by both workers.
    assert Counter((r["state"], r["attempts"]) for r in rows) == {("sent", 1): MESSAGES}
