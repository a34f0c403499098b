from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-12-06T03:49:30:785314"
VERSION = "1.38.0"
DESCRIPTION = "Index every foreign key (issue 14): deleting or changing a referenced row, and joins from the referenced side, read an index instead of the whole table"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="postal", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="HandoverList",
        tablename="postal_handover",
        column_name="created_by",
        db_column_name="created_by",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="HandoverList",
        tablename="postal_handover",
        column_name="confirmed_by",
        db_column_name="confirmed_by",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Pickup",
        tablename="postal_pickup",
        column_name="collected_by",
        db_column_name="collected_by",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="PickupHandover",
        tablename="postal_paper_handover",
        column_name="post_office",
        db_column_name="post_office",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="PickupHandover",
        tablename="postal_paper_handover",
        column_name="created_by",
        db_column_name="created_by",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="PickupHandover",
        tablename="postal_paper_handover",
        column_name="confirmed_by",
        db_column_name="confirmed_by",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Shipment",
        tablename="postal_shipment",
        column_name="courier",
        db_column_name="courier",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
