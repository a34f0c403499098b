"""The one copy of what test modules share: browsers, signing in, forms, reading pages, people.

Fixtures stay in the conftest files; what a test calls is here. The app binds the CSRF token to
the session: signing in replaces the `csrftoken` cookie, so the helpers that post read the token
from the cookie at the moment they post (`csrf`), never one fetched before a sign-in.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import httpx
from bs4 import BeautifulSoup
from litestar import Litestar

Client = httpx.AsyncClient

# Citizens registered by `register` have this password.
CITIZEN_PASSWORD = "matkhau-an-toan"


# --- browsers ----------------------------------------------------------------------------------


def another_client(app: Litestar, ip: str = "203.0.113.7", port: int = 1) -> Client:
    """A second browser (its own cookies), from `ip`; close it, e.g. `async with`."""
    transport = httpx.ASGITransport(app=app, client=(ip, port))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


# --- reading pages -----------------------------------------------------------------------------


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text_of(html: str, selector: str) -> list[str]:
    return [" ".join(el.get_text(" ").split()) for el in soup(html).select(selector)]


# --- forms -------------------------------------------------------------------------------------


async def csrf(client: Client) -> str:
    """The browser's current CSRF token (its cookie; a first visit gets one)."""
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    return client.cookies["csrftoken"]


async def post_form(
    client: Client, url: str, data: Mapping[str, Any] | None = None, /, **fields: Any
) -> httpx.Response:
    """A form posted as the browser sends it, with the current CSRF token; redirects are the
    caller's to look at."""
    return await client.post(
        url,
        data={"_csrf_token": await csrf(client), **(data or {}), **fields},
        follow_redirects=False,
    )


# --- people ------------------------------------------------------------------------------------

_phones = itertools.count(1)


def new_phone() -> str:
    """A valid, unused Vietnamese mobile number (the demo accounts use 0912…/0987…)."""
    return f"0389{next(_phones):06d}"


async def register(client: Client, phone: str | None = None, name: str = "Lê Văn Test") -> str:
    """A signed-in citizen through the real registration form; returns the phone number."""
    phone = phone or new_phone()
    r = await post_form(
        client,
        "/register",
        phone=phone,
        full_name=name,
        citizen_id="",
        password=CITIZEN_PASSWORD,
        password_again=CITIZEN_PASSWORD,
    )
    assert r.status_code == 303, r.text
    return phone
