"""The dossiers migration of 2026-12-05 (dossier_event.key_id), forwards, on a database that
holds events written before the audit keys existed.

A fresh database of this run's engine (SQLite file, or a database of its own on the
PostgreSQL server) is migrated up to the migration before it; three events are written as the
old code wrote them (plain SHA-256 chain, no key); then the migration runs. Afterwards the
events are kept with key_id "" and verify; what the app then writes is keyed and verifies too
(the chain stays verifiable across the switch); and once a checkpoint has seen the switch, an
event pretending to be from before it is refused.

Migrations and the app's code run in child processes: Piccolo's engine is chosen once per
process, from DATABASE_URL.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.dossiers.events import HISTORY
from tests.audit.helpers import run_audit
from tests.helpers import run_python, sql

BEFORE = "2026-12-05T01:20:00:187480"

MIGRATE = """
import asyncio, sys
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards

async def main(upto):
    apps = BaseMigrationManager().get_sorted_app_names()
    for app in apps[: apps.index("dossiers")] if upto != "all" else []:
        assert (await run_forwards(app)).success, app
    result = await run_forwards("dossiers" if upto != "all" else "all", migration_id=upto)
    assert result.success, result.message

asyncio.run(main(sys.argv[1]))
"""

# The app's own code on the migrated database: a transition's event, or an attacker's edit.
APP = """
import asyncio, sys
from datetime import UTC, datetime
from backend import wiring
from backend.audit.tables import ChainHead
from backend.dossiers import events
from backend.dossiers.tables import DossierEvent
from backend.lib.db import database_pool, write_transaction

async def main(what):
    wiring.connect()
    async with database_pool():
        if what == "append":
            async with write_transaction():
                await events.append(dossier=1, at=datetime(2026, 12, 6, 2, tzinfo=UTC),
                                    action="take", state_from="received",
                                    state_to="processing", actor_role="specialist")
            return
        # Pretend the last event came before the keys: plain SHA-256, no key id.
        row = await DossierEvent.select().order_by(DossierEvent.seq, ascending=False).first()
        row["note"] = "Chuyển lại cho bộ phận một cửa."
        plain = events.HISTORY.unkeyed_hash(row["prev_hash"], row)
        await DossierEvent.update({"note": row["note"], "key_id": "", "hash": plain}).where(
            DossierEvent.id == row["id"])
        await ChainHead.update({ChainHead.last_hash: plain}).where(ChainHead.id == 1)

asyncio.run(main(sys.argv[1]))
"""

LEGACY = [  # (seq, at, action, from_status, to_status, state_from, state_to, note)
    (1, "2026-11-30T08:00:00+00:00", "submit", 0, 1, "draft", "submitted", ""),
    (2, "2026-11-30T09:15:30.250000+00:00", "accept", 1, 2, "submitted", "received", ""),
    (3, "2026-12-01T03:00:00+00:00", "apologize", 2, 2, "received", "received", "Chờ ý kiến."),
]

ROWS = [
    "INSERT INTO agency (id, code, name, kind) VALUES (1, 'T1', 'Sở Thử nghiệm', 'department')",
    "INSERT INTO procedure (id, catalog_id, agency, name, processing_days, online_level) "
    "VALUES (1, 'T001', 1, 'Thủ tục thử', 5, 'toàn trình')",
    "INSERT INTO app_user (id, login, password_hash, full_name, role) "
    "VALUES (1, '0389000001', '-', 'Lê Văn Cũ', 'citizen')",
    "INSERT INTO dossier (id, procedure, citizen, state, status, code) "
    "VALUES (1, 1, 1, 'received', 2, 'T-261130-0001')",
]


def _legacy_events() -> tuple[list[str], str]:
    """The old code's rows: a chain of plain SHA-256 hashes; and the last hash."""
    statements, prev = [], ""
    for seq, at, action, status_from, status_to, state_from, state_to, note in LEGACY:
        event: dict[str, Any] = {
            "seq": seq,
            "dossier": 1,
            "at": datetime.fromisoformat(at).astimezone(UTC),
            "actor": None,
            "actor_role": "",
            "agency_code": "",
            "action": action,
            "from_status": status_from,
            "to_status": status_to,
            "state_from": state_from,
            "state_to": state_to,
            "note": note,
            "data": "{}",
        }
        digest = HISTORY.unkeyed_hash(prev, event)
        statements.append(
            "INSERT INTO dossier_event (dossier, at, action, from_status, to_status, "
            "state_from, state_to, note, data, seq, prev_hash, hash) VALUES "
            f"(1, '{at}', '{action}', {status_from}, {status_to}, '{state_from}', "
            f"'{state_to}', '{note}', '{{}}', {seq}, '{prev}', '{digest}')"
        )
        prev = digest
    statements.append(f"UPDATE audit_chain_head SET last_seq = 3, last_hash = '{prev}'")
    return statements, prev


async def test_events_before_the_keys_still_verify_and_the_switch_is_anchored(
    empty_database: str, tmp_path: Path
) -> None:
    url, var = empty_database, tmp_path / "var"
    run_python(url, var, MIGRATE, BEFORE)
    await sql(url, "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, '')")
    statements, last_hash = _legacy_events()
    for statement in ROWS + statements:
        await sql(url, statement)

    run_python(url, var, MIGRATE, "all")

    rows = await sql(url, "SELECT seq, key_id, hash, note FROM dossier_event ORDER BY seq")
    assert [(seq, key_id, note) for seq, key_id, _hash, note in rows] == [
        (1, "", ""),
        (2, "", ""),
        (3, "", "Chờ ý kiến."),
    ]
    assert rows[-1][2] == last_hash
    assert await sql(url, "SELECT last_seq, last_hash FROM audit_chain_head") == [(3, last_hash)]

    def verify() -> subprocess.CompletedProcess[str]:
        return run_audit("verify", var_dir=var, DATABASE_URL=url)

    done = verify()
    assert done.returncode == 0, done.stderr
    assert "3 events" in done.stdout

    # The app starts: its first checkpoint sees the old events' head.
    assert run_audit("checkpoint", var_dir=var, DATABASE_URL=url).returncode == 0
    run_python(url, var, APP, "append")
    key_id = await sql(url, "SELECT key_id FROM dossier_event WHERE seq = 4")
    assert len(key_id[0][0]) == 16
    done = verify()
    assert done.returncode == 0, done.stderr
    assert "4 events" in done.stdout and "1 signed checkpoints hold" in done.stdout

    # Passing an event written after the switch off as an old one does not work.
    run_python(url, var, APP, "downgrade")
    done = verify()
    assert done.returncode == 1
    assert "(sequence 4): has no key, yet it comes after the signed checkpoint of" in done.stderr
