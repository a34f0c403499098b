"""Push fan-out: how many notifications per second the sender delivers.

    .venv/bin/python bench/push_fanout.py [--devices 10000] [--profile] [--database-url URL]

Not a test: it prints figures. Target: at least 500 notifications sent per second.

1. Starts a push endpoint on loopback (the one of tests/notifications, RFC 8030: 201 Created
   at once) in a process of its own, so that its CPU is not counted as the sender's.
2. Makes a throw-away VAR_DIR with a fresh database: SQLite there, or, with --database-url
   (or DATABASE_URL) naming a PostgreSQL server, a new database `motcua_bench_<pid>` on that
   server, dropped at the end. Runs the real migrations
   (`piccolo migrations forwards all`, PICCOLO_CONF=backend.piccolo_conf).
3. Writes one citizen, N push subscriptions (distinct endpoints on the local server, real
   P-256 keys and auth secrets) and one notification per device: N outbox rows.
4. Times the sender draining them in this process (`sender.run_once` until nothing is
   claimed, with the session run_forever uses), and prints the rate. With --profile the
   drain runs under cProfile; the top functions are printed and the profile is written to
   bench/out/push_fanout.prof.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
if not (BIN / "python").exists():
    BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
TARGET = 500.0  # notifications per second
sys.path.insert(0, str(ROOT))

# No backend import at module level: settings are read from the environment at import, and
# the environment is only ready in main(). The endpoint module imports no backend code.
from tests.notifications.push_endpoint import PushEndpoint, b64url  # noqa: E402


def _serve_endpoint(port_out: Any, stop: Any) -> None:
    """The endpoint's process: serve until told to stop."""

    async def serve() -> None:
        endpoint = await PushEndpoint(record_bodies=False).start()
        port_out.send(endpoint.port)
        await asyncio.to_thread(stop.wait)
        await endpoint.stop()

    asyncio.run(serve())


