"""The notifications migration of 2026-12-05, forwards, on a database that has data.

A fresh database of this run's engine (SQLite file, or a database of its own on the
PostgreSQL server) is migrated up to the migration before it, rows are written as the old
schema allowed, then the migration runs. Afterwards: every row and id is kept, outbox rows
still point at their device (on SQLite the table is rebuilt), two accounts may hold one
endpoint, one account may not hold it twice, and the new indexes exist.

Migrations run in a child process: Piccolo's engine is chosen once per process, from
DATABASE_URL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.helpers import run_python, sql

NEW = "2026-12-05T00:33:13:887684"
BEFORE = "2026-11-29T21:08:30:291675"
INDEXES = {
    "notification_recipient",
    "notification_dossier",
    "notification_preference_user",
    "outbox_item_notification",
    "outbox_item_subscription",
    "push_subscription_endpoint",
    "push_subscription_user_endpoint",
}

# Up to notifications' migration BEFORE (and the apps it depends on), or just the new one.
MIGRATE = """
import asyncio, sys
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards

async def main(upto):
    apps = BaseMigrationManager().get_sorted_app_names()
    for app in apps[: apps.index("notifications")] if upto != "all" else []:
        assert (await run_forwards(app)).success, app
    result = await run_forwards("notifications", migration_id=upto)
    assert result.success, result.message

asyncio.run(main(sys.argv[1]))
"""

ROWS = [
    "INSERT INTO app_user (id, login, role) VALUES (901, 'm901', 'citizen'), "
    "(902, 'm902', 'citizen')",
    "INSERT INTO notification (id, recipient, kind, title) VALUES (1, 901, 'dossier.accept', "
    "'Một'), (2, 902, 'dossier.accept', 'Hai')",
    'INSERT INTO push_subscription (id, "user", endpoint, p256dh, auth) VALUES '
    "(11, 901, 'https://fcm.googleapis.com/fcm/send/a', 'p1', 'a1'), "
    "(12, 902, 'https://fcm.googleapis.com/fcm/send/b', 'p2', 'a2')",
    "INSERT INTO outbox_item (id, notification, subscription, state) VALUES "
    "(21, 1, 11, 'pending'), (22, 2, 12, 'sent'), (23, 1, NULL, 'gone')",
]


async def _sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    """With SQLite's reference checks on: the rebuilt table must keep its references."""
    return await sql(url, statement, foreign_keys=True)


async def _indexes(url: str) -> set[str]:
    if url.startswith("sqlite:///"):
        rows = await _sql(url, "SELECT name FROM sqlite_master WHERE type = 'index'")
    else:
        rows = await _sql(url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    return {r[0] for r in rows}


async def test_forwards_keeps_rows_and_pointers_and_allows_one_endpoint_per_account(
    empty_database: str, tmp_path: Path
) -> None:
    url = empty_database
    run_python(url, tmp_path, MIGRATE, BEFORE)
    for statement in ROWS:
        await _sql(url, statement)
    assert not INDEXES & await _indexes(url)

    run_python(url, tmp_path, MIGRATE, "all")

    assert await _sql(
        url, 'SELECT id, "user", endpoint, p256dh, auth FROM push_subscription ORDER BY id'
    ) == [
        (11, 901, "https://fcm.googleapis.com/fcm/send/a", "p1", "a1"),
        (12, 902, "https://fcm.googleapis.com/fcm/send/b", "p2", "a2"),
    ]
    assert await _sql(url, "SELECT id, subscription, state FROM outbox_item ORDER BY id") == [
        (21, 11, "pending"),
        (22, 12, "sent"),
        (23, None, "gone"),
    ]
    assert await _indexes(url) >= INDEXES

    # A second account on the first one's browser: a row of its own.
    await _sql(
        url,
        'INSERT INTO push_subscription (id, "user", endpoint, p256dh, auth) VALUES '
        "(13, 902, 'https://fcm.googleapis.com/fcm/send/a', 'p3', 'a3')",
    )
    # The same account twice on one endpoint: refused by the unique index.
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await _sql(
            url,
            'INSERT INTO push_subscription (id, "user", endpoint, p256dh, auth) VALUES '
            "(14, 902, 'https://fcm.googleapis.com/fcm/send/a', 'p4', 'a4')",
        )
    # The rebuilt table is still the outbox's parent: removing a device lets go of its rows.
    await _sql(url, "DELETE FROM push_subscription WHERE id = 11")
    assert await _sql(url, "SELECT subscription FROM outbox_item WHERE id = 21") == [(None,)]
    # And an account's removal still takes its devices along.
    await _sql(url, "DELETE FROM outbox_item")
    await _sql(url, "DELETE FROM notification")
    await _sql(url, "DELETE FROM app_user WHERE id = 902")
    assert await _sql(url, "SELECT id FROM push_subscription") == []
