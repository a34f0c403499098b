from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T23:27:40:958756"
VERSION = "1.38.0"
DESCRIPTION = "The chain head moves to the audit app (audit_chain_head), data kept"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="dossiers", description=DESCRIPTION
    )

    async def copy_chain_head():
        # Raw steps run before the table is dropped; the audit app (a migration dependency of
        # this app) has already created audit_chain_head.
        await engine_finder().run_ddl(  # type: ignore[union-attr]
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) "
            "SELECT id, last_seq, last_hash FROM audit_head WHERE true "
            "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, "
            "last_hash = excluded.last_hash"
        )

    manager.add_raw(copy_chain_head)

    manager.drop_table(
        class_name="AuditHead", tablename="audit_head", schema=None
    )

    return manager
