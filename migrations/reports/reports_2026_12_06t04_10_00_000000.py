from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T04:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Partial indexes on the time of the events the reports list one by one"

# backend.reports.drilldown.EVENT_OF: the actions whose events a drill-down lists by period.
ACTIONS = ("request_supplement", "apologize", "hand_over", "postal.delivered", "result_available")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def partial_indexes() -> None:
        # One small index per action (a few events in ten), not one over every event: the
        # queries name the action as the same constant, which both planners need to use them.
        from backend.dossiers.tables import DossierEvent

        for action in ACTIONS:
            name = "dossier_event_at_" + action.replace(".", "_")
            await DossierEvent.raw(
                f"CREATE INDEX IF NOT EXISTS {name} ON dossier_event (at) "
                f"WHERE action = '{action}'"
            )

    manager.add_raw(partial_indexes)
    return manager
