"""Piccolo's SQLite engine with connections kept open: one writer and a few readers per process.

Piccolo's `SQLiteEngine` opens a new aiosqlite connection (and its thread) for every query run
outside a transaction: ~1.2 ms per indexed SELECT, against ~0.3 ms on an open connection.
Piccolo 1.x offers no pooled SQLite engine, so this subclass keeps, per process and event loop:

- one *writer* connection. Every transaction runs on it, and so does every statement outside a
  transaction that is not a plain read (INSERT, UPDATE, DELETE, DDL, PRAGMA, a CTE or any raw SQL
  of unknown nature). An asyncio.Lock held for the whole transaction serialises them: SQLite
  allows one writer at a time anyway, and waiting on a Python lock costs nothing, where SQLite's
  busy handler sleeps and polls. Waiting for the lock is bounded by the same `timeout` as
  SQLite's busy handler and fails with the same "database is locked", so that code which, inside
  a transaction, awaits another task's write fails as before instead of hanging.
- a few *reader* connections (`PRAGMA query_only`: a write misrouted to a reader fails loudly)
  for SELECT and EXPLAIN outside a transaction. In WAL mode they read the last committed state
  while the writer writes. Inside a transaction every query goes to the transaction's connection
  (Piccolo's `current_transaction` contextvar), so a transaction always reads its own writes.

Every connection keeps Piccolo's settings (dict rows, `detect_types` for its date, timestamp and
JSON converters, autocommit outside BEGIN, `foreign_keys=ON`) and adds `synchronous=NORMAL`
(safe in WAL: a power cut may lose the last commits, never corrupt the file) and the busy
`timeout`, since other processes (a second granian worker, `python -m` commands, the migration
CLI) still compete for SQLite's write lock. The writer sets `journal_mode=WAL` (kept in the file).

Connections belong to the event loop that opened them (an aiosqlite connection answers on the
loop that awaited it), so they are kept per (process, running loop), opened lazily, and closed by
`close()` (the app's shutdown). Their threads are daemon threads: connections left behind by a
loop that ended without `close()` (a test session, an `asyncio.run` command) must not keep the
process alive at exit; those of a closed loop are stopped when a new loop opens its own.

Queries run as one `execute_fetchall` call on the connection's thread, so no cursor stays open
between awaits (an open statement would pin a reader to an old snapshot). Needs SQLite >= 3.35
(RETURNING), which Piccolo uses for inserts.

Quick reads run on the event loop's own thread. Handing a query to a connection's thread and
back costs more than the query itself for an indexed SELECT (~0.25 ms against ~0.02 ms), and
with many requests at once the threads fight the loop for the GIL: the public lookup served
one-fifth of what the same SQL does on a plain connection (issue 14). So a read outside a
transaction first runs on one plain `sqlite3` connection of the loop's thread, under a budget:
SQLite's progress handler stops it after `INLINE_BUDGET` virtual-machine steps (a millisecond or
two; counted in steps, not seconds, so that a busy machine pausing the process does not send
quick reads away), so the loop never stalls long, and
a busy database stops it at once (no busy wait on the loop). A stopped read, which changed
nothing, runs again on a reader's thread, and its SQL is remembered as slow (up to
`SLOW_REMEMBERED` statements) so that it goes there directly next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections import OrderedDict
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)
from piccolo.querystring import QueryString

# Statements a reader may run; anything else goes to the writer (a CTE may end in an INSERT).
_READ_PREFIXES = ("SELECT", "EXPLAIN")


# SQLite steps (in thousands) a read may take on the loop's thread before it is handed to a
# reader's thread: about 1-2 ms on this machine.
INLINE_BUDGET = 100
SLOW_REMEMBERED = 512


def is_read(sql: str) -> bool:
    return sql.lstrip(" \t\r\n(").upper().startswith(_READ_PREFIXES)


async def _fetch(connection: aiosqlite.Connection, sql: str, args: list[Any]) -> list[Any]:
    # One call on the connection's thread: execute and fetch all, the statement is then done.
    rows: list[Any] = await connection.execute_fetchall(sql, args)  # type: ignore[assignment]
    return rows


class _Connections:
    """The connections of one process and event loop."""

    def __init__(self, engine: PooledSQLiteEngine, loop: asyncio.AbstractEventLoop) -> None:
        self.engine = engine
        self.loop = loop
        self.write_lock = asyncio.Lock()
        self.writer: aiosqlite.Connection | None = None
        self.idle: list[aiosqlite.Connection] = []
        self.reader_slots = asyncio.Semaphore(engine.readers)
        self.opened: list[aiosqlite.Connection] = []
        self.inline: sqlite3.Connection | None = None
        self.steps = 0
        self.slow: OrderedDict[str, None] = OrderedDict()

    def _open_inline(self) -> sqlite3.Connection:
        kwargs = {**self.engine.connection_kwargs, "timeout": 0, "check_same_thread": True}
        connection = sqlite3.connect(**kwargs)
        connection.row_factory = dict_factory
        for pragma in ("foreign_keys = ON", "query_only = ON"):
            connection.execute(f"PRAGMA {pragma}")
        connection.set_progress_handler(self._step, 1000)
        return connection

    def _step(self) -> bool:
        # Called every 1,000 SQLite steps: a true answer interrupts the statement.
        self.steps += 1
        return self.steps > INLINE_BUDGET

    def read_inline(self, sql: str, args: list[Any]) -> list[Any] | None:
        """The rows, or None when the read must go to a reader's thread."""
        if sql in self.slow:
            return None
        if self.inline is None:
            self.inline = self._open_inline()
        self.steps = 0
        try:
            return self.inline.execute(sql, args).fetchall()
        except sqlite3.OperationalError as e:
            text = str(e)
            if "interrupted" not in text and "locked" not in text and "busy" not in text:
                raise
            if "interrupted" in text:
                self.slow[sql] = None
                if len(self.slow) > SLOW_REMEMBERED:
                    self.slow.popitem(last=False)
            return None

    async def _open(self, *pragmas: str) -> aiosqlite.Connection:
        connection = aiosqlite.connect(**self.engine.connection_kwargs)
        connection._thread.daemon = True  # see the module's docstring
        await connection
        self.opened.append(connection)
        self.engine.connections_opened += 1
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in ("foreign_keys = ON", "synchronous = NORMAL", *pragmas):
            await connection.execute_fetchall(f"PRAGMA {pragma}")
        return connection

    async def take_writer(self) -> aiosqlite.Connection:
        try:
            async with asyncio.timeout(self.engine.timeout):
                await self.write_lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError(
                "database is locked (waited for this process's writer)"
            ) from None
        try:
            if self.writer is None:
                self.writer = await self._open("journal_mode = WAL")
        except BaseException:
            self.write_lock.release()
            raise
        return self.writer

    async def give_writer(self, clean: bool = True) -> None:
        try:
            if not clean and self.writer is not None:
                # A COMMIT or ROLLBACK failed or was cancelled: end whatever is left, so the
                # next holder's BEGIN does not fail. aiosqlite runs calls in order, so this
                # comes after anything still running on the connection's thread (and is queued
                # even if this await is cancelled).
                with contextlib.suppress(sqlite3.Error):
                    await self.writer.execute_fetchall("ROLLBACK")
        finally:
            self.write_lock.release()

    async def write(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        writer = await self.take_writer()
        try:
            return await _fetch(writer, sql, args)
        finally:
            await self.give_writer()

    async def read(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        if self.writer is None:
            # The writer first: it turns WAL on before readers come to depend on it.
            await self.take_writer()
            await self.give_writer()
        rows = self.read_inline(sql, args)
        if rows is not None:
            return rows
        async with self.reader_slots:
            connection = self.idle.pop() if self.idle else await self._open("query_only = ON")
            try:
                return await _fetch(connection, sql, args)
            finally:
                self.idle.append(connection)

    async def close(self) -> None:
        try:  # let a transaction in progress finish, but do not wait for ever at shutdown
            async with asyncio.timeout(5):
                await self.write_lock.acquire()
        except TimeoutError:
            pass
        for connection in self.opened:
            await connection.close()
        self.opened.clear()
        self.idle.clear()
        self.writer = None
        if self.inline is not None:
            self.inline.close()
            self.inline = None

    def stop(self) -> None:
        """Stop the threads of a closed loop's connections (their futures can't be awaited)."""
        for connection in self.opened:
            connection.stop()


class PooledTransaction(SQLiteTransaction):
    """Piccolo's transaction on the writer connection, held under the writer lock; nested
    transactions join the outer one as in Piccolo."""

    engine: PooledSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self._pool = self.engine.local_connections()
        self.connection = await self._pool.take_writer()
        try:
            await self.begin()
        except BaseException:
            await self._pool.give_writer(clean=False)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is not None:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            self.finished = True
            await self._pool.give_writer(clean=self._committed or self._rolled_back)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """See the module's docstring."""

    def __init__(self, path: str, readers: int = 3, timeout: float = 30.0, **kwargs: Any) -> None:
        if sqlite3.sqlite_version_info < (3, 35):
            raise RuntimeError("PooledSQLiteEngine needs SQLite 3.35 or newer (RETURNING)")
        super().__init__(path=path, timeout=timeout, **kwargs)
        self.readers = readers
        self.timeout = timeout
        self.connections_opened = 0  # for tests and benchmarks
        self._pools: dict[tuple[int, asyncio.AbstractEventLoop], _Connections] = {}

    def local_connections(self) -> _Connections:
        loop = asyncio.get_running_loop()
        key = (os.getpid(), loop)
        pool = self._pools.get(key)
        if pool is None:
            for old_key, old in list(self._pools.items()):
                if old_key[0] != key[0]:  # a forked child: the threads stayed in the parent
                    del self._pools[old_key]
                elif old.loop.is_closed():
                    old.stop()
                    del self._pools[old_key]
            pool = self._pools[key] = _Connections(self, loop)
        return pool

    async def close(self) -> None:
        """Close this process's connections on the running loop (the app's shutdown)."""
        pool = self._pools.pop((os.getpid(), asyncio.get_running_loop()), None)
        if pool is not None:
            await pool.close()

    async def _run(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        transaction = self.current_transaction.get()
        if transaction is not None:
            if getattr(transaction, "finished", False):
                # A task started inside a transaction that outlived it: the writer may now be
                # another transaction's (Piccolo would fail too: it closed the connection).
                raise sqlite3.ProgrammingError("query in the context of a finished transaction")
            return await _fetch(transaction.connection, sql, args)
        pool = self.local_connections()
        if is_read(sql):
            return await pool.read(sql, args)
        return await pool.write(sql, args)

    async def run_querystring(
        self, querystring: QueryString, in_pool: bool = False
    ) -> list[dict[str, Any]]:
        query_id = self.get_query_id()
        if self.log_queries:
            self.print_query(query_id=query_id, query=str(querystring))
        sql, args = querystring.compile_string(engine_type=self.engine_type)
        response = await self._run(sql, args)
        if self.log_responses:
            self.print_response(query_id=query_id, response=response)
        return response

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> list[dict[str, Any]]:
        query_id = self.get_query_id()
        if self.log_queries:
            self.print_query(query_id=query_id, query=ddl)
        response = await self._run(ddl, [])
        if self.log_responses:
            self.print_response(query_id=query_id, response=response)
        return response

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledTransaction:
        return PooledTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )
