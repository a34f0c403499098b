"""Push subscriptions: one row per endpoint per account, and strict endpoints and keys.

- Two people signed in on one browser (one endpoint) each keep their row and each get their
  own messages; the same person subscribing again is the same row with the new keys; a push
  service's 404/410 removes every account's row for that endpoint.
- An endpoint is refused (422, field "endpoint") with a control character or a space anywhere
  (a CR LF inside an allowed URL was stored before), a non-ASCII character, a fragment, a
  backslash, no path, or over 2,048 characters; only https on a browser push service, or an
  allowlisted origin.
- Keys are base64url of the right decoded lengths: p256dh a point of P-256 (65 bytes,
  uncompressed), auth 16 bytes; padding is accepted and removed.
"""

from __future__ import annotations

import asyncio
import base64
import os

import aiohttp
import pytest

from backend.notifications import services
from backend.notifications.tables import OutboxItem, PushSubscription
from tests.helpers import Client
from tests.notifications.conftest import SUBSCRIPTIONS, drain, new_citizen, notify, subscribe
from tests.notifications.push_endpoint import PushEndpoint, Subscriber, b64url

BAD_ENDPOINT = "Địa chỉ nhận thông báo không thuộc dịch vụ push của trình duyệt."
BAD_KEYS = "Khóa mã hóa của thiết bị không hợp lệ."
FCM = "https://fcm.googleapis.com/fcm/send/"


def _fcm() -> str:
    return FCM + b64url(os.urandom(12))


async def _rows(endpoint: str) -> list[dict]:
    return list(
        await PushSubscription.select()
        .where(PushSubscription.endpoint == endpoint)
        .order_by(PushSubscription.id)
    )


async def test_two_accounts_on_one_browser_keep_a_row_each_and_each_gets_their_messages(
    client: Client, push_endpoint: PushEndpoint, http: aiohttp.ClientSession
) -> None:
    first, second = await new_citizen(client), await new_citizen(client)
    browser = Subscriber.new("shared")
    endpoint = push_endpoint.url(browser.name)
    first_id = await subscribe(client, first, browser, endpoint)
    second_id = await subscribe(client, second, browser, endpoint)
    assert first_id != second_id
    assert [(r["id"], r["user"]) for r in await _rows(endpoint)] == [
        (first_id, first.id),
        (second_id, second.id),
    ]

    for citizen, title in ((first, "Tin cho người thứ nhất"), (second, "Tin cho người thứ hai")):
        await notify(citizen.id, title)
    assert await drain(http) == 2
    titles = sorted(browser.payload(m.body)["title"] for m in push_endpoint.for_path("shared"))
    assert titles == ["Tin cho người thứ hai", "Tin cho người thứ nhất"]

    # Either one turning push off on that browser leaves the other's row.
    r = await client.request(
        "DELETE", SUBSCRIPTIONS, json={"endpoint": endpoint}, headers=first.headers
    )
    assert (r.status_code, r.json()) == (200, {"removed": True})
    assert [r["user"] for r in await _rows(endpoint)] == [second.id]


async def test_the_same_account_subscribing_again_updates_its_row(client: Client) -> None:
    citizen = await new_citizen(client)
    endpoint = _fcm()
    old, new = Subscriber.new(), Subscriber.new()
    row_id = await subscribe(client, citizen, old, endpoint)
    assert await subscribe(client, citizen, new, endpoint) == row_id
    (row,) = await _rows(endpoint)
    assert (row["id"], row["p256dh"], row["auth"]) == (row_id, new.p256dh, new.auth)


async def test_concurrent_subscriptions_of_one_browser_make_one_row(client: Client) -> None:
    citizen = await new_citizen(client)
    endpoint = _fcm()
    browser = Subscriber.new()
    ids = await asyncio.gather(
        *(
            services.subscribe(citizen.id, endpoint, browser.p256dh, browser.auth, "ua")
            for _ in range(10)
        )
    )
    assert len(set(ids)) == 1
    assert len(await _rows(endpoint)) == 1


async def test_a_gone_endpoint_is_removed_for_every_account(
    client: Client, push_endpoint: PushEndpoint, http: aiohttp.ClientSession
) -> None:
    first, second = await new_citizen(client), await new_citizen(client)
    browser = Subscriber.new("expired")
    endpoint = push_endpoint.url(browser.name)
    await subscribe(client, first, browser, endpoint)
    await subscribe(client, second, browser, endpoint)
    push_endpoint.script(browser.name, 410)
    note = await notify(first.id)
    assert await drain(http) == 1
    assert await _rows(endpoint) == []
    (row,) = await OutboxItem.select(OutboxItem.state).where(OutboxItem.notification == note)
    assert row["state"] == "gone"


