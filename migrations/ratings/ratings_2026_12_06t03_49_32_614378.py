from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-12-06T03:49:32:614378"
VERSION = "1.38.0"
DESCRIPTION = "Index every foreign key (issue 14): deleting or changing a referenced row, and joins from the referenced side, read an index instead of the whole table"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="ratings", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="CounterDuty",
        tablename="counter_duty",
        column_name="counter",
        db_column_name="counter",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="CounterDuty",
        tablename="counter_duty",
        column_name="officer",
        db_column_name="officer",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="KioskDevice",
        tablename="kiosk_device",
        column_name="counter",
        db_column_name="counter",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="KioskDevice",
        tablename="kiosk_device",
        column_name="created_by",
        db_column_name="created_by",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Rating",
        tablename="rating",
        column_name="counter",
        db_column_name="counter",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Rating",
        tablename="rating",
        column_name="officer",
        db_column_name="officer",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Rating",
        tablename="rating",
        column_name="agency",
        db_column_name="agency",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Rating",
        tablename="rating",
        column_name="device",
        db_column_name="device",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
