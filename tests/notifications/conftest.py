"""Web Push tests: a real push endpoint on loopback, subscribers registered through the API.

Settings are read once, before this file is imported (tests/conftest.py reads them), so the
endpoint's origin is allowed by replacing the settings the subscription check reads, for the
test's duration; the environment gets PUSH_ENDPOINT_ALLOWLIST too, for worker processes.

The app's lifespan (and so its in-app sender) does not run in tests: the tests drive the
sender themselves with `sender.run_once`, or start worker processes.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from backend.access.user import CurrentUser
from backend.lib.clock import utcnow
from backend.notifications import sender, services, vapid
from backend.notifications.tables import OutboxItem, PushSubscription
from backend.settings import get_settings
from tests.helpers import CITIZEN_PASSWORD, ROOT, Client, api_headers, register, user_by_login
from tests.notifications.push_endpoint import PushEndpoint, Received, Subscriber, b64url_decode

SUBSCRIPTIONS = "/api/v1/push/subscriptions"
# The interpreter of the sender worker processes some tests start: the project's, where it is.
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable

# Users made by these tests: their devices are removed after each test, so that no pending
# message of one test is left for the sender run of another (or aimed at a stopped endpoint).
_citizens: set[int] = set()


@dataclass
class Citizen:
    user: CurrentUser
    phone: str
    headers: dict[str, str]  # Authorization: Bearer <token from /api/v1/auth/token>

    @property
    def id(self) -> int:
        return self.user.id


async def new_citizen(client: Client, keep_session: bool = False) -> Citizen:
    """A citizen registered through the form, with an API token from the real sign-in;
    `keep_session` leaves `client` signed in with the session cookie."""
    client.cookies.clear()
    phone = await register(client)
    headers = await api_headers(client, phone, CITIZEN_PASSWORD)
    if not keep_session:
        client.cookies.clear()
    user = await user_by_login(phone)
    _citizens.add(user.id)
    return Citizen(user=user, phone=phone, headers=headers)


async def subscribe(client: Client, citizen: Citizen, subscriber: Subscriber, endpoint: str) -> int:
    """The page's `fetch(POST /api/v1/push/subscriptions, subscription.toJSON())`."""
    r = await client.post(
        SUBSCRIPTIONS, json=subscriber.subscription_json(endpoint), headers=citizen.headers
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def device(
    client: Client, citizen: Citizen, endpoint: PushEndpoint, name: str | None = None
) -> Subscriber:
    """A new browser of this citizen, subscribed to a URL of the loopback endpoint."""
    subscriber = Subscriber.new(name)
    await subscribe(client, citizen, subscriber, endpoint.url(subscriber.name))
    return subscriber


async def subscription_ids(citizen: Citizen) -> dict[str, int]:
    """{device name (its endpoint URL's last part): subscription id} of the citizen's devices."""
    rows = await PushSubscription.select(PushSubscription.id, PushSubscription.endpoint).where(
        PushSubscription.user == citizen.id
    )
    return {r["endpoint"].rsplit("/", 1)[-1]: r["id"] for r in rows}


async def notify(
    recipient: int,
    title: str = "Hồ sơ đã được tiếp nhận",
    *,
    kind: str = "dossier.accept",
    body: str = "",
    url: str = "/",
    now: datetime | None = None,
) -> int:
    """One message through the real delivery (the inbox, and the outbox for each device the
    recipient has); returns the notification's id."""
    return await services.deliver(
        recipient=recipient,
        dossier_id=None,
        kind=kind,
        title=title,
        body=body,
        url=url,
        now=now or utcnow(),
    )


async def drain(session: aiohttp.ClientSession, rounds: int = 50) -> int:
    """Run the sender until nothing is due; returns the number of rows it claimed."""
    total = 0
    for _ in range(rounds):
        claimed = await sender.run_once(session)
        if not claimed:
            return total
        total += claimed
    raise AssertionError(f"the outbox did not drain in {rounds} rounds")


async def outbox_rows(subscription_ids: list[int] | None = None, **where: Any) -> list[dict]:
    query = OutboxItem.select()
    if subscription_ids is not None:
        query = query.where(OutboxItem.subscription.is_in(subscription_ids))
    for name, value in where.items():
        query = query.where(getattr(OutboxItem, name) == value)
    return list(await query.order_by(OutboxItem.id))


def check_vapid(received: Received, audience: str) -> dict[str, Any]:
    """RFC 8292: `Authorization: vapid t=<JWT>, k=<key>`, the JWT signed ES256 by the server's
    key, for this push service's origin, expiring within 24 hours. Returns the claims."""
    header = received.headers.get("Authorization", "")
    m = re.fullmatch(r"vapid t=([\w-]+)\.([\w-]+)\.([\w-]+)\s*,\s*k=([\w-]+)", header)
    assert m, header
    head_b64, claims_b64, sig_b64, k = m.groups()
    assert k == vapid.public_key()
    head = json.loads(b64url_decode(head_b64))
    assert head["alg"] == "ES256", head
    signature = b64url_decode(sig_b64)
    assert len(signature) == 64  # JWS ES256: r || s, 32 bytes each
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(vapid.public_key())
    )
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    # Raises InvalidSignature when the token was not signed by the server's key.
    public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = dict(json.loads(b64url_decode(claims_b64)))
    assert claims["aud"] == audience
    now = time.time()
    assert now < claims["exp"] <= now + 24 * 3600, claims
    assert claims.get("sub"), claims
    return claims


@pytest.fixture
async def push_endpoint(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[PushEndpoint]:
    """The loopback push service, allowed as a subscription origin for this test."""
    endpoint = await PushEndpoint().start()
    allowed = dataclasses.replace(get_settings(), push_endpoint_allowlist=(endpoint.origin,))
    monkeypatch.setattr(services, "get_settings", lambda: allowed)
    monkeypatch.setenv("PUSH_ENDPOINT_ALLOWLIST", endpoint.origin)
    try:
        yield endpoint
    finally:
        await endpoint.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """The sender's HTTP client session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A retried message is due again at once (the backoff itself is not under test here)."""
    monkeypatch.setattr(sender, "backoff", lambda attempts: timedelta(0))
    yield


@pytest.fixture
async def quiet_outbox() -> None:
    """No message of another test is waiting: the sender tests claim everything due, and
    packages run before (the post, the back office) leave messages for devices of their own."""
    await OutboxItem.update({OutboxItem.state: "gone"}).where(
        OutboxItem.state.is_in(["pending", "sending"])
    )


@pytest.fixture(autouse=True)
async def _forget_devices() -> AsyncIterator[None]:
    yield
    if _citizens:
        await PushSubscription.delete().where(PushSubscription.user.is_in(list(_citizens)))
        # Their undelivered messages now have no device; the sender would mark them gone.
        await OutboxItem.update({OutboxItem.state: "gone"}).where(
            (OutboxItem.state == "pending") & OutboxItem.subscription.is_null()
        )
