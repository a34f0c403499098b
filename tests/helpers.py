"""The one copy of what test modules share: browsers, signing in, forms, reading pages, people.

Fixtures stay in the conftest files; what a test calls is here. The app binds the CSRF token to
the session: signing in replaces the `csrftoken` cookie, so the helpers that post read the token
from the cookie at the moment they post (`csrf`), never one fetched before a sign-in.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from bs4 import BeautifulSoup
from litestar import Litestar

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts import ratelimit
from backend.accounts.middleware import SESSION_COOKIE
from backend.accounts.services import PLACEHOLDER_HASH, start_session
from backend.accounts.tables import User
from backend.catalog.tables import Agency
from backend.lib.clock import utcnow

Client = httpx.AsyncClient
ROOT = Path(__file__).resolve().parents[1]

# The demo's staff accounts share one password; citizens registered by `register` get another.
STAFF_PASSWORD = "canbo123"
CITIZEN_PASSWORD = "matkhau-an-toan"
ADMIN_LOGIN, ADMIN_PASSWORD = "admin", "quantri123"
# A PDF of one page, without a cross-reference table (qpdf rewrites what is uploaded and
# rebuilds the table; a PDF without pages is refused).
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


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


def form_token(html: str) -> str:
    """The CSRF token a page wrote into its (first) form."""
    field = soup(html).select_one("input[name=_csrf_token]")
    assert field is not None, "no CSRF field on the page"
    return str(field["value"])


def field_errors(html: str, *, marked_invalid: bool = False) -> dict[str, str]:
    """{field name: message} for every field shown with an error beside it; `marked_invalid`
    also checks that each such control says so to assistive technology (aria-invalid)."""
    out = {}
    for box in soup(html).select(".field.has-error"):
        message = box.select_one(".error")
        assert message is not None
        control = box.select_one("input, select, textarea")
        if marked_invalid:
            assert control is not None and control.get("aria-invalid") == "true", box
        if box.get("id"):  # a group of checkboxes names its error after the group
            name = str(box["id"]).removeprefix("f-")
        else:
            assert control is not None
            name = str(control["name"])
        out[name] = " ".join(message.get_text(" ").split())
    return out


def form_value(html: str, name: str) -> str:
    """What a form control shows: an input's value, a textarea's text, a select's choice."""
    page = soup(html)
    control = page.select_one(f'[name="{name}"]')
    assert control is not None, name
    if control.name == "textarea":
        return control.get_text()
    if control.name == "select":
        chosen = control.select_one("option[selected]")
        return str(chosen["value"]) if chosen else ""
    if control.get("type") in ("radio", "checkbox"):
        checked = page.select(f'[name="{name}"][checked]')
        return ",".join(str(c["value"]) for c in checked)
    return str(control.get("value", ""))


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


async def post_page_form(
    client: Client, page_url: str, data: Mapping[str, Any], action: str | None = None
) -> httpx.Response:
    """Open the page (it must open), then post its form with the token written in it to
    `action` (default: the page)."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    return await client.post(
        action or page_url,
        data={"_csrf_token": form_token(page.text), **data},
        follow_redirects=False,
    )


# --- signing in --------------------------------------------------------------------------------


async def post_login(
    client: Client, login: str, password: str = CITIZEN_PASSWORD, /, **fields: str
) -> httpx.Response:
    """The sign-in form as it is posted, in whatever browser state `client` is; the answer is
    the caller's to check."""
    return await post_form(client, "/login", login=login, password=password, **fields)


async def sign_in(client: Client, login: str, password: str = STAFF_PASSWORD) -> None:
    """`client` becomes a fresh browser signed in as `login` through the form."""
    client.cookies.clear()
    r = await post_login(client, login, password)
    assert r.status_code == 303, r.text


async def sign_in_admin(client: Client) -> None:
    """The demo administrator signs in on `client` (its cookies as they are)."""
    r = await post_login(client, ADMIN_LOGIN, ADMIN_PASSWORD)
    assert r.status_code == 303, r.text


async def sign_in_as(client: Client, user: CurrentUser | int) -> None:
    """`client` becomes a fresh browser holding a session of `user`, made directly (no form, no
    password). Its CSRF token comes with the first request (`csrf` fetches it)."""
    user_id = user if isinstance(user, int) else user.id
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, await start_session(user_id, "web"))


