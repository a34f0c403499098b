"""A dossier's change reaches the citizen's devices as Web Push, end to end.

Subscriptions are registered through the real API; staff move the dossier with perform() or
the action API; the sender posts to a push endpoint on loopback, and the bodies are decrypted
with each device's own keys (RFC 8291, aes128gcm) and the VAPID header checked (RFC 8292).
"""

from __future__ import annotations

import aiohttp
import pytest

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import State
from backend.notifications.tables import Notification, OutboxItem, PushSubscription
from tests.dossiers.factory import Factory
from tests.helpers import Client, api_headers
from tests.notifications.conftest import (
    check_vapid,
    device,
    drain,
    new_citizen,
)
from tests.notifications.push_endpoint import PushEndpoint

pytestmark = pytest.mark.usefixtures("quiet_outbox")


async def _code(dossier_id: int) -> str:
    row = await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first()
    assert row is not None and row["code"]
    return str(row["code"])


async def test_received_and_result_ready_arrive_encrypted_signed_and_with_urgency(
    client: Client, factory: Factory, push_endpoint: PushEndpoint, http: aiohttp.ClientSession
) -> None:
    citizen = await new_citizen(client)
    phone = await device(client, citizen, push_endpoint, "phone")
    sub = await PushSubscription.select().where(PushSubscription.user == citizen.id).first()
    assert sub is not None
    assert (sub["endpoint"], sub["p256dh"], sub["auth"]) == (
        push_endpoint.url("phone"),
        phone.p256dh,
        phone.auth,
    )

    # Counter accepts ("received"), the specialist drafts, the leader approves ("result").
    dossier_id = await factory.create(State.DONE, owner=citizen.user, result_kind="electronic")
    code = await _code(dossier_id)
    assert push_endpoint.received == []  # written to the outbox, not sent in the transaction
    assert await drain(http) == 2

    got = push_endpoint.for_path("phone")
    assert len(got) == 2 == len(push_endpoint.received)
    by_kind = {}
    for message in got:
        assert message.status == 201
        assert message.headers["Content-Encoding"] == "aes128gcm"
        assert message.headers["TTL"] == str(24 * 3600)
        check_vapid(message, push_endpoint.origin)
        payload = phone.payload(message.body)
        by_kind[payload["kind"]] = (payload, message)
    assert set(by_kind) == {"dossier.accept", "dossier.approve"}

    received, received_msg = by_kind["dossier.accept"]
    assert received["title"] == f"Hồ sơ {code} đã được tiếp nhận"
    assert received["body"].startswith("Ngày hẹn trả kết quả: ")
    assert received["url"] == f"/dossiers/{dossier_id}"
    assert received["tag"] == f"dossier-{dossier_id}"
    assert received_msg.headers["Urgency"] == "normal"

    result, result_msg = by_kind["dossier.approve"]
    assert result["title"] == f"Hồ sơ {code} đã có kết quả"
    assert result["body"] == (
        "Bạn có thể tải kết quả điện tử ngay trên trang hồ sơ, "
        "rồi chạm một lần để cho biết bạn có hài lòng không."
    )
    assert result["url"] == f"/dossiers/{dossier_id}"
    assert result["tag"] == f"dossier-{dossier_id}"
    assert result_msg.headers["Urgency"] == "high"

    # The payload names the inbox message it is about; the outbox rows are done.
    notes = await Notification.select(Notification.id, Notification.kind, Notification.title).where(
        Notification.dossier == dossier_id
    )
    assert {n["kind"]: n["id"] for n in notes} == {
        "dossier.accept": received["id"],
        "dossier.approve": result["id"],
    }
    rows = await OutboxItem.select().where(OutboxItem.notification.is_in([n["id"] for n in notes]))
    assert [(r["state"], r["attempts"], r["status_code"]) for r in rows] == [("sent", 1, 201)] * 2
    sub = await PushSubscription.select().where(PushSubscription.id == sub["id"]).first()
    assert sub is not None and sub["last_success_at"] is not None
    # Nothing is sent twice.
    assert await drain(http) == 0
    assert len(push_endpoint.received) == 2


async def test_staff_action_reaches_every_device_of_the_citizen_and_nobody_else(
    client: Client, factory: Factory, push_endpoint: PushEndpoint, http: aiohttp.ClientSession
) -> None:
    citizen = await new_citizen(client)
    phone = await device(client, citizen, push_endpoint, "citizen-phone")
    laptop = await device(client, citizen, push_endpoint, "citizen-laptop")
    neighbour = await new_citizen(client)
    await device(client, neighbour, push_endpoint, "neighbour-phone")
    dossier_id = await factory.create(State.SUBMITTED, owner=citizen.user)
    code = await _code(dossier_id)

    # The counter accepts through the action API, with a bearer token.
    staff = await api_headers(client, "motcua1")
    r = await client.post(f"/api/v1/dossiers/{code}/actions/accept", json={}, headers=staff)
    assert r.status_code == 200, r.text
    assert await drain(http) == 2

    assert sorted(m.path for m in push_endpoint.received) == [
        "/push/citizen-laptop",
        "/push/citizen-phone",
    ]
    payloads = []
    for subscriber in (phone, laptop):
        (message,) = push_endpoint.for_path(subscriber.name)
        check_vapid(message, push_endpoint.origin)
        assert message.headers["Urgency"] == "normal"
        payloads.append(subscriber.payload(message.body))
    # One inbox message, one push to each device, the same content.
    assert payloads[0] == payloads[1]
    assert payloads[0]["title"] == f"Hồ sơ {code} đã được tiếp nhận"
    assert payloads[0]["tag"] == f"dossier-{dossier_id}"
    assert payloads[0]["url"] == f"/dossiers/{dossier_id}"
    assert await Notification.count().where(Notification.recipient == neighbour.id) == 0
    assert push_endpoint.for_path("neighbour-phone") == []
