from tests.conftest import ENGINE
from tests.helpers import Client


async def test_healthz_reports_database(client: Client) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": True}


async def test_anonymous_visit_stores_no_session(client: Client) -> None:
    from backend.accounts.tables import AuthSession

    before = await AuthSession.count()
    for path in ("/", "/procedures?q=khai+sinh", "/login", "/track"):
        r = await client.get(path)
        assert r.status_code == 200
        assert "mc_session" not in r.cookies
    assert await AuthSession.count() == before, ENGINE
