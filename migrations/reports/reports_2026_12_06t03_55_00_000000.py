from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T03:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The monthly counters' keys are unique (the upserts' conflict targets), then filled"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def unique_keys() -> None:
        from backend.reports.tables import ReportMonth, ReportMonthHandling

        await ReportMonth.raw(
            "CREATE UNIQUE INDEX report_month_key "
            "ON report_month (month, agency, procedure, channel)"
        )
        await ReportMonthHandling.raw(
            "CREATE UNIQUE INDEX report_month_handling_key "
            "ON report_month_handling (month, agency, procedure, days)"
        )

    async def fill() -> None:
        # Summed from the daily counters already kept.
        from backend.reports.counting import rebuild_months

        await rebuild_months()

    manager.add_raw(unique_keys)
    manager.add_raw(fill)
    return manager
