"""Helpers for the administration pages' tests (every domain's admin pages): the demo
administrator, forms, field errors, and the fixtures the conftests of tests/accounts and
tests/catalog (and tests/postal/test_admin.py) import."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from tests.helpers import Client, another_client, csrf, sign_in_admin, soup

MSG_FORBIDDEN = "Bạn không có quyền xem trang này."

_logins = itertools.count(1)


_MARK = f"{os.getpid()}x"


def new_login(prefix: str = "cb") -> str:
    """A staff login no other test uses; removed again after the test (see `_forget_staff`)."""
    return f"{prefix}{_MARK}{next(_logins)}"


@pytest.fixture(autouse=True)
async def _forget_staff() -> AsyncIterator[None]:
    """The accounts a test made leave with it: other tests pick staff by role and agency."""
    yield
    from backend.accounts.tables import User

    await User.delete().where(User.login.like(f"%{_MARK}%"))


async def post_form(client: Client, url: str, **form: str) -> httpx.Response:
    return await client.post(
        url, data={"_csrf_token": await csrf(client), **form}, follow_redirects=False
    )


def field_errors(html: str) -> dict[str, str]:
    """{field name: message} for every field shown with an error beside it."""
    out = {}
    for box in soup(html).select(".field.has-error"):
        message = box.select_one(".error")
        assert message is not None
        control = box.select_one("input, select, textarea")
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


@pytest.fixture
async def admin(client: Client) -> Client:
    await sign_in_admin(client)
    return client


@pytest.fixture
async def other_client(app: Litestar) -> AsyncIterator[Client]:
    """A second browser, for the staff member an administrator manages."""
    async with another_client(app, "203.0.113.8", 50001) as c:
        yield c


@pytest.fixture
async def post_office_id() -> int:
    """The demo's fallback post office (BD-NB), for postal workers' accounts."""
    from backend.catalog.tables import PostOffice

    row = await PostOffice.select(PostOffice.id).where(PostOffice.code == "BD-NB").first()
    assert row is not None
    return int(row["id"])
