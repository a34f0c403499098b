"""MotCua against a typical Django peer and a hand-written floor, on the same tables (issue 14).

    .venv/bin/python bench/peer/run.py --quick                 # 5,000 dossiers, 3 s runs
    .venv/bin/python bench/peer/run.py                         # 200,000 dossiers, 3 x 10 s
    .venv/bin/python bench/peer/run.py --engines sqlite --dossiers 50000 --rounds 5

For each engine (SQLite, PostgreSQL) it makes a throw-away database, fills it with N dossiers
(bench/generate.py when it exists, else bench/peer/generate.py), then plays rounds. In each
round, for 1 and 2 workers, it starts fresh servers one after the other, the project (granian),
the Django peer (gunicorn sync workers, persistent connections) and the floor (granian,
bench/peer/floor.py), and runs `wrk -t1 -c32` on each page: the public lookup (POST /track
with a code and phone from the generated dossiers, a new X-Forwarded-For address each request
so that the rate limit counts but never refuses) and the catalog search (GET /procedures?q=cap,
41 rows). It prints each page's size on each server, then req/s and p99 per page, engine and
workers (medians over rounds, with the range) and the ratios project/peer and project/floor
(medians of the ratios within each round). Nothing here fails: it is a benchmark.

Needs: wrk, the peer's venv (bench/peer/requirements.txt; --peer-venv, default /tmp/peer-venv),
for PostgreSQL a server (--pg-url; a database motcua_peer_<pid> is made and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PEER_DIR = ROOT / "bench" / "peer" / "django_peer"
CATALOG_QUERY = "cap"  # 41 of the demo catalog's 61 procedures
PAGES = {
    "track": "public lookup (POST /track)",
    "catalog": "catalog search (41 rows)",
    "dossier": "a citizen's dossier page",
    "queue": "counter queue (50 a page)",
}
IMPLS = ("project", "peer", "floor")
# Pages behind a sign-in, measured on the project only (the absolute target).
SIGNED_IN = ("dossier", "queue")
# page -> (path, Cookie header), made for each engine's database by signed_in_pages().
SIGNED: dict[str, tuple[str, str]] = {}

SESSIONS = """
import asyncio, sys
from backend.accounts.services import start_session
from backend.dossiers.tables import Dossier
from backend.accounts.tables import User

async def main():
    # A citizen with a dossier that went the whole way (about ten events), and a counter officer.
    row = await Dossier.select(Dossier.id, Dossier.citizen).where(
        (Dossier.status == 10) & Dossier.citizen.is_not_null()).order_by(Dossier.id).first()
    officer = await User.select(User.id).where(User.role == "counter").order_by(User.id).first()
    print(row["id"], await start_session(row["citizen"], "web"), await start_session(officer["id"], "web"))

asyncio.run(main())
"""


def signed_in_pages(url: str, var_dir: Path) -> None:
    env = dict(
        os.environ, DATABASE_URL=url, VAR_DIR=str(var_dir), PICCOLO_CONF="backend.piccolo_conf"
    )
    out = subprocess.run(
        [str(BIN / "python"), "-c", SESSIONS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(f"could not sign in for the signed-in pages:\n{out.stderr}")
    dossier_id, citizen, officer = out.stdout.split()
    SIGNED["dossier"] = (f"/dossiers/{dossier_id}", f"mc_session={citizen}")
    SIGNED["queue"] = ("/staff/queue", f"mc_session={officer}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- databases -----------------------------------------------------------------------------------


@contextmanager
def database(engine: str, work: Path, pg_url: str) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{work / 'bench.sqlite3'}"
        return
    import asyncpg

    name = f"motcua_peer_{os.getpid()}"
    admin = pg_url

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    parts = urllib.parse.urlsplit(pg_url)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def generate(url: str, dossiers: int, var_dir: Path) -> None:
    shared = ROOT / "bench" / "generate.py"
    script = shared if shared.exists() else ROOT / "bench" / "peer" / "generate.py"
    env = dict(os.environ, VAR_DIR=str(var_dir), PICCOLO_CONF="backend.piccolo_conf")
    env["DATABASE_URL"] = url
    print(f"  generating {dossiers:,} dossiers with {script.relative_to(ROOT)}", flush=True)
    done = subprocess.run(
        [str(BIN / "python"), str(script), "--database", url, "--dossiers", str(dossiers)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"generation failed:\n{done.stdout}\n{done.stderr}")
    print("  " + done.stdout.strip().replace("\n", "\n  "), flush=True)


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            with conn:
                return conn.execute(sql).fetchall()
        finally:
            conn.close()
    import asyncpg

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(run())


# --- servers ---------------------------------------------------------------------------------------


def server_command(impl: str, workers: int, port: int, peer_venv: Path) -> list[str]:
    host = ("--host", "127.0.0.1", "--port", str(port))
    if impl == "project":
        return [str(BIN / "granian"), "--interface", "asgi", "--workers", str(workers), *host,
                "backend.app:app"]  # fmt: skip
    if impl == "floor":
        return [str(BIN / "granian"), "--interface", "asgi", "--workers", str(workers), *host,
                "bench.peer.floor:app"]  # fmt: skip
    return [str(peer_venv / "bin" / "gunicorn"), "--workers", str(workers), "--worker-class",
            "sync", "--chdir", str(PEER_DIR), "--bind", f"127.0.0.1:{port}", "peer.wsgi"]  # fmt: skip


@contextmanager
def server(
    impl: str, workers: int, url: str, var_dir: Path, peer_venv: Path, log: Path
) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        VAR_DIR=str(var_dir),
        DATABASE_URL=url,
        FLOOR_DATABASE_URL=url,
        PEER_DATABASE_URL=url,
        PICCOLO_CONF="backend.piccolo_conf",
        TRUSTED_PROXIES="127.0.0.1",
        PUSH_SENDER_IN_APP="0",
        DEBUG="0",
        BASE_URL=f"http://127.0.0.1:{port}",
    )
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            server_command(impl, workers, port, peer_venv),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/procedures?q=x", timeout=2) as r:
                    if r.status == 200:
                        break
            except (OSError, urllib.error.HTTPError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{impl} did not start; see {log}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()  # granian and gunicorn stop their workers on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def csrf(base: str) -> tuple[str, str, str]:
    """(form field name, token, cookie header) from the lookup's form."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/track").read().decode()
    m = re.search(r'name="(_csrf_token|csrfmiddlewaretoken)" value="([^"]+)"', html)
    if m is None:
        sys.exit(f"no CSRF field on {base}/track")
    return m.group(1), m.group(2), "; ".join(f"{c.name}={c.value}" for c in jar)


