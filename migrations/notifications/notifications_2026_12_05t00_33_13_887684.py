"""Indexes on the notifications tables' foreign keys and filters; one push subscription per
endpoint per account.

Generated with `piccolo migrations new notifications --auto`, then completed by hand:

- `push_subscription.endpoint` stops being unique on its own (two accounts signed in on one
  browser each keep their row); a unique index on ("user", endpoint) takes its place. The
  existing rows satisfy it, since endpoints were unique.
- PostgreSQL drops the column's constraint with the generated ALTER TABLE. SQLite has no
  ALTER TABLE ... DROP CONSTRAINT: the table is rebuilt without it (raw step below), and the
  generated change then only adds the endpoint's index. The rebuild keeps every row and id,
  and the outbox rows' pointers to their device (dropping the old table sets them to NULL,
  ON DELETE SET NULL, so they are put back).
- Raw steps run before the generated ones (MigrationManager.run).

Forwards only: going back would need endpoints unique again, which the data may no longer be.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey, Text
from piccolo.engine import engine_finder

ID = "2026-12-05T00:33:13:887684"
VERSION = "1.38.0"
DESCRIPTION = "Indexes on foreign keys and filters; one push subscription per endpoint per account"

UNIQUE_INDEX = (
    "CREATE UNIQUE INDEX push_subscription_user_endpoint "
    'ON push_subscription ("user", endpoint)'
)
OLD_COLUMN = '"endpoint" TEXT UNIQUE NOT NULL'
NEW_COLUMN = '"endpoint" TEXT NOT NULL'


async def _sqlite_rebuild() -> None:
    """push_subscription without the UNIQUE on endpoint, same columns, rows and ids."""
    engine = engine_finder()
    assert engine is not None
    (table,) = await engine.run_ddl(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'push_subscription'"
    )
    create = str(table["sql"])
    if OLD_COLUMN not in create:
        raise RuntimeError(f"push_subscription is not as expected: {create}")
    create = create.replace(OLD_COLUMN, NEW_COLUMN).replace(
        '"push_subscription"', '"push_subscription_new"', 1
    )
    columns = ", ".join(
        f'"{c["name"]}"' for c in await engine.run_ddl("PRAGMA table_info(push_subscription)")
    )
    for statement in (
        create,
        f"INSERT INTO push_subscription_new ({columns}) "
        f"SELECT {columns} FROM push_subscription",
        "CREATE TEMP TABLE outbox_device AS "
        "SELECT id, subscription FROM outbox_item WHERE subscription IS NOT NULL",
        "DROP TABLE push_subscription",
        "ALTER TABLE push_subscription_new RENAME TO push_subscription",
        "UPDATE outbox_item SET subscription = "
        "(SELECT d.subscription FROM outbox_device d WHERE d.id = outbox_item.id) "
        "WHERE id IN (SELECT id FROM outbox_device)",
        "DROP TABLE outbox_device",
    ):
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Notification",
        tablename="notification",
        column_name="recipient",
        db_column_name="recipient",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Notification",
        tablename="notification",
        column_name="dossier",
        db_column_name="dossier",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="NotificationPreference",
        tablename="notification_preference",
        column_name="user",
        db_column_name="user",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="OutboxItem",
        tablename="outbox_item",
        column_name="notification",
        db_column_name="notification",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="OutboxItem",
        tablename="outbox_item",
        column_name="subscription",
        db_column_name="subscription",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="PushSubscription",
        tablename="push_subscription",
        column_name="endpoint",
        db_column_name="endpoint",
        params={"unique": False, "index": True},
        old_params={"unique": True, "index": False},
        column_class=Text,
        old_column_class=Text,
        schema=None,
    )

    async def one_subscription_per_endpoint_per_account() -> None:
        engine = engine_finder()
        assert engine is not None
        if engine.engine_type == "sqlite":
            await _sqlite_rebuild()
            # The rebuilt table has no constraint left to drop: keep only the index.
            for change in manager.alter_columns.alter_columns:
                if change.tablename == "push_subscription":
                    change.params.pop("unique", None)
        await engine.run_ddl(UNIQUE_INDEX)

    manager.add_raw(one_subscription_per_endpoint_per_account)

    return manager
