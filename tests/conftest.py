"""Test setup: a fresh database per run, migrated with the real migrations, with demo data.

The configuration is set before the app is imported. `TEST_DATABASE_URL` selects PostgreSQL
(scripts/test.sh sets it for the second leg); otherwise a SQLite file in a temporary folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="motcua-test-"))
os.environ["VAR_DIR"] = str(_TMP)
_PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Each PostgreSQL run gets a database of its own, created from the server named by
# TEST_DATABASE_URL and dropped at the end, so two runs on one machine never collide.
_PG_DB = f"motcua_test_{os.getpid()}"
os.environ["DATABASE_URL"] = (
    _PG_URL.rsplit("/", 1)[0] + "/" + _PG_DB if _PG_URL else f"sqlite:///{_TMP}/test.sqlite3"
)
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# Cheap argon2 parameters: every sign-in would otherwise cost ~0.26 s (tests/accounts keeps one
# test on the production parameters).
os.environ["PASSWORD_HASH_COST"] = "test"
os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"

from collections.abc import AsyncIterator, Iterator  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import pytest  # noqa: E402
from litestar import Litestar  # noqa: E402

from backend.settings import get_settings  # noqa: E402
from tests.helpers import Client, another_client, sql  # noqa: E402

if TYPE_CHECKING:
    from tests.dossiers.factory import Factory

ENGINE = "sqlite" if get_settings().is_sqlite else "postgres"


def pytest_report_header() -> str:
    return f"database: {ENGINE} ({get_settings().database_url})"


async def _postgres_database(create: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(_PG_URL)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_PG_DB} WITH (FORCE)")
        if create:
            await conn.execute(f"CREATE DATABASE {_PG_DB}")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[None]:
    """Migrated once per run with the real migrations, then loaded with the demo data."""
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.engine.postgres import PostgresEngine

    from backend import wiring
    from backend.demo.__main__ import load
    from backend.piccolo_conf import DB

    wiring.connect()
    settings = get_settings()
    if not settings.is_sqlite:
        await _postgres_database(create=True)
    result = await run_forwards("all")
    assert result.success, result.message
    if isinstance(DB, PostgresEngine):
        await DB.start_connection_pool(min_size=1, max_size=20)
    else:
        from backend.catalog.tables import Agency

        await Agency.raw("PRAGMA journal_mode=WAL")
    await load(settings.province)
    yield
    if isinstance(DB, PostgresEngine):
        await DB.close_connection_pool()
        await _postgres_database(create=False)


@pytest.fixture(scope="session")
def app(database: None) -> Litestar:
    from backend.app import create_app

    return create_app()


@pytest.fixture(autouse=True)
async def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """Every test starts with no counted attempts (all test requests come from one address)."""
    if "database" not in request.fixturenames:
        return
    from backend.accounts import ratelimit_buffered
    from backend.accounts.tables import RateLimitCounter

    await RateLimitCounter.delete(force=True)
    ratelimit_buffered.counter.forget()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    """Real HTTP through the ASGI app, in the test's own event loop.

    (Litestar's AsyncTestClient runs the app on a portal thread with another loop, which an
    asyncpg pool created in this loop cannot serve.) The database lifespan is the session
    fixture's, so the app's own lifespan is not run here.
    """
    async with another_client(app, "203.0.113.7", 50000) as c:
        yield c


class Clock:
    """The one fake clock: `clock.now = moment` moves `backend.lib.clock.utcnow()` for every
    module at once; the real time comes back after the test."""

    @property
    def now(self) -> datetime:
        from backend.lib.clock import utcnow

        return utcnow()

    @now.setter
    def now(self, moment: datetime) -> None:
        from backend.lib.clock import travel_to

        travel_to(moment)


@pytest.fixture
def clock() -> Iterator[Clock]:
    from backend.lib.clock import travel_to

    yield Clock()
    travel_to(None)


@pytest.fixture(scope="module")
async def factory(database: None) -> Factory:
    """Dossiers in any workflow state (tests/dossiers/factory.py), with citizens of their own
    for each test module."""
    from tests.dossiers.factory import Factory

    return await Factory().setup()


@pytest.fixture
def engine_name() -> str:
    return ENGINE


@pytest.fixture
async def empty_database(tmp_path: Path) -> AsyncIterator[str]:
    """A database URL of this run's engine, with nothing in it (a SQLite file, or a database of
    its own on the PostgreSQL server), for the migration tests."""
    if ENGINE == "sqlite":
        yield f"sqlite:///{tmp_path / 'migration.sqlite3'}"
        return
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"motcua_migration_{os.getpid()}"
    admin = f"{server}/postgres"
    await sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await sql(admin, f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        await sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    # Database tests need the session fixture even when they only call services.
    for item in items:
        if "tests/lib/" not in str(item.fspath) and "database" not in item.fixturenames:
            item.fixturenames.insert(0, "database")
