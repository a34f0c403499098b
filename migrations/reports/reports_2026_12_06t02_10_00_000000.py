from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T02:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The ratings' covering index also holds the scale and level (shares per level)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def wider_cover() -> None:
        # The dashboard now counts a period's ratings per agency *and level*: with scale and
        # level in the index, that count still reads the index alone.
        from backend.ratings.tables import Rating

        await Rating.raw(
            "CREATE INDEX IF NOT EXISTS rating_period_levels "
            "ON rating (created_at, agency, satisfied, scale, level, dossier)"
        )
        await Rating.raw("DROP INDEX IF EXISTS rating_period_cover")

    manager.add_raw(wider_cover)
    return manager
