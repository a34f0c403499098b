"""The stored procedures whose time-limit note states the afternoon cut-off ("tiếp nhận sau 15
giờ ... ngày làm việc tiếp theo") keep it; for every other procedure a dossier received in the
afternoon now counts from that day, as their rules say (issue 12, item 6)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-05T21:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the cut-off kept for the procedures whose note states it"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def keep_stated_cutoffs():
        engine = engine_finder()
        assert engine is not None
        await engine.run_querystring(
            QueryString(
                "UPDATE procedure SET same_day_cutoff = {} WHERE processing_note LIKE {}",
                True,
                "%15 giờ%",
            )
        )

    manager.add_raw(keep_stated_cutoffs)
    return manager
