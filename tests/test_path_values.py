"""Malformed path values answer 404/400, never 500, on both engines (issue 11, item 8)."""

from __future__ import annotations

import pytest

from tests.helpers import Client, register

HUGE = "9223372036854775808"  # past 64 bits
PATHS = [
    f"/api/v1/procedures/{HUGE}",
    f"/procedures/{HUGE}",
    f"/dossiers/{HUGE}/receipt",
    f"/dossiers/{HUGE}",
    "/procedures/2147483648",  # past PostgreSQL's 32-bit ids
    f"/dossiers/{HUGE}/files/{HUGE}",
    f"/staff/dossiers/{HUGE}",
    "/procedures/-5",
    "/procedures/1e9",
    "/procedures/%00",
    f"/api/v1/dossiers/{'9' * 300}",
]


@pytest.mark.parametrize("path", PATHS)
async def test_no_path_value_fails_the_server(client: Client, path: str) -> None:
    await register(client)
    r = await client.get(path, follow_redirects=False)
    assert r.status_code in (400, 404), (path, r.status_code, r.text[:200])
