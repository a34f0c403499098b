"""Walk-in dossiers are held apart until claimed (issue 11, item 1).

Until now a dossier filed at the counter went to the account whose login was the citizen's phone
number (made unusable if missing, and taken over by whoever registered that number). From now
on each walk-in dossier belongs to an account nobody signs in to, until the citizen claims it
with the claim code on its receipt. This migration applies that to the existing rows:
- the unusable accounts lose the phone number as their login (registering with it no longer
  takes them, or their dossiers, over);
- a walk-in dossier that an account holds without having filed it (every channel-1 dossier
  held by an account somebody signs in to) goes back to an account of its own; its citizen
  claims it with the code printed on a new receipt (form 01, printed at the counter).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-05T01:03:47:113369"
VERSION = "1.38.0"
DESCRIPTION = "walk-in dossiers held apart until claimed"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="dossiers", description=DESCRIPTION)

    async def hold_walk_ins_apart():
        engine = engine_finder()
        assert engine is not None
        await engine.run_querystring(
            QueryString(
                "UPDATE app_user SET login = 'walkin-' || CAST(id AS VARCHAR(20)) "
                "WHERE password_hash = '!' AND login NOT LIKE 'walkin-%'"
            )
        )
        rows = await engine.run_querystring(
            QueryString(
                "SELECT d.id AS dossier, u.full_name AS name, u.phone AS phone, "
                "d.created_at AS at FROM dossier d JOIN app_user u ON u.id = d.citizen "
                "WHERE d.channel = 1 AND u.password_hash <> '!'"
            )
        )
        for row in rows or []:
            made = await engine.run_querystring(
                QueryString(
                    "INSERT INTO app_user (login, password_hash, full_name, role, phone, "
                    "active, created_at) VALUES ({}, '!', {}, 'citizen', {}, false, {}) "
                    "RETURNING id",
                    f"walkin-d{int(row['dossier'])}",
                    row["name"],
                    row["phone"],
                    row["at"],
                )
            )
            await engine.run_querystring(
                QueryString(
                    "UPDATE dossier SET citizen = {} WHERE id = {}",
                    int(made[0]["id"]),
                    int(row["dossier"]),
                )
            )

    manager.add_raw(hold_walk_ins_apart)
    return manager
