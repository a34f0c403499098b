from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T00:46:13:186876"
VERSION = "1.38.0"
DESCRIPTION = "The counters' keys are unique (the upserts' conflict targets), then filled"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def unique_keys() -> None:
        from backend.reports.tables import ReportDay, ReportHandling

        await ReportDay.raw(
            "CREATE UNIQUE INDEX report_day_key ON report_day (day, agency, procedure, channel)"
        )
        await ReportHandling.raw(
            "CREATE UNIQUE INDEX report_handling_key "
            "ON report_handling (day, agency, procedure, days)"
        )

    async def fill() -> None:
        # A database that already holds dossiers gets its counters from their events.
        from backend.reports.counting import rebuild

        await rebuild()

    manager.add_raw(unique_keys)
    manager.add_raw(fill)
    return manager
