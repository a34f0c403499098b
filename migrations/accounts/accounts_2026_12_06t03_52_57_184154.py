from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-06T03:52:57:184154"
VERSION = "1.38.0"
DESCRIPTION = "ID numbers typed at registration kept masked: the last four digits only"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="accounts", description=DESCRIPTION
    )

    async def mask_typed_id_numbers():
        # backend.lib.validation.masked_citizen_id, for the rows written before it.
        await engine_finder().run_ddl(  # type: ignore[union-attr]
            "UPDATE app_user SET citizen_id = '********' || substr(citizen_id, 9, 4) "
            "WHERE citizen_id IS NOT NULL AND length(citizen_id) = 12 "
            "AND citizen_id NOT LIKE '*%'"
        )

    manager.add_raw(mask_typed_id_numbers)

    return manager
