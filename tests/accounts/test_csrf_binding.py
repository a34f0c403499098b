"""The CSRF token is tied to the session (issue 11, item 11).

Litestar's CSRF check alone accepts any token signed with the app's secret, as long as the
cookie says the same: a pair got on any anonymous visit, or planted as a cookie by a sibling
subdomain, would pass for every signed-in person. With the binding a signed-in browser's only
valid token is derived from its own session."""

from __future__ import annotations

import httpx
from litestar import Litestar

from backend.accounts.middleware import session_csrf_token
from tests.helpers import Client, another_client, csrf, form_token, post_login, register

SETTINGS = "/settings/notifications"


async def save_settings(client: Client, token: str) -> httpx.Response:
    return await client.post(SETTINGS, data={"_csrf_token": token}, follow_redirects=False)


def plant(client: Client, token: str) -> None:
    """Replace the browser's csrftoken cookie (same domain, so it is the one sent)."""
    client.cookies.set("csrftoken", token, domain="testserver.local")


async def test_sign_in_gives_the_session_its_own_token(client: Client) -> None:
    anonymous = await csrf(client)
    await register(client)
    bound = client.cookies["csrftoken"]
    assert bound != anonymous
    assert bound == session_csrf_token(client.cookies["mc_session"])
    # Pages carry it, and it works.
    page = await client.get(SETTINGS)
    assert form_token(page.text) == bound
    assert (await save_settings(client, bound)).status_code == 303
    # The anonymous visit's pair, though signed with the app's secret, no longer does.
    plant(client, anonymous)
    r = await save_settings(client, anonymous)
    assert r.status_code == 403
    assert "Phiên làm việc đã hết hạn" in r.text


async def test_a_planted_pair_from_another_session_is_refused(
    app: Litestar, client: Client
) -> None:
    async with another_client(app, ip="198.51.100.9") as attacker:
        await register(attacker)
        their_token = attacker.cookies["csrftoken"]
        assert (await save_settings(attacker, their_token)).status_code == 303
    await register(client)
    # The attacker's own valid pair, set as the victim's cookie and put in a forged form.
    plant(client, their_token)
    r = await save_settings(client, their_token)
    assert r.status_code == 403
    # The victim's next page gives the browser its session's token back, and carries it.
    page = await client.get(SETTINGS)
    assert "csrftoken=" in page.headers.get("set-cookie", "")
    assert client.cookies["csrftoken"] == session_csrf_token(client.cookies["mc_session"])
    assert form_token(page.text) == client.cookies["csrftoken"]


async def test_a_new_session_does_not_accept_the_old_sessions_token(client: Client) -> None:
    phone = await register(client)
    old = client.cookies["csrftoken"]
    token = await csrf(client)
    assert (await client.post("/logout", data={"_csrf_token": token})).status_code in (200, 303)
    r = await post_login(client, phone, "matkhau-an-toan")
    assert r.status_code == 303, r.text
    new = client.cookies["csrftoken"]
    assert new != old
    plant(client, old)
    assert (await save_settings(client, old)).status_code == 403
    plant(client, new)
    assert (await save_settings(client, new)).status_code == 303


async def test_a_script_calling_the_api_with_the_session_needs_its_token(client: Client) -> None:
    await register(client)
    bound = client.cookies["csrftoken"]
    # Without the session's token the cookie session does not count: anonymous, 401.
    r = await client.post("/api/v1/inbox/read", headers={"x-csrftoken": "0" * 128})
    assert r.status_code == 401
    r = await client.post("/api/v1/inbox/read")
    assert r.status_code == 401
    r = await client.post("/api/v1/inbox/read", headers={"x-csrftoken": bound})
    assert r.status_code in (200, 201, 204), r.text
