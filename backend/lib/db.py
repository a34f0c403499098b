"""Database helpers that hide the differences between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from backend.piccolo_conf import DB

# Row ids are 32-bit integers (PostgreSQL's serial; SQLite stops at 64 bits): a larger id in a
# path finds nothing, and must say so instead of failing in the database driver.
MAX_ID = 2**31 - 1


def write_transaction() -> Any:
    """A transaction for read-then-write work.

    On SQLite it takes the write lock at BEGIN (BEGIN IMMEDIATE): a deferred transaction that
    reads and then writes fails with "database is locked" when another writer got in between.
    PostgreSQL's row locks and unique constraints do that job there.
    """
    if isinstance(DB, SQLiteEngine):
        return DB.transaction(transaction_type=TransactionType.immediate)
    return DB.transaction()


def is_unique_violation(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "unique" in text or "uniqueviolation" in text


@asynccontextmanager
async def database_pool(max_size: int = 2) -> AsyncIterator[None]:
    """A connection pool for a command-line run on PostgreSQL (SQLite needs none)."""
    if isinstance(DB, PostgresEngine):
        await DB.start_connection_pool(min_size=1, max_size=max_size)
    try:
        yield
    finally:
        if isinstance(DB, PostgresEngine):
            await DB.close_connection_pool()


async def is_referenced(table: type[Table], row_id: int) -> bool:
    """Whether a row of any other table points at this one (a dossier's page at a required
    document, say), found through the foreign keys declared on the tables, so that the owner
    of `table` need not know who refers to it."""
    for fk in table._meta.foreign_key_references:
        if await fk._meta.table.exists().where(fk == row_id):
            return True
    return False
