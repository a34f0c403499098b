"""Procedures say whether the afternoon cut-off applies to them (issue 12, item 6); the next
migration sets it for the stored procedures whose note states it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T21:40:42:092540"
VERSION = "1.38.0"
DESCRIPTION = "the 15:00 cut-off as a setting of each procedure"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="catalog", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Procedure",
        tablename="procedure",
        column_name="same_day_cutoff",
        db_column_name="same_day_cutoff",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