def lookup_body(field: str, token: str, code: str, phone: str) -> str:
    return urllib.parse.urlencode({field: token, "code": code, "phone": phone})


def page_size(base: str, page: str, pairs: list[tuple[str, str]]) -> tuple[int, int]:
    """(status, bytes of the body) of one request as wrk makes it (no compression)."""
    if page in SIGNED:
        path, cookie = SIGNED[page]
        req = urllib.request.Request(f"{base}{path}", headers={"Cookie": cookie})
        with urllib.request.urlopen(req) as r:
            return r.status, len(r.read())
    if page == "catalog":
        with urllib.request.urlopen(f"{base}/procedures?q={CATALOG_QUERY}") as r:
            return r.status, len(r.read())
    field, token, cookie = csrf(base)
    req = urllib.request.Request(
        f"{base}/track",
        data=lookup_body(field, token, *pairs[0]).encode(),
        headers={"Cookie": cookie, "X-Forwarded-For": "10.255.0.1"},
    )
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, len(r.read())
    except urllib.error.HTTPError as e:
        return e.code, len(e.read())


LUA = """
local pairs_ = {%(pairs)s}
local n = %(seed)d
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "%(cookie)s"
request = function()
  n = n + 1
  local p = pairs_[(n %% #pairs_) + 1]
  local ip = string.format("10.%%d.%%d.%%d", math.floor(n / 65536) %% 256, math.floor(n / 256) %% 256, n %% 256)
  wrk.headers["X-Forwarded-For"] = ip
  return wrk.format(nil, "/track", nil, "%(field)s=%(token)s&code=" .. p[1] .. "&phone=" .. p[2])
end
"""