async def bearer(user: CurrentUser | int) -> dict[str, str]:
    """API headers with a token of `user`, made directly."""
    user_id = user if isinstance(user, int) else user.id
    return {"Authorization": f"Bearer {await start_session(user_id, 'api')}"}


async def api_headers(client: Client, login: str, password: str = STAFF_PASSWORD) -> dict[str, str]:
    """API headers with a token from the real sign-in endpoint."""
    r = await client.post("/api/v1/auth/token", json={"login": login, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


# --- people ------------------------------------------------------------------------------------

_phones = itertools.count(1)


def new_phone() -> str:
    """A valid, unused Vietnamese mobile number (the demo accounts use 0912…/0987…)."""
    return f"0389{next(_phones):06d}"


async def sms_code(phone: str) -> str:
    """The code in the last text message written to the SMS outbox for `phone` (what the
    person would read on their phone)."""
    import re

    from backend.accounts.sms import unseal
    from backend.accounts.tables import SmsMessage

    row = (
        await SmsMessage.select(SmsMessage.body)
        .where((SmsMessage.phone == phone) & (SmsMessage.body != ""))
        .order_by(SmsMessage.id, ascending=False)
        .first()
    )
    assert row is not None, f"no text message to {phone}"
    found = re.search(r"\b(\d{6})\b", unseal(row["body"]))
    assert found is not None
    return found.group(1)


async def prove_phone(client: Client, phone: str) -> None:
    """The signed-in citizen types back the code sent to their phone."""
    r = await post_form(client, "/verify-phone", code=await sms_code(phone), next="/")
    assert r.status_code == 303, r.text


async def register(
    client: Client, phone: str | None = None, name: str = "Lê Văn Test", *, prove: bool = True
) -> str:
    """A signed-in citizen through the real registration form, who then types back the code
    sent to the phone (unless `prove` is False); returns the phone number."""
    phone = phone or new_phone()
    # Tests register many people from a few addresses: the per-address limit on sending codes
    # is tested on its own (tests/accounts/test_phone_codes.py).
    await ratelimit.reset_prefix("sms-ip", "")
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
    if prove:
        await prove_phone(client, phone)
    return phone


async def user_by_login(login: str) -> CurrentUser:
    row = await User.select().where(User.login == login).first()
    assert row is not None, login
    return CurrentUser.from_row(row)


async def make_user(role: Role, login: str, agency: str | None = None, **extra: Any) -> CurrentUser:
    """A user row written directly (no password: this person never signs in), or the one a
    previous call made with this login."""
    row = await User.select().where(User.login == login).first()
    if row is None:
        agency_id = None
        if agency:
            agency_row = await Agency.select(Agency.id).where(Agency.code == agency).first()
            assert agency_row is not None
            agency_id = agency_row["id"]
        user = User(
            login=login,
            password_hash=PLACEHOLDER_HASH,
            full_name=f"Người thử {login}",
            role=role.value,
            phone=login if role is Role.CITIZEN else None,
            agency=agency_id,
            created_at=utcnow(),
            **extra,
        )
        await user.save()
        row = await User.select().where(User.id == user.id).first()
        assert row is not None
    return CurrentUser.from_row(row)


async def make_citizen() -> CurrentUser:
    return await make_user(Role.CITIZEN, new_phone())


# --- databases of their own (migration tests) --------------------------------------------------


async def sql(url: str, statement: str, *, foreign_keys: bool = False) -> list[tuple[Any, ...]]:
    """One statement on the database at `url` (a SQLite file or PostgreSQL), outside the app's
    engine; `foreign_keys` turns SQLite's reference checks on (PostgreSQL always has them)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            if foreign_keys:
                db.execute("PRAGMA foreign_keys = ON")
            return [tuple(r) for r in db.execute(statement).fetchall()]
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [tuple(r) for r in await conn.fetch(statement)]
    finally:
        await conn.close()


def run_python(url: str, var_dir: Path, script: str, *args: str) -> None:
    """`script` in a child process on the database at `url`, with `var_dir` as VAR_DIR; it must
    succeed. (Piccolo chooses its engine once per process, from DATABASE_URL.)"""
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(var_dir)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
