"""A minimal generator of N dossiers with about 10 events each, for bench/peer/run.py.

    .venv/bin/python bench/peer/generate.py --database sqlite:////tmp/peer/db.sqlite3 --dossiers 200000
    .venv/bin/python bench/peer/generate.py --database postgresql://postgres@127.0.0.1:5432/peer

Used only while bench/generate.py (the reports' generator, same command line) is not on main;
run.py prefers that one when it exists. It runs the real migrations and `python -m backend.demo`
(catalog, demo accounts), then bulk-inserts citizens, dossiers and their events (sqlite3
executemany; COPY through asyncpg on PostgreSQL). Each dossier follows one path of the workflow
(submit, accept, take, forward and back, supplement, draft, approve, hand over) cut at a random
step, with the states and national statuses the workflow gives (backend/dossiers/workflow.py)
and codes as backend/dossiers/codes.py formats them. NOT like the workflow: the events' hash
chain holds placeholders; no files, notifications or outbox rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
UNIT = "000.00.20.H42"
CHUNK = 20_000

# (action, state reached, national status reached, actor role): one dossier's full path.
PATH = [
    ("submit", "submitted", 1, "citizen"),
    ("accept", "received", 2, "counter"),
    ("take", "processing", 4, "specialist"),
    ("forward", "forwarded", 4, "specialist"),
    ("return_forward", "processing", 4, "specialist"),
    ("request_supplement", "processing_supplement", 5, "specialist"),
    ("supplement", "supplemented", 4, "citizen"),
    ("recheck", "processing", 4, "specialist"),
    ("draft_result", "awaiting_signature", 4, "specialist"),
    ("approve", "done", 9, "leader"),
    ("hand_over", "returned", 10, "counter"),
]
DOSSIER_COLUMNS = [
    "id", "code", "procedure", "citizen", "status", "state", "version", "agency",
    "handling_agency", "channel", "applicant_name", "applicant_phone", "created_at",
    "updated_at", "submitted_at", "appointment_date", "promised_date", "received_at",
    "register_number", "finished_at", "on_time", "result_kind", "delivery_method",
]  # fmt: skip
EVENT_COLUMNS = [
    "dossier", "at", "actor", "actor_role", "agency_code", "action", "from_status",
    "to_status", "state_from", "state_to", "note", "data", "seq", "prev_hash", "hash", "key_id",
]  # fmt: skip
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]


def env_for(database: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=database, VAR_DIR=str(var_dir))
    env["PICCOLO_CONF"] = "backend.piccolo_conf"
    return env


def prepare(database: str, var_dir: Path) -> None:
    """The real migrations and the demo catalog and accounts."""
    for cmd in (
        [str(BIN / "piccolo"), "migrations", "forwards", "all"],
        [str(BIN / "python"), "-m", "backend.demo"],
    ):
        done = subprocess.run(
            cmd, cwd=ROOT, env=env_for(database, var_dir), capture_output=True, text=True
        )
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")


def phone_of(n: int) -> str:
    return f"09{n % 100_000_000:08d}"


def generate_rows(
    start: int,
    stop: int,
    rng: random.Random,
    procedures: list[tuple[int, int, str, int]],
    staff: dict[str, int],
    citizens: int,
    first_citizen: int,
    seq_start: int,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Dossiers start..stop-1 (ids) and their events; returns the next event seq."""
    now = datetime.now(UTC).replace(microsecond=0)
    dossiers: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    seq = seq_start
    span = 3 * 365 * 86400
    for i in range(start, stop):
        # Spread over three years, in id order (codes per day count up).
        submitted = now - timedelta(seconds=span * (1 - (i / (stop + 1))) + rng.random() * 60)
        # The format of codes.format_code; XXXX is the dossier's id (unique), not its day order.
        code = f"{UNIT}-{submitted.date():%y%m%d}-{i:04d}"
        proc_id, agency_id, agency_code, days = procedures[i % len(procedures)]
        steps = PATH[: rng.choice((3, 5, 8, 10, *(11,) * 8))]
        citizen = first_citizen + (i % citizens)
        appointment = (submitted + timedelta(days=max(days, 1) * 7 // 5 + 1)).date()
        at = submitted
        state, status = "draft", 0
        received = finished = None
        for action, to_state, to_status, role in steps:
            seq += 1
            events.append(
                (i, at, None if role == "citizen" else staff[role], role, agency_code, action,
                 status, to_status, state, to_state, "", json.dumps({}), seq,
                 f"{seq - 1:064x}", f"{seq:064x}", "")
            )  # fmt: skip
            if action == "accept":
                received = at
            if action == "approve":
                finished = at
            state, status = to_state, to_status
            at += timedelta(hours=rng.randint(1, 40))
        dossiers.append(
            (i, code, proc_id, citizen, status, state, len(steps), agency_id, agency_id,
             rng.choice((1, 2, 2, 3)), rng.choice(NAMES), phone_of(i), submitted, at, submitted,
             appointment, appointment, received, None, finished,
             None if finished is None else finished.date() <= appointment,
             "paper" if finished else "", "counter")
        )  # fmt: skip
    return dossiers, events, seq


def sqlite_value(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, datetime | date):
        return str(v)
    return v


def catalog_sqlite(conn: sqlite3.Connection) -> tuple[list[tuple[int, int, str, int]], dict]:
    procs = conn.execute(
        "SELECT p.id, a.id, a.code, p.processing_days FROM procedure p JOIN agency a "
        "ON a.id = p.agency WHERE p.active ORDER BY p.id"
    ).fetchall()
    staff = dict(conn.execute("SELECT role, min(id) FROM app_user GROUP BY role").fetchall())
    return procs, staff


def fill_sqlite(path: str, n: int, citizens: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    procs, staff = catalog_sqlite(conn)
    first = conn.execute("SELECT max(id) FROM app_user").fetchone()[0] + 1
    now = str(datetime.now(UTC))
    with conn:
        conn.executemany(
            "INSERT INTO app_user (id, login, full_name, role, phone, created_at) "
            "VALUES (?, ?, ?, 'citizen', ?, ?)",
            ((first + k, f"08{k:08d}", NAMES[k % 5], f"08{k:08d}", now) for k in range(citizens)),
        )
    rng = random.Random(14)
    seq = conn.execute("SELECT coalesce(max(seq), 0) FROM dossier_event").fetchone()[0]
    base = conn.execute("SELECT coalesce(max(id), 0) FROM dossier").fetchone()[0] + 1
    d_sql = f"INSERT INTO dossier ({', '.join(map(quote, DOSSIER_COLUMNS))}) VALUES ({', '.join('?' * len(DOSSIER_COLUMNS))})"
    e_sql = f"INSERT INTO dossier_event ({', '.join(map(quote, EVENT_COLUMNS))}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
    for start in range(base, base + n, CHUNK):
        stop = min(start + CHUNK, base + n)
        ds, es, seq = generate_rows(start, stop, rng, procs, staff, citizens, first, seq)
        with conn:
            conn.executemany(d_sql, ([sqlite_value(v) for v in r] for r in ds))
            conn.executemany(e_sql, ([sqlite_value(v) for v in r] for r in es))
    conn.execute("ANALYZE")
    conn.close()


def quote(name: str) -> str:
    return f'"{name}"'


async def fill_postgres(url: str, n: int, citizens: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    procs = [
        tuple(r)
        for r in await conn.fetch(
            "SELECT p.id, a.id, a.code, p.processing_days FROM procedure p JOIN agency a "
            "ON a.id = p.agency WHERE p.active ORDER BY p.id"
        )
    ]
    staff = {
        r[0]: r[1] for r in await conn.fetch("SELECT role, min(id) FROM app_user GROUP BY role")
    }
    first = await conn.fetchval("SELECT max(id) FROM app_user") + 1
    now = datetime.now(UTC)
    await conn.copy_records_to_table(
        "app_user",
        records=[
            (first + k, f"08{k:08d}", NAMES[k % 5], "citizen", f"08{k:08d}", now)
            for k in range(citizens)
        ],
        columns=["id", "login", "full_name", "role", "phone", "created_at"],
    )
    rng = random.Random(14)
    seq = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM dossier_event")
    base = await conn.fetchval("SELECT coalesce(max(id), 0) FROM dossier") + 1
    for start in range(base, base + n, CHUNK):
        stop = min(start + CHUNK, base + n)
        ds, es, seq = generate_rows(start, stop, rng, procs, staff, citizens, first, seq)
        await conn.copy_records_to_table("dossier", records=ds, columns=DOSSIER_COLUMNS)
        await conn.copy_records_to_table("dossier_event", records=es, columns=EVENT_COLUMNS)
    for table in ("app_user", "dossier", "dossier_event"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    await conn.execute("ANALYZE")
    await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="sqlite:///PATH or postgresql://...")
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--var-dir", default=None, help="VAR_DIR for the migrations (keys)")
    args = parser.parse_args(argv)
    var_dir = Path(args.var_dir or os.environ.get("VAR_DIR") or ROOT / "var")
    var_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    prepare(args.database, var_dir)
    t1 = time.monotonic()
    citizens = max(args.dossiers // 5, 1)
    if args.database.startswith("sqlite:///"):
        fill_sqlite(args.database.removeprefix("sqlite:///"), args.dossiers, citizens)
    else:
        asyncio.run(fill_postgres(args.database, args.dossiers, citizens))
    print(
        f"generated {args.dossiers:,} dossiers, {citizens:,} citizens: "
        f"migrations+demo {t1 - t0:.1f} s, rows {time.monotonic() - t1:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