@pytest.mark.parametrize(
    "endpoint",
    [
        FCM + "abc\r\nX-Injected: 1",
        FCM + "abc\n",
        FCM + "a\tb",
        FCM + "a b",
        " " + FCM + "abc",
        FCM + "abc ",
        FCM + "abc\x00",
        FCM + "abc\x7f",
        FCM + "abc\u00a0",  # a no-break space
        "https://fcm.googleapis.com\u2024evil.example/x",  # a look-alike dot
        FCM + "ábc",
        FCM + "abc#fragment",
        "https://fcm.googleapis.com\\@evil.example/x",
        "https://fcm.googleapis.com",  # no path
        "https://fcm.googleapis.com?x=1",
        "ftp://fcm.googleapis.com/fcm/send/abc",
        FCM + "a" * (services.MAX_ENDPOINT - len(FCM) + 1),
    ],
)
async def test_endpoint_with_bad_characters_or_shape_is_refused(
    client: Client, endpoint: str
) -> None:
    citizen = await new_citizen(client)
    body = Subscriber.new().subscription_json(endpoint)
    r = await client.post(SUBSCRIPTIONS, json=body, headers=citizen.headers)
    assert r.status_code == 422, r.text
    assert (r.json()["detail"], r.json()["field"]) == (BAD_ENDPOINT, "endpoint")
    assert not await PushSubscription.exists().where(PushSubscription.user == citizen.id)


async def test_cr_lf_inside_an_allowlisted_origin_is_refused_too(
    client: Client, push_endpoint: PushEndpoint
) -> None:
    citizen = await new_citizen(client)
    for endpoint in (push_endpoint.url("a\r\nb"), push_endpoint.url("a b")):
        body = Subscriber.new().subscription_json(endpoint)
        r = await client.post(SUBSCRIPTIONS, json=body, headers=citizen.headers)
        assert r.status_code == 422, r.text
    # The same origin with a clean path is accepted (http: it is on the allowlist).
    assert await subscribe(client, citizen, Subscriber.new(), push_endpoint.url("clean"))


@pytest.mark.parametrize(
    "endpoint",
    [
        FCM + "a" * (services.MAX_ENDPOINT - len(FCM)),  # exactly the maximum
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAADq%2bZ-_~.1",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn",
        "https://web.push.apple.com/QGx7kY3kAbC-_d",
    ],
)
def test_real_endpoint_shapes_are_accepted(endpoint: str) -> None:
    assert services.check_endpoint(endpoint) == endpoint


def _b64(raw: bytes, padded: bool = False) -> str:
    text = base64.urlsafe_b64encode(raw).decode()
    return text if padded else text.rstrip("=")


def _bad_keys() -> list[tuple[str, str]]:
    good = Subscriber.new()
    point = base64.urlsafe_b64decode(good.p256dh + "=")
    compressed = bytes([2 + point[-1] % 2]) + point[1:33]
    return [
        (good.p256dh[:-1], good.auth),  # 86 characters
        (good.p256dh + "A", good.auth),  # 88
        (_b64(bytes([4]) + bytes(64)), good.auth),  # the right length, not on the curve
        (_b64(bytes([4]) + os.urandom(64)), good.auth),
        (_b64(compressed), good.auth),  # compressed: not what browsers send
        (good.p256dh.replace(good.p256dh[5], "+", 1), good.auth),  # base64, not base64url
        (good.p256dh + "==", good.auth),  # too much padding
        (good.p256dh, _b64(os.urandom(15))),
        (good.p256dh, _b64(os.urandom(17))),
        (good.p256dh, good.auth[:-1] + "!"),
        (good.p256dh, ""),
        ("", good.auth),
    ]


@pytest.mark.parametrize("case", range(len(_bad_keys())))
async def test_keys_of_the_wrong_length_or_not_a_p256_point_are_refused(
    client: Client, case: int
) -> None:
    p256dh, auth = _bad_keys()[case]
    citizen = await new_citizen(client)
    body = {"endpoint": _fcm(), "keys": {"p256dh": p256dh, "auth": auth}}
    r = await client.post(SUBSCRIPTIONS, json=body, headers=citizen.headers)
    assert r.status_code == 422, (p256dh, auth, r.text)
    assert (r.json()["detail"], r.json()["field"]) == (BAD_KEYS, "keys")
    assert not await PushSubscription.exists().where(PushSubscription.user == citizen.id)


async def test_padded_keys_are_accepted_and_stored_as_browsers_write_them(
    client: Client,
) -> None:
    citizen = await new_citizen(client)
    browser = Subscriber.new()
    point = base64.urlsafe_b64decode(browser.p256dh + "=")
    body = {
        "endpoint": _fcm(),
        "keys": {"p256dh": _b64(point, padded=True), "auth": _b64(browser.auth_secret, True)},
    }
    r = await client.post(SUBSCRIPTIONS, json=body, headers=citizen.headers)
    assert r.status_code == 201, r.text
    row = await PushSubscription.select().where(PushSubscription.id == r.json()["id"]).first()
    assert row is not None
    assert (row["p256dh"], row["auth"]) == (browser.p256dh, browser.auth)
