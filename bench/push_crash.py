"""Push sender crashes: how many messages a sender killed at a random moment sends twice.

    .venv/bin/python bench/push_crash.py [--runs 6] [--devices 600] [--concurrency 64]
                                         [--delay-ms 20] [--database-url URL]

Not a test: it prints figures (tests/notifications/test_sender_crash.py is the deterministic
test). The promise: duplicates <= the sender's concurrency, whatever the batch.

1. A throw-away VAR_DIR and database (SQLite there, or a new database on the PostgreSQL server
   named by --database-url), migrated with the real migrations; the loopback push endpoint of
   tests/notifications in this process, answering each message after --delay-ms.
2. Each run: one citizen, N devices and one message for each (N outbox rows: several batches
   of 200); a real sender process (`python -m backend.notifications.sender --lease 2`) is
   killed with SIGKILL when a random number of messages has arrived; the states of the rows
   at that moment are counted; after the lease a second sender process (`--once`) sends the
   rest. Each device gets one message, so a device that received two is a duplicate.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
if not (BIN / "python").exists():
    BIN = Path(sys.executable).parent
LEASE_SECONDS = 2.0
sys.path.insert(0, str(ROOT))

# No backend import at module level: settings are read from the environment at import.
from aiohttp import web  # noqa: E402

from tests.notifications.push_endpoint import PushEndpoint, Subscriber  # noqa: E402


class SlowEndpoint(PushEndpoint):
    """The loopback push service, answering each message after `delay` seconds; `reached` is
    set when `target` messages have arrived."""

    delay = 0.02
    target = 0
    reached: asyncio.Event

    async def _push(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        answer = await super()._push(request)
        if len(self.received) >= self.target:
            self.reached.set()
        return answer


async def _populate(run: int, devices: int, endpoint: PushEndpoint) -> list[int]:
    """A citizen with `devices` subscriptions and one queued message each; outbox row ids."""
    from backend.access.roles import Role
    from backend.accounts.services import PLACEHOLDER_HASH
    from backend.accounts.tables import User
    from backend.lib.clock import utcnow
    from backend.notifications.tables import Notification, OutboxItem, PushSubscription

    now = utcnow()
    user = User(
        login=f"03890{run:05d}",
        password_hash=PLACEHOLDER_HASH,
        full_name="Nguyễn Thị Thử",
        role=Role.CITIZEN.value,
        created_at=now,
    )
    await user.save()
    keys = [Subscriber.new(f"r{run}-d{i}") for i in range(devices)]
    subs = await PushSubscription.insert(
        *(
            PushSubscription(
                user=user.id,
                endpoint=endpoint.url(k.name),
                p256dh=k.p256dh,
                auth=k.auth,
                created_at=now,
            )
            for k in keys
        )
    ).returning(PushSubscription.id)
    notes = await Notification.insert(
        *(
            Notification(recipient=user.id, kind="dossier.accept", title="Thử", created_at=now)
            for _ in keys
        )
    ).returning(Notification.id)
    rows = await OutboxItem.insert(
        *(
            OutboxItem(notification=n["id"], subscription=s["id"], available_at=now)
            for n, s in zip(notes, subs, strict=True)
        )
    ).returning(OutboxItem.id)
    return [r["id"] for r in rows]


async def _sender(concurrency: int, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(BIN / "python"),
        "-m",
        "backend.notifications.sender",
        f"--concurrency={concurrency}",
        f"--lease={LEASE_SECONDS}",
        *extra,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _states(ids: list[int]) -> Counter[str]:
    from backend.notifications.tables import OutboxItem

    rows = await OutboxItem.select(OutboxItem.state, OutboxItem.claimed_until).where(
        OutboxItem.id.is_in(ids)
    )
    return Counter(
        "claimed" if r["state"] == "pending" and r["claimed_until"] else r["state"] for r in rows
    )


async def _one_run(run: int, args: argparse.Namespace, endpoint: PushEndpoint) -> dict[str, Any]:
    endpoint.received.clear()
    ids = await _populate(run, args.devices, endpoint)
    endpoint.target = random.randint(args.concurrency, args.devices - args.concurrency)
    endpoint.reached = asyncio.Event()
    worker = await _sender(args.concurrency)
    waits = [asyncio.create_task(endpoint.reached.wait()), asyncio.create_task(worker.wait())]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    if worker.returncode is not None:
        raise SystemExit(f"the sender stopped by itself ({worker.returncode})")
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    arrived = len(endpoint.received)
    at_kill = await _states(ids)
    await asyncio.sleep(LEASE_SECONDS + 0.3)
    again = await _sender(args.concurrency, "--once")
    await again.wait()
    per_device = Counter(m.path for m in endpoint.received)
    return {
        "arrived": arrived,
        "at_kill": at_kill,
        "duplicates": sum(1 for c in per_device.values() if c > 1),
        "lost": args.devices - len(per_device),
        "final": await _states(ids),
    }


async def _runs(args: argparse.Namespace) -> int:
    from piccolo.engine.postgres import PostgresEngine

    from backend.piccolo_conf import DB

    if isinstance(DB, PostgresEngine):
        await DB.start_connection_pool(min_size=1, max_size=4)
    else:
        await DB.run_ddl("PRAGMA journal_mode=WAL")  # as the app's lifespan sets it
    # A killed sender's connections end mid-request: not worth a traceback each.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    endpoint = SlowEndpoint(record_bodies=False)
    endpoint.delay = args.delay_ms / 1000
    await endpoint.start()
    worst = 0
    try:
        print(
            f"{'run':>3} {'arrived':>8} {'sent':>5} {'sending':>8} {'claimed':>8} "
            f"{'waiting':>8} {'duplicates':>11} {'lost':>5}"
        )
        for run in range(1, args.runs + 1):
            r = await _one_run(run, args, endpoint)
            k = r["at_kill"]
            print(
                f"{run:>3} {r['arrived']:>8} {k['sent']:>5} {k['sending']:>8} "
                f"{k['claimed']:>8} {k['pending']:>8} {r['duplicates']:>11} {r['lost']:>5}"
            )
            worst = max(worst, r["duplicates"])
            if r["lost"] or set(r["final"]) != {"sent"}:
                print(f"  MISMATCH: final states {dict(r['final'])}")
                return 1
    finally:
        await endpoint.stop()
        if isinstance(DB, PostgresEngine):
            await DB.close_connection_pool()
    verdict = "OK" if worst <= args.concurrency else "OVER"
    print(
        f"\nworst: {worst} duplicates, concurrency {args.concurrency} ({verdict}); "
        f"the batch is 200, {args.devices} messages a run"
    )
    return 0 if worst <= args.concurrency else 1


async def _postgres_database(server_url: str, name: str, create: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/push_crash.py", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--devices", type=int, default=600, help="messages per run")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--delay-ms", type=float, default=20.0, help="the endpoint's answer time")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args(argv)
    args.devices = max(args.devices, 2 * args.concurrency + 1)

    var_dir = Path(tempfile.mkdtemp(prefix="motcua-push-crash-"))
    pg_server = args.database_url if args.database_url.startswith("postgres") else ""
    pg_name = f"motcua_bench_{os.getpid()}"
    os.environ.update(
        {
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": pg_server.rsplit("/", 1)[0] + "/" + pg_name
            if pg_server
            else f"sqlite:///{var_dir / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "PICCOLO_CONF": "backend.piccolo_conf",
        }
    )
    print(
        f"database: {'PostgreSQL' if pg_server else 'SQLite'}; endpoint answers after "
        f"{args.delay_ms:g} ms; lease {LEASE_SECONDS:g} s"
    )
    try:
        if pg_server:
            asyncio.run(_postgres_database(pg_server, pg_name, create=True))
        subprocess.run(
            [str(BIN / "piccolo"), "migrations", "forwards", "all"],
            cwd=ROOT,
            env=os.environ,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        from backend.notifications import vapid

        vapid.public_key()  # one key file for every sender process
        return asyncio.run(_runs(args))
    finally:
        if pg_server:
            asyncio.run(_postgres_database(pg_server, pg_name, create=False))
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
