"""The persistent-connection SQLite engine (backend/lib/sqlite_engine.py), on a real file.

Each test has an engine of its own on a file in its temporary folder, and a table bound to it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from piccolo.columns import Date, Integer, Timestamptz, Varchar
from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table, create_table_class

from backend.lib.sqlite_engine import PooledSQLiteEngine, is_read


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[PooledSQLiteEngine]:
    engine = PooledSQLiteEngine(path=str(tmp_path / "engine.sqlite3"), readers=3, timeout=10)
    await engine.run_ddl("CREATE TABLE thing (id INTEGER PRIMARY KEY, name VARCHAR, n INTEGER)")
    yield engine
    await engine.close()


@pytest.fixture
def thing(engine: PooledSQLiteEngine) -> type[Table]:
    return create_table_class(
        "Thing",
        class_kwargs={"db": engine, "tablename": "thing"},
        class_members={"name": Varchar(), "n": Integer()},
    )


async def test_reads_reuse_their_connections(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    await thing.insert(thing(name="a", n=1))
    for _ in range(50):
        assert await thing.select(thing.name).where(thing.n == 1) == [{"name": "a"}]
    await asyncio.gather(*(thing.count() for _ in range(30)))
    # The writer and at most the configured readers, however many queries ran.
    assert engine.connections_opened <= 1 + engine.readers


async def test_piccolo_types_survive(engine: PooledSQLiteEngine, tmp_path: Path) -> None:
    dated = create_table_class(
        "Dated",
        class_kwargs={"db": engine, "tablename": "dated"},
        class_members={"day": Date(), "at": Timestamptz()},
    )
    await dated.create_table()
    moment = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    await dated.insert(dated(day=date(2025, 3, 4), at=moment))
    rows = await dated.select(dated.day, dated.at)
    assert rows == [{"day": date(2025, 3, 4), "at": moment}]
    assert await engine.run_querystring(QueryString("PRAGMA foreign_keys")) == [{"foreign_keys": 1}]
    assert await engine.run_querystring(QueryString("PRAGMA journal_mode")) == [
        {"journal_mode": "wal"}
    ]


async def test_a_write_outside_a_transaction_is_seen_by_the_next_read(
    thing: type[Table],
) -> None:
    for i in range(20):
        await thing.insert(thing(name=f"t{i}", n=i))
        assert await thing.count() == i + 1
        await thing.update({thing.n: thing.n + 100}).where(thing.name == f"t{i}")
        assert await thing.select(thing.n).where(thing.name == f"t{i}").first() == {"n": i + 100}
    await thing.delete().where(thing.n >= 110)
    assert await thing.count() == 10


async def test_readers_go_on_while_a_transaction_holds_the_writer(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    inside, done = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await thing.insert(thing(name="new", n=1))
            assert await thing.count() == 1  # the transaction reads its own write
            inside.set()
            await done.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    # Readers outside the transaction see the last committed state, without waiting.
    counts = await asyncio.wait_for(asyncio.gather(*(thing.count() for _ in range(20))), 5)
    assert counts == [0] * 20
    done.set()
    await task
    assert await thing.count() == 1


async def test_a_failed_transaction_rolls_back(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    with pytest.raises(RuntimeError):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await thing.insert(thing(name="lost", n=1))
            async with engine.transaction():  # nested: joins the outer one
                await thing.insert(thing(name="lost too", n=2))
            raise RuntimeError("boom")
    assert await thing.count() == 0
    # The writer was given back, clean: the next transaction commits.
    async with engine.transaction():
        await thing.insert(thing(name="kept", n=3))
    assert await thing.select(thing.name) == [{"name": "kept"}]


async def test_a_cancelled_transaction_rolls_back_and_frees_the_writer(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    inside = asyncio.Event()

    async def stuck() -> None:
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await thing.insert(thing(name="lost", n=1))
            inside.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(stuck())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(thing.insert(thing(name="after", n=2)), 5)
    assert await thing.select(thing.name) == [{"name": "after"}]


async def test_concurrent_write_transactions_are_serialised(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    await thing.insert(thing(name="counter", n=0))

    async def increment() -> None:
        # Read, yield to the others, write: only correct if nobody else is in between.
        async with engine.transaction(transaction_type=TransactionType.immediate):
            row = await thing.select(thing.n).where(thing.name == "counter").first()
            await asyncio.sleep(0)
            await thing.update({thing.n: row["n"] + 1}).where(thing.name == "counter")

    await asyncio.gather(*(increment() for _ in range(50)), *(thing.count() for _ in range(50)))
    assert await thing.select(thing.n).first() == {"n": 50}


_OTHER_PROCESS = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO thing (name, n) VALUES ('other', 1)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


async def test_another_process_holding_the_write_lock_is_waited_for(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    await thing.count()  # our connections are open (and the file in WAL) before it starts
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _OTHER_PROCESS, engine.path, "0.8", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert other.stdout is not None
        assert await asyncio.wait_for(other.stdout.readline(), 10) == b"locked\n"
        # Reads go on while the other process writes (WAL).
        assert await thing.count() == 0
        started = time.monotonic()
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await thing.insert(thing(name="ours", n=2))
        assert time.monotonic() - started > 0.3  # it waited (busy timeout), it did not fail
    finally:
        assert await asyncio.wait_for(other.wait(), 10) == 0
    names = await thing.select(thing.name).order_by(thing.n)
    assert names == [{"name": "other"}, {"name": "ours"}]


async def test_statements_that_may_write_go_to_the_writer(engine: PooledSQLiteEngine) -> None:
    assert is_read("SELECT 1") and is_read("  (select 1)") and is_read("EXPLAIN QUERY PLAN x")
    for sql in ("INSERT INTO t VALUES (1)", "WITH x AS (SELECT 1) DELETE FROM t", "PRAGMA x=1"):
        assert not is_read(sql)
    # Readers are query_only: these would fail there.
    await engine.run_querystring(QueryString("PRAGMA user_version = 7"))
    await engine.run_ddl("CREATE INDEX thing_n ON thing (n)")
    assert await engine.run_querystring(QueryString("PRAGMA user_version")) == [{"user_version": 7}]


def test_each_event_loop_has_its_own_connections(tmp_path: Path) -> None:
    engine = PooledSQLiteEngine(path=str(tmp_path / "loops.sqlite3"), readers=2, timeout=10)

    async def use() -> int:
        await engine.run_ddl("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
        await engine.run_querystring(QueryString("INSERT INTO t VALUES (1)"))
        rows = await engine.run_querystring(QueryString("SELECT count(*) AS c FROM t"))
        return int(rows[0]["c"])

    # Loops one after the other (asyncio.run closes each) and one on another thread at once.
    assert asyncio.run(use()) == 1
    assert asyncio.run(use()) == 2
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(use())))
    thread.start()
    thread.join(10)
    assert result == [3]
    # The connections of the closed loops were stopped when a new loop came.
    assert len(engine._pools) == 1

    async def last() -> int:
        n = await use()
        await engine.close()
        return n

    assert asyncio.run(last()) == 4
    assert engine._pools == {}


async def test_a_task_that_outlives_its_transaction_cannot_use_the_writer(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    go = asyncio.Event()

    async def late() -> int:
        await go.wait()
        return await thing.count()

    async with engine.transaction():
        task = asyncio.create_task(late())  # inherits the transaction's context
    go.set()
    with pytest.raises(sqlite3.ProgrammingError):
        await task


async def test_quick_reads_run_on_the_loops_own_thread(
    engine: PooledSQLiteEngine, thing: type[Table]
) -> None:
    await thing.insert(thing(name="a", n=1))
    for _ in range(20):
        assert await thing.select(thing.name).where(thing.n == 1) == [{"name": "a"}]
    pool = engine.local_connections()
    assert pool.inline is not None
    assert pool.opened == [pool.writer], "no reader thread was needed"


async def _fill(engine: PooledSQLiteEngine, rows: int) -> None:
    await engine.run_ddl("CREATE TABLE big (n INTEGER)")
    async with engine.transaction():
        for start in range(0, rows, 500):
            values = ", ".join(f"({n})" for n in range(start, start + 500))
            await engine.run_ddl(f"INSERT INTO big (n) VALUES {values}")


async def test_a_slow_read_goes_to_a_reader_without_stalling_the_loop(
    engine: PooledSQLiteEngine,
) -> None:
    """A read that outlasts the budget is stopped on the loop's thread and run again on a
    reader's: other requests keep being served meanwhile, and the next time it goes there
    directly."""
    await _fill(engine, 3000)
    slow = "SELECT COUNT(*) AS n FROM big a, big b WHERE a.n + b.n > 10"  # 9 million pairs
    gaps: list[float] = []

    async def ticking(stop: asyncio.Event) -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    stop = asyncio.Event()
    ticker = asyncio.create_task(ticking(stop))
    started = time.perf_counter()
    rows = await engine.run_querystring(QueryString(slow))
    took = time.perf_counter() - started
    stop.set()
    await ticker
    assert rows == [{"n": 3000 * 3000 - sum(1 for a in range(11) for b in range(11 - a))}]
    assert took > 0.05, "the query must be slow for this test to mean anything"
    assert max(gaps) < 0.05, f"the loop stalled {max(gaps):.3f} s during a {took:.2f} s read"
    pool = engine.local_connections()
    assert slow in pool.slow and len(pool.opened) == 2  # the writer and one reader
