from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T00:06:18:523497"
VERSION = "1.38.0"
DESCRIPTION = "Procedures decided by the commune People's Committee"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="catalog", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Procedure",
        tablename="procedure",
        column_name="decided_by_commune",
        db_column_name="decided_by_commune",
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
