"""Indexes on the columns the courier's round and the handover list filter by (issue 14: the
query-plan test found postal_handover and postal_shipment read whole)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-12-06T00:21:29:665288"
VERSION = "1.38.0"
DESCRIPTION = "indexes: postal_handover.post_office, postal_pickup.post_office, postal_shipment.post_office, postal_shipment.handover"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="postal", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="HandoverList",
        tablename="postal_handover",
        column_name="post_office",
        db_column_name="post_office",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Pickup",
        tablename="postal_pickup",
        column_name="post_office",
        db_column_name="post_office",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Shipment",
        tablename="postal_shipment",
        column_name="post_office",
        db_column_name="post_office",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Shipment",
        tablename="postal_shipment",
        column_name="handover",
        db_column_name="handover",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
