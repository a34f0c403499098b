"""Database helpers that hide the differences between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from backend.piccolo_conf import DB


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
