"""The subscription API: only browser push services (or the allowlist), the VAPID key, auth.

POST/DELETE /api/v1/push/subscriptions take the browser's PushSubscription.toJSON(); the
endpoint is a URL the server will later POST to, so anything but https on a known push
service is refused with 422 and a Vietnamese message.
"""

from __future__ import annotations

import secrets

import pytest

from backend.notifications import vapid
from backend.notifications.tables import PushSubscription
from tests.helpers import Client, csrf
from tests.notifications.conftest import SUBSCRIPTIONS, new_citizen
from tests.notifications.push_endpoint import Subscriber, b64url_decode

BAD_ENDPOINT = "Địa chỉ nhận thông báo không thuộc dịch vụ push của trình duyệt."


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://evil.example/x",
        "https://example.com/push",
        "http://fcm.googleapis.com/fcm/send/abc",  # a push service, but not https
        "https://fcm.googleapis.com.evil.example/fcm/send/abc",
        "https://fcm.googleapis.com:8443/fcm/send/abc",
        "https://user@fcm.googleapis.com/fcm/send/abc",
        "http://127.0.0.1:8000/push/x",  # loopback, not in the allowlist here
        "https://fcm.googleapis.com:99999/fcm/send/abc",  # no such port
        "https://fcm.googleapis.com:abc/fcm/send/abc",
        "https://[::1/push",  # not a URL at all
        "",
    ],
)
async def test_endpoint_outside_the_push_services_is_422_in_vietnamese(
    client: Client, endpoint: str
) -> None:
    citizen = await new_citizen(client)
    body = Subscriber.new().subscription_json(endpoint)
    r = await client.post(SUBSCRIPTIONS, json=body, headers=citizen.headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == BAD_ENDPOINT
    assert r.json()["field"] == "endpoint"
    assert not await PushSubscription.exists().where(PushSubscription.user == citizen.id)


async def test_overlong_endpoint_is_422_on_every_engine(client: Client) -> None:
    """Real endpoints are a few hundred characters. A 4,000-character one must be refused as
    input, not stored (SQLite) or fail in the unique index (PostgreSQL: a 500)."""
    citizen = await new_citizen(client)
    endpoint = "https://fcm.googleapis.com/fcm/send/" + secrets.token_urlsafe(3000)[:4000]
    body = Subscriber.new().subscription_json(endpoint)
    r = await client.post(SUBSCRIPTIONS, json=body, headers=citizen.headers)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "endpoint"
    assert not await PushSubscription.exists().where(PushSubscription.user == citizen.id)


async def test_browser_push_service_is_accepted_and_delete_removes_it(client: Client) -> None:
    citizen = await new_citizen(client)
    endpoint = "https://fcm.googleapis.com/fcm/send/abc"
    subscriber = Subscriber.new()
    r = await client.post(
        SUBSCRIPTIONS,
        json=subscriber.subscription_json(endpoint),
        headers={**citizen.headers, "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131"},
    )
    assert r.status_code == 201, r.text
    sub_id = r.json()["id"]
    row = await PushSubscription.select().where(PushSubscription.id == sub_id).first()
    assert row is not None
    assert (row["user"], row["endpoint"], row["p256dh"], row["auth"]) == (
        citizen.id,
        endpoint,
        subscriber.p256dh,
        subscriber.auth,
    )
    assert "Android" in row["user_agent"]

    # The same browser subscribing again is one device, not two.
    r = await client.post(
        SUBSCRIPTIONS, json=subscriber.subscription_json(endpoint), headers=citizen.headers
    )
    assert r.status_code == 201, r.text
    assert await PushSubscription.count().where(PushSubscription.endpoint == endpoint) == 1

    # Someone else cannot remove it.
    other = await new_citizen(client)
    r = await client.request(
        "DELETE", SUBSCRIPTIONS, json={"endpoint": endpoint}, headers=other.headers
    )
    assert (r.status_code, r.json()) == (200, {"removed": False})
    assert await PushSubscription.exists().where(PushSubscription.endpoint == endpoint)

    r = await client.request(
        "DELETE", SUBSCRIPTIONS, json={"endpoint": endpoint}, headers=citizen.headers
    )
    assert (r.status_code, r.json()) == (200, {"removed": True})
    assert not await PushSubscription.exists().where(PushSubscription.endpoint == endpoint)


async def test_bad_keys_are_422(client: Client) -> None:
    citizen = await new_citizen(client)
    body = {"endpoint": "https://fcm.googleapis.com/fcm/send/k", "keys": {"p256dh": "x"}}
    r = await client.post(SUBSCRIPTIONS, json=body, headers=citizen.headers)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "Khóa mã hóa của thiết bị không hợp lệ."


async def test_vapid_public_key_is_the_servers_uncompressed_p256_point(client: Client) -> None:
    r = await client.get("/api/v1/push/vapid-public-key")
    assert r.status_code == 200
    key = r.json()["publicKey"]
    assert key == vapid.public_key()
    assert "=" not in key
    raw = b64url_decode(key)
    assert len(raw) == 65 and raw[0] == 0x04


async def test_session_cookie_without_csrf_header_is_anonymous(client: Client) -> None:
    await new_citizen(client, keep_session=True)  # signed in with the session cookie
    body = Subscriber.new().subscription_json("https://fcm.googleapis.com/fcm/send/cookie")
    r = await client.post(SUBSCRIPTIONS, json=body)
    assert r.status_code == 401, r.text
    r = await client.post(SUBSCRIPTIONS, json=body, headers={"x-csrftoken": "wrong"})
    assert r.status_code == 401, r.text
    assert not await PushSubscription.exists().where(PushSubscription.endpoint == body["endpoint"])
    # The page's own script sends the header: then it is the signed-in citizen.
    r = await client.post(SUBSCRIPTIONS, json=body, headers={"x-csrftoken": await csrf(client)})
    assert r.status_code == 201, r.text
    # No credentials at all.
    client.cookies.clear()
    r = await client.post(SUBSCRIPTIONS, json=body)
    assert r.status_code == 401, r.text


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize(
    "body",
    [{"keys": {"p256dh": "x", "auth": "y"}}, {"endpoint": 7}, ["https://fcm.googleapis.com"]],
)
async def test_a_body_that_is_not_a_subscription_is_400(
    client: Client, method: str, body: object
) -> None:
    """The body is typed: without an endpoint (or not an object at all) it is a bad request,
    never a server error."""
    citizen = await new_citizen(client)
    r = await client.request(method, SUBSCRIPTIONS, json=body, headers=citizen.headers)
    assert r.status_code == 400, r.text
    assert not await PushSubscription.exists().where(PushSubscription.user == citizen.id)
