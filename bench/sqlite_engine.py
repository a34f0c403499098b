"""Piccolo's SQLiteEngine (a connection per query) against PooledSQLiteEngine (kept open).

    .venv/bin/python bench/sqlite_engine.py [--queries 2000] [--requests 400] [--rounds 2]

1. An indexed SELECT through Piccolo (`Item.select().where(Item.code == c).first()` on 10,000
   rows), one at a time and 32 at a time, with each engine; for scale, the same statement on one
   persistent aiosqlite connection and on plain sqlite3.
2. Pages through the whole app in process (httpx over ASGI, no network): the catalog search and
   a procedure page on the demo data, one request at a time and 16 at a time, with each engine.

Runs alternate between the engines (old, new, old, new...) since the machine is noisy.
Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_TMP = Path(tempfile.mkdtemp(prefix="motcua-bench-sqlite-"))
# Before the app's modules read their settings.
os.environ["VAR_DIR"] = str(_TMP)
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP}/app.sqlite3"
os.environ["PICCOLO_CONF"] = "backend.piccolo_conf"
os.environ.setdefault("SECRET_KEY", "bench-secret-key")
os.environ["PUSH_SENDER_IN_APP"] = "0"

import aiosqlite  # noqa: E402
from piccolo.columns import Integer, Varchar  # noqa: E402
from piccolo.engine.sqlite import SQLiteEngine  # noqa: E402
from piccolo.table import Table, create_table_class  # noqa: E402

from backend.lib.sqlite_engine import PooledSQLiteEngine  # noqa: E402

ROWS = 10_000


def engines(path: str) -> dict[str, Any]:
    return {
        "old (SQLiteEngine)": SQLiteEngine(path=path, timeout=30),
        "new (PooledSQLiteEngine)": PooledSQLiteEngine(path=path, readers=3, timeout=30),
    }


async def timed(n: int, one: Callable[[int], Awaitable[Any]], concurrency: int) -> float:
    """Milliseconds per call of `one(i)`, `concurrency` calls in flight."""
    started = time.perf_counter()
    for start in range(0, n, concurrency):
        await asyncio.gather(*(one(i) for i in range(start, min(n, start + concurrency))))
    return (time.perf_counter() - started) * 1000 / n


async def select_bench(queries: int, rounds: int) -> None:
    path = str(_TMP / "select.sqlite3")
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, code VARCHAR, n INTEGER)")
    db.execute("CREATE UNIQUE INDEX item_code ON item (code)")
    db.executemany("INSERT INTO item (code, n) VALUES (?, ?)", [(f"C{i}", i) for i in range(ROWS)])
    db.commit()
    sql = "SELECT id, code, n FROM item WHERE code = ? LIMIT 1"

    results: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, engine in engines(path).items():
            item: Any = create_table_class(
                "Item",
                class_kwargs={"db": engine, "tablename": "item"},
                class_members={"code": Varchar(), "n": Integer()},
            )

            async def one(i: int, item: Any = item) -> None:
                row = await item.select().where(item.code == f"C{i % ROWS}").first()
                assert row is not None

            await timed(50, one, 1)  # warm up (and open the pooled connections)
            results.setdefault(f"{name}, 1 at a time", []).append(await timed(queries, one, 1))
            results.setdefault(f"{name}, 32 at a time", []).append(await timed(queries, one, 32))
            if isinstance(engine, PooledSQLiteEngine):
                await engine.close()

    async with aiosqlite.connect(path) as conn:

        async def raw(i: int) -> None:
            assert await conn.execute_fetchall(sql, (f"C{i % ROWS}",))

        results["one aiosqlite connection, raw SQL"] = [await timed(queries, raw, 1)]
    plain = sqlite3.connect(path)
    started = time.perf_counter()
    for i in range(queries):
        assert plain.execute(sql, (f"C{i % ROWS}",)).fetchall()
    results["plain sqlite3"] = [(time.perf_counter() - started) * 1000 / queries]

    print(f"Indexed SELECT by a unique code, {ROWS:,} rows, {queries:,} queries per run")
    print(f"{'':48} {'ms/query (median)':>18} {'queries/s':>10}")
    for label, figures in results.items():
        ms = statistics.median(figures)
        print(f"{label:48} {ms:18.3f} {1000 / ms:10,.0f}")


def use_engine(engine: Any, tables: list[type[Table]]) -> None:
    """Point every table, and every module that imported `DB`, at `engine`."""
    for table in tables:
        table._meta.db = engine
    for module in list(sys.modules.values()):
        if module and module.__name__.startswith("backend") and hasattr(module, "DB"):
            module.DB = engine


async def page_bench(requests: int, rounds: int) -> None:
    import httpx
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from backend import wiring
    from backend.app import create_app
    from backend.demo.__main__ import load
    from backend.piccolo_conf import APP_REGISTRY
    from backend.settings import get_settings

    for name in ("httpx", "piccolo"):  # a line per request, per engine otherwise
        logging.getLogger(name).setLevel(logging.WARNING)
    wiring.connect()
    with contextlib.redirect_stdout(io.StringIO()):  # the migrations' progress
        assert (await run_forwards("all")).success
    await load(get_settings().province)
    app = create_app()
    tables = [t for app in APP_REGISTRY.app_configs.values() for t in app.table_classes]
    path = str(get_settings().sqlite_path)
    transport = httpx.ASGITransport(app=app)
    pages = {"catalog search": "/procedures?q=khai+sinh", "procedure page": "/procedures/1"}
    results: dict[str, list[float]] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(rounds):
            for name, engine in engines(path).items():
                use_engine(engine, tables)
                for page, url in pages.items():

                    async def one(i: int, url: str = url) -> None:
                        response = await client.get(url)
                        assert response.status_code == 200, response.status_code

                    await timed(20, one, 1)
                    for concurrency in (1, 16):
                        ms = await timed(requests, one, concurrency)
                        key = f"{page}, {name}, {concurrency} at a time"
                        results.setdefault(key, []).append(1000 / ms)
                if isinstance(engine, PooledSQLiteEngine):
                    await engine.close()
    print(f"\nPages in process (httpx over ASGI, one event loop), {requests} requests per run")
    print(f"{'':64} {'req/s (median)':>14}")
    for label, figures in results.items():
        print(f"{label:64} {statistics.median(figures):14,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(select_bench(args.queries, args.rounds))
    asyncio.run(page_bench(args.requests, args.rounds))


if __name__ == "__main__":
    main()
