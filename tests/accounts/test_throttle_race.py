"""Limits that parallel requests cannot race past (issue 11, items 2 and 13a).

Every attempt is counted by one atomic upsert before the slow password check, so 25 wrong
passwords sent at once for one login from one address are checked at most 5 times, and 100
public lookups at once through two app instances answer at most the limit.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar

from backend.access.roles import Role
from backend.accounts import passwords, services
from backend.app import create_app
from backend.dossiers import tracking
from tests.helpers import Client, another_client, new_phone

PASSWORD = "matkhau-an-toan"


async def test_twenty_five_parallel_wrong_passwords_are_checked_at_most_five_times(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = new_phone()
    await services.create_user(
        role=Role.CITIZEN, login=phone, password=PASSWORD, full_name="Người Thử"
    )
    checked: list[str] = []
    real = passwords.matches

    def counting(stored: str | None, secret: str) -> bool:
        checked.append(secret)
        return real(stored, secret)

    monkeypatch.setattr(passwords, "matches", counting)
    monkeypatch.setattr(services, "MAX_DELAY_SECONDS", 0.0)
    async with another_client(app, "192.0.2.25") as c:
        answers = await asyncio.gather(
            *(
                c.post("/api/v1/auth/token", json={"login": phone, "password": f"sai-{i}-xyz"})
                for i in range(25)
            )
        )
    codes = [a.status_code for a in answers]
    assert len(checked) <= services.MAX_FAILURES_PER_LOGIN, codes
    assert codes.count(429) >= 25 - services.MAX_FAILURES_PER_LOGIN
    assert set(codes) <= {400, 401, 422, 429}


async def test_a_hundred_parallel_lookups_through_two_servers_stay_within_the_limit(
    app: Litestar,
) -> None:
    second = create_app()  # another app process sharing the database
    ip = "192.0.2.100"
    async with another_client(app, ip) as one, another_client(second, ip) as two:
        answers = await asyncio.gather(
            *(
                (one if i % 2 else two).get(
                    "/api/v1/track", params={"code": f"KHONG-CO-{i}", "phone": "0912345678"}
                )
                for i in range(100)
            )
        )
    codes = [a.status_code for a in answers]
    assert codes.count(404) <= tracking.TRACK_LIMIT_PER_IP, codes
    assert codes.count(429) >= 100 - tracking.TRACK_LIMIT_PER_IP
    assert set(codes) <= {404, 429}


async def test_the_owner_is_slowed_not_locked_by_failures_from_elsewhere(
    app: Litestar, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone guessing from another address cannot lock the owner out: each try of the login
    waits a little longer (capped), and the owner's own address still gets in."""
    delays: list[float] = []

    async def no_wait(seconds: float, result: Any = None) -> Any:
        delays.append(seconds)
        return result

    monkeypatch.setattr(services.asyncio, "sleep", no_wait)
    phone = new_phone()
    await services.create_user(
        role=Role.CITIZEN, login=phone, password=PASSWORD, full_name="Chủ Tài Khoản"
    )
    for n in range(6):
        async with another_client(app, f"198.51.100.{n + 1}") as attacker:
            for _ in range(services.MAX_FAILURES_PER_LOGIN):
                await attacker.post(
                    "/api/v1/auth/token", json={"login": phone, "password": "x" * 9}
                )
    r = await client.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert delays and max(delays) <= services.MAX_DELAY_SECONDS
    assert delays == sorted(delays)