def _stats(origin: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{origin}/stats", timeout=10) as r:
        return dict(json.load(r))


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


async def _postgres_database(server_url: str, name: str, create: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()


def _keys(n: int) -> list[tuple[str, str]]:
    """n browsers' keys: (p256dh, auth), base64url without padding, as toJSON() gives them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    keys = []
    for _ in range(n):
        public = ec.generate_private_key(ec.SECP256R1()).public_key()
        raw = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        keys.append((b64url(raw), b64url(os.urandom(16))))
    return keys


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _populate(devices: int, origin: str) -> int:
    """One citizen, `devices` subscriptions and one queued notification for each."""
    from backend.access.roles import Role
    from backend.accounts.services import PLACEHOLDER_HASH
    from backend.accounts.tables import User
    from backend.lib.clock import utcnow
    from backend.notifications.tables import Notification, OutboxItem, PushSubscription

    now = utcnow()
    user = User(
        login="0389000001",
        password_hash=PLACEHOLDER_HASH,
        full_name="Nguyễn Thị Thử",
        role=Role.CITIZEN.value,
        phone="0389000001",
        created_at=now,
    )
    await user.save()
    started = time.perf_counter()
    keys = _keys(devices)
    print(f"  {devices:,} P-256 key pairs in {time.perf_counter() - started:.1f} s")
    sub_ids: list[int] = []
    for chunk in _chunks(list(enumerate(keys)), 1000):
        rows = await PushSubscription.insert(
            *(
                PushSubscription(
                    user=user.id,
                    endpoint=f"{origin}/push/{i}",
                    p256dh=p256dh,
                    auth=auth,
                    user_agent="bench",
                    created_at=now,
                )
                for i, (p256dh, auth) in chunk
            )
        ).returning(PushSubscription.id)
        sub_ids.extend(r["id"] for r in rows)
    for chunk in _chunks(sub_ids, 1000):
        notes = await Notification.insert(
            *(
                Notification(
                    recipient=user.id,
                    kind="dossier.approve",
                    title=f"Hồ sơ 000.00.20.H42-261130-{sub_id:04d} đã có kết quả",
                    body="Bạn có thể tải kết quả điện tử ngay trên trang hồ sơ.",
                    url=f"/dossiers/{sub_id}",
                    created_at=now,
                )
                for sub_id in chunk
            )
        ).returning(Notification.id)
        await OutboxItem.insert(
            *(
                OutboxItem(notification=n["id"], subscription=sub_id, available_at=now)
                for n, sub_id in zip(notes, chunk, strict=True)
            )
        )
    return await OutboxItem.count().where(OutboxItem.state == "pending")


async def _drain() -> tuple[int, float, int]:
    """The sender's loop as run_forever runs it, until the outbox is empty."""
    import aiohttp

    from backend.notifications import sender

    connector = aiohttp.TCPConnector(limit=sender.CONCURRENCY)
    rounds = claimed = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        while n := await sender.run_once(session):
            claimed += n
            rounds += 1
        elapsed = time.perf_counter() - started
    return claimed, elapsed, rounds


async def _run(args: argparse.Namespace, origin: str, profile: cProfile.Profile | None) -> int:
    from piccolo.engine.postgres import PostgresEngine

    from backend.notifications.tables import OutboxItem
    from backend.piccolo_conf import DB

    if isinstance(DB, PostgresEngine):
        await DB.start_connection_pool(min_size=1, max_size=10)  # as the app's lifespan
    else:
        # WAL, as the app's lifespan sets it (kept in the file).
        await OutboxItem.raw("PRAGMA journal_mode=WAL")
    try:
        started = time.perf_counter()
        queued = await _populate(args.devices, origin)
        print(f"  {queued:,} outbox rows queued in {time.perf_counter() - started:.1f} s")

        if profile:
            profile.enable()
        claimed, elapsed, rounds = await _drain()
        if profile:
            profile.disable()

        states = {
            r["state"]: r["n"]
            for r in await OutboxItem.raw(
                "SELECT state, COUNT(*) AS n FROM outbox_item GROUP BY state"
            )
        }
        stats = _stats(origin)
        sent = int(states.get("sent", 0))
        rate = sent / elapsed if elapsed else 0.0
        print()
        print(f"claimed {claimed:,} rows in {rounds} rounds of up to 200, in {elapsed:.2f} s")
        print(f"outbox states: {states}")
        print(
            f"endpoint: {stats['received']:,} POSTs to {stats['paths']:,} devices, "
            f"statuses {stats['statuses']}"
        )
        verdict = "OK" if rate >= TARGET else "BELOW TARGET"
        print(f"\nsent {sent:,} notifications in {elapsed:.2f} s: {rate:,.0f}/s ", end="")
        print(f"(target {TARGET:.0f}/s: {verdict})")
        ok = sent == queued == stats["received"] == stats["paths"]
        if not ok:
            print("MISMATCH: not every queued notification was delivered exactly once")
        return 0 if ok else 1
    finally:
        if isinstance(DB, PostgresEngine):
            await DB.close_connection_pool()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/push_fanout.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--devices", type=int, default=10_000, help="subscriptions (= messages)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL server to make a fresh database on (default: SQLite in a temp dir)",
    )
    parser.add_argument("--profile", action="store_true", help="run the drain under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the temporary VAR_DIR")
    args = parser.parse_args(argv)

    var_dir = Path(tempfile.mkdtemp(prefix="motcua-push-bench-"))
    pg_name = f"motcua_bench_{os.getpid()}"
    pg_server = args.database_url if _is_postgres(args.database_url) else ""
    os.environ.update(
        {
            "VAR_DIR": str(var_dir),
            "DATABASE_URL": (
                pg_server.rsplit("/", 1)[0] + "/" + pg_name
                if pg_server
                else f"sqlite:///{var_dir / 'bench.sqlite3'}"
            ),
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "PICCOLO_CONF": "backend.piccolo_conf",
            "PUSH_SENDER_IN_APP": "0",
        }
    )

    ctx = multiprocessing.get_context("spawn")
    port_in, port_out = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    server = ctx.Process(target=_serve_endpoint, args=(port_out, stop), daemon=True)
    server.start()
    try:
        if not port_in.poll(30):
            raise SystemExit("the push endpoint did not start")
        origin = f"http://127.0.0.1:{port_in.recv()}"
        os.environ["PUSH_ENDPOINT_ALLOWLIST"] = origin
        print(f"push endpoint: {origin} (own process)")
        database = "PostgreSQL" if pg_server else "SQLite"
        print(f"database: {database} {os.environ['DATABASE_URL']}")
        if pg_server:
            asyncio.run(_postgres_database(pg_server, pg_name, create=True))
        started = time.perf_counter()
        subprocess.run(
            [str(BIN / "piccolo"), "migrations", "forwards", "all"],
            cwd=ROOT,
            env=os.environ,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  migrations in {time.perf_counter() - started:.1f} s")

        profile = cProfile.Profile() if args.profile else None
        code = asyncio.run(_run(args, origin, profile))
        if profile:
            OUT.mkdir(parents=True, exist_ok=True)
            profile.dump_stats(OUT / "push_fanout.prof")
            stats = pstats.Stats(profile).strip_dirs()
            print("\n== cProfile of the drain (event loop thread), by own time")
            stats.sort_stats("tottime").print_stats(25)
            print("== by cumulative time")
            stats.sort_stats("cumulative").print_stats(30)
            print(f"profile written to {OUT / 'push_fanout.prof'}")
        return code
    finally:
        stop.set()
        server.join(10)
        if server.is_alive():
            server.terminate()
        if pg_server:
            asyncio.run(_postgres_database(pg_server, pg_name, create=False))
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
