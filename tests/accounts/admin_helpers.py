"""The administration pages' fixtures (every domain's admin pages: the conftests of
tests/accounts and tests/catalog, and tests/postal/test_admin.py, import them): the demo
administrator's browser, a second browser, staff logins removed after the test."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from tests.helpers import Client, another_client, sign_in_admin

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
