"""'Thiết bị đã đăng nhập' (issue 15): the account's browsers and app tokens are listed and
each can be signed out; an app refreshes its token (the old one ends at once)."""

from __future__ import annotations

from typing import Any

from tests.helpers import (
    CITIZEN_PASSWORD,
    Client,
    another_client,
    post_form,
    register,
    sign_in,
    soup,
)


async def test_a_citizen_signs_out_another_browser(client: Client, app: Any) -> None:
    phone = await register(client)
    async with another_client(app, "203.0.113.9", 40001) as laptop:
        await sign_in(laptop, phone, CITIZEN_PASSWORD)
        assert (await laptop.get("/my/dossiers")).status_code == 200
        page = soup((await client.get("/account/devices/")).text)
        cards = page.select("ul.devices li")
        assert len(cards) == 2
        assert [("Thiết bị này" in c.text) for c in cards].count(True) == 1
        other = next(c for c in cards if "Thiết bị này" not in c.text)
        action = str(other.select_one("form")["action"])  # type: ignore[index]
        ended = await post_form(client, action)
        assert ended.status_code == 303
        gone = await laptop.get("/my/dossiers", follow_redirects=False)
        assert gone.status_code in (302, 303) and "/login" in gone.headers["location"]
        # The page still works here, with one device left.
        assert len(soup((await client.get("/account/devices/")).text).select("ul.devices li")) == 1


async def test_an_app_lists_refreshes_and_revokes_its_tokens(client: Client) -> None:
    phone = await register(client)
    login = {"login": phone, "password": CITIZEN_PASSWORD}
    first = (await client.post("/api/v1/auth/token", json=login)).json()["access_token"]
    second = (await client.post("/api/v1/auth/token", json=login)).json()["access_token"]
    a, b = ({"Authorization": f"Bearer {t}"} for t in (first, second))
    listed = (await client.get("/api/v1/auth/sessions", headers=a)).json()
    assert [s["current"] for s in listed if s["kind"] == "api"].count(True) == 1
    assert all("token" not in k for s in listed for k in s)

    refreshed = await client.post("/api/v1/auth/refresh", headers=a)
    assert refreshed.status_code == 200, refreshed.text
    new = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await client.get("/api/v1/dossiers", headers=a)).status_code == 401
    assert (await client.get("/api/v1/dossiers", headers=new)).status_code == 200
    assert (await client.post("/api/v1/auth/refresh", headers=a)).status_code == 401

    other = next(
        s
        for s in (await client.get("/api/v1/auth/sessions", headers=new)).json()
        if s["kind"] == "api" and not s["current"]
    )
    assert (
        await client.delete(f"/api/v1/auth/sessions/{other['id']}", headers=new)
    ).status_code == 204
    assert (await client.get("/api/v1/dossiers", headers=b)).status_code == 401
    # Another account's session is not there for them.
    stranger_phone = await register(client)
    token = (
        await client.post(
            "/api/v1/auth/token", json={"login": stranger_phone, "password": CITIZEN_PASSWORD}
        )
    ).json()["access_token"]
    stranger = {"Authorization": f"Bearer {token}"}
    mine = (await client.get("/api/v1/auth/sessions", headers=new)).json()[0]["id"]
    assert (
        await client.delete(f"/api/v1/auth/sessions/{mine}", headers=stranger)
    ).status_code == 404


def test_devices_are_named_as_people_know_them() -> None:
    from backend.accounts.services import device_label

    android = (
        "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    )
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    )
    assert device_label(android) == "Chrome · Android"
    assert device_label(iphone) == "Safari · iPhone"
    assert device_label("curl/8.5") == ""
