"""Indexes on the columns the dossier page, "my dossiers" and the register (form 07) filter by
(issue 14 found the dossier page scanning dossier_event without one)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey, Timestamptz

ID = "2026-12-05T22:45:08:395704"
VERSION = "1.38.0"
DESCRIPTION = "indexes: dossier.citizen, dossier.received_at, dossier_file.dossier, dossier_event.dossier"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="dossiers", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Dossier",
        tablename="dossier",
        column_name="citizen",
        db_column_name="citizen",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Dossier",
        tablename="dossier",
        column_name="received_at",
        db_column_name="received_at",
        params={"index": True},
        old_params={"index": False},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    manager.alter_column(
        table_class_name="DossierEvent",
        tablename="dossier_event",
        column_name="dossier",
        db_column_name="dossier",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="DossierFile",
        tablename="dossier_file",
        column_name="dossier",
        db_column_name="dossier",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
