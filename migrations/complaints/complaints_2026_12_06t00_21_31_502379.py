"""Indexes on a complaint's events and files, which its page and /pakn read by complaint
(issue 14: the query-plan test found both tables read whole)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-12-06T00:21:31:502379"
VERSION = "1.38.0"
DESCRIPTION = "indexes: complaint_event.complaint, complaint_file.complaint"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="complaints", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="ComplaintEvent",
        tablename="complaint_event",
        column_name="complaint",
        db_column_name="complaint",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="ComplaintFile",
        tablename="complaint_file",
        column_name="complaint",
        db_column_name="complaint",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