def wrk(
    base: str, page: str, pairs: list[tuple[str, str]], args: argparse.Namespace, work: Path
) -> dict[str, float]:
    cmd = [
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if page in SIGNED:
        path, cookie = SIGNED[page]
        cmd += ["-H", f"Cookie: {cookie}", f"{base}{path}"]
    elif page == "catalog":
        cmd.append(f"{base}/procedures?q={CATALOG_QUERY}")
    else:
        field, token, cookie = csrf(base)
        lua = work / "track.lua"
        lua.write_text(
            LUA
            % {
                "pairs": ",".join(f'{{"{urllib.parse.quote(c)}","{p}"}}' for c, p in pairs),
                "seed": random.randrange(1 << 20) * 64,
                "cookie": cookie,
                "field": field,
                "token": token,
            }
        )
        cmd += ["-s", str(lua), base]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    total = re.search(r"(\d+) requests in", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "non2xx": int(bad.group(1)) if bad else 0,
        "requests": int(total.group(1)) if total else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


# --- the run ---------------------------------------------------------------------------------------


def run_engine(engine: str, args: argparse.Namespace, results: dict, sizes: dict) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"peer-{engine}-"))
    var_dir = work / "var"
    var_dir.mkdir()
    log = work / "servers.log"
    print(f"\n== {engine} (work dir {work})", flush=True)
    try:
        with database(engine, work, args.pg_url) as url:
            generate(url, args.dossiers, var_dir)
            pairs = [
                (str(c), str(p))
                for c, p in query(
                    url,
                    "SELECT code, applicant_phone FROM dossier WHERE status != 0 "
                    "ORDER BY random() LIMIT 1000",
                )
            ]
            if set(args.pages) & set(SIGNED_IN):
                signed_in_pages(url, var_dir)
            for rnd in range(args.rounds):
                for workers in args.workers:
                    order = list(IMPLS) if rnd % 2 == 0 else list(reversed(IMPLS))
                    for impl in order:
                        query(url, "DELETE FROM rate_limit_counter")
                        with server(impl, workers, url, var_dir, args.peer_venv, log) as base:
                            pages = [
                                p for p in args.pages if impl == "project" or p not in SIGNED_IN
                            ]
                            if rnd == 0:
                                for page in pages:
                                    sizes[engine, page, workers, impl] = page_size(
                                        base, page, pairs
                                    )
                            for page in pages:
                                r = wrk(base, page, pairs, args, work)
                                results.setdefault((engine, page, workers, impl), []).append(r)
                                flag = f" NON-2XX {r['non2xx']}" if r["non2xx"] else ""
                                print(
                                    f"  round {rnd + 1} {workers}w {impl:7} {page:7} "
                                    f"{r['rps']:8.1f} req/s  p99 {r['p99_ms']:8.1f} ms{flag}",
                                    flush=True,
                                )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def fmt_range(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return f"{statistics.median(values):.0f}" + (f" ({lo:.0f}–{hi:.0f})" if len(values) > 1 else "")


def report(args: argparse.Namespace, results: dict, sizes: dict) -> None:
    print("\nPage sizes (bytes of the body, uncompressed, as wrk gets them; status):")
    for (engine, page, workers, impl), (status, size) in sorted(sizes.items()):
        if impl == "project" or workers != args.workers[0]:
            continue
        ref = sizes[engine, page, workers, "project"][1]
        print(
            f"  {engine:10} {page:8} {impl:7} {size:7,} ({(size - ref) / ref:+.1%} vs project) {status}"
        )
    for (engine, page, workers, impl), (status, size) in sorted(sizes.items()):
        if impl == "project" and workers == args.workers[0]:
            print(f"  {engine:10} {page:8} project {size:7,} {status}")
    print(
        f"\n{args.dossiers:,} dossiers, wrk -t1 -c{args.connections}, {args.rounds} rounds of "
        f"{args.duration} s, interleaved; req/s median (range) and p99 median; ratios are medians "
        "of each round's ratio\n"
    )
    print(
        "| page | DB | workers | MotCua req/s (p99) | Django peer (p99) | floor (p99) | MotCua/peer | MotCua/floor |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for page in args.pages:
        for engine in args.engines:
            for workers in args.workers:
                runs = {i: results.get((engine, page, workers, i), []) for i in IMPLS}
                if not runs["project"]:
                    continue
                cells = []
                for i in IMPLS:
                    if not runs[i]:
                        cells.append("–")
                        continue
                    rps = [r["rps"] for r in runs[i]]
                    p99 = statistics.median(r["p99_ms"] for r in runs[i])
                    bad = sum(r["non2xx"] for r in runs[i])
                    cells.append(
                        f"{fmt_range(rps)} ({p99:.0f} ms)" + (f" **{bad} non-2xx**" if bad else "")
                    )
                ratios = []
                for other in ("peer", "floor"):
                    rs = [
                        p["rps"] / o["rps"]
                        for p, o in zip(runs["project"], runs[other], strict=False)
                        if o["rps"]
                    ]
                    ratios.append(f"{statistics.median(rs):.2f}" if rs else "–")
                print(
                    f"| {PAGES[page]} | {engine} | {workers} | {' | '.join(cells)} | {' | '.join(ratios)} |"
                )
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (2 shared cores: read the ratios)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 dossiers, 2 rounds of 3 s")
    parser.add_argument("--dossiers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--duration", type=int, default=None, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--pages", default="track,catalog")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--peer-venv", type=Path, default=Path("/tmp/peer-venv"))
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    args = parser.parse_args(argv)
    args.dossiers = args.dossiers or (5_000 if args.quick else 200_000)
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.duration = args.duration or (3 if args.quick else 10)
    args.engines = args.engines.split(",")
    args.workers = [int(w) for w in args.workers.split(",")]
    args.pages = args.pages.split(",")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed")
    if not (args.peer_venv / "bin" / "gunicorn").exists():
        sys.exit(
            f"no peer venv at {args.peer_venv}: python3 -m venv {args.peer_venv} && "
            f"{args.peer_venv}/bin/pip install -r bench/peer/requirements.txt"
        )
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    results: dict = {}
    sizes: dict = {}
    for engine in args.engines:
        run_engine(engine, args, results, sizes)
    report(args, results, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
