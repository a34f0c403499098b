"""`promised_date` for the existing rows (issue 12, item 2).

An apology (form 04) used to overwrite `appointment_date`, so the original commitment was lost.
For the rows written before, the commitment is the date before the first apology when there was
one, else the appointment date of every received dossier.
"""

import json
from datetime import date

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-05T21:36:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the appointment of form 01 for the existing dossiers"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="dossiers", description=DESCRIPTION)

    async def keep_the_first_commitment():
        engine = engine_finder()
        assert engine is not None
        await engine.run_querystring(
            QueryString(
                "UPDATE dossier SET promised_date = appointment_date "
                "WHERE received_at IS NOT NULL AND appointment_date IS NOT NULL"
            )
        )
        apologies = await engine.run_querystring(
            QueryString(
                "SELECT dossier, data FROM dossier_event WHERE action = 'apologize' "
                "ORDER BY dossier, seq"
            )
        )
        seen: set[int] = set()
        for row in apologies or []:
            dossier = int(row["dossier"])
            if dossier in seen:
                continue
            seen.add(dossier)
            before = json.loads(row["data"] or "{}").get("appointment_before")
            if before:
                await engine.run_querystring(
                    QueryString(
                        "UPDATE dossier SET promised_date = {} WHERE id = {}",
                        date.fromisoformat(str(before)[:10]),
                        dossier,
                    )
                )

    manager.add_raw(keep_the_first_commitment)
    return manager
