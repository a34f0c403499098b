"""Fill a database with N dossiers and their history, for measuring the reports (issue 13).

    .venv/bin/python bench/generate.py --database sqlite:///var/bench/1m.sqlite3 --dossiers 1000000
    .venv/bin/python bench/generate.py --database postgresql://postgres@127.0.0.1:5432/bench1m

It runs the real migrations and loads the demo catalog, then writes the rows with bulk inserts
(sqlite3 executemany in big transactions; COPY through asyncpg on PostgreSQL), not through the
workflow, which would take days at a million. Each dossier is planned as a sequence of workflow
steps and replayed with the column changes of backend.dossiers.effects (bench/dossier_life.py),
so its row and events look like the workflow's. Then `python -m backend.reports rebuild` fills
the daily counters. Both times are printed.

NOT like the workflow: the events' hash chain (prev_hash, hash, key_id) holds placeholders, so
`python -m backend.audit verify` fails on generated data; no outbox rows, files or shipments
are written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 10_000
CHANNELS = ((2, 0.55), (1, 0.40), (3, 0.05))
DOSSIER_COLUMNS = [
    "id",
    "code",
    "procedure",
    "citizen",
    "status",
    "state",
    "version",
    "agency",
    "handling_agency",
    "assignee",
    "channel",
    "applicant_name",
    "applicant_phone",
    "created_at",
    "updated_at",
    "submitted_at",
    "appointment_date",
    "promised_date",
    "received_at",
    "register_number",
    "finished_at",
    "paused_at",
    "supplement_count",
    "supplement_request",
    "late",
    "on_time",
    "due_soon_alerted_on",
    "result_kind",
    "delivery_method",
    "recipient_name",
    "recipient_phone",
    "street",
    "ward",
    "ward_code",
    "delivery_province",
    "idempotency_key",
]
EVENT_COLUMNS = [
    "dossier",
    "at",
    "actor",
    "actor_role",
    "agency_code",
    "action",
    "from_status",
    "to_status",
    "state_from",
    "state_to",
    "note",
    "data",
    "seq",
    "prev_hash",
    "hash",
    "key_id",
]
RATING_COLUMNS = [
    "source",
    "dossier",
    "scale",
    "level",
    "satisfied",
    "criteria",
    "comment",
    "counter",
    "officer",
    "agency",
    "device",
    "client_key",
    "created_at",
    "updated_at",
]
USER_COLUMNS = [
    "login",
    "password_hash",
    "full_name",
    "role",
    "phone",
    "agency",
    "counter",
    "active",
    "created_at",
]
# Generated events are not chained: a cheap placeholder instead of the HMAC (see the docstring).
KEY_ID = "bench"


def placeholder_hash(seq: int) -> str:
    return f"{seq:064x}" if seq else ""


def _env(database: str) -> dict[str, str]:
    env = dict(os.environ, DATABASE_URL=database, PICCOLO_CONF="backend.piccolo_conf")
    if database.startswith("sqlite:///"):
        env["VAR_DIR"] = str(Path(database.removeprefix("sqlite:///")).resolve().parent)
    else:
        env.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    return env


# -- the two engines ---------------------------------------------------------------------------


class Sqlite:
    def __init__(self, path: str) -> None:
        sqlite3.register_adapter(datetime, lambda v: str(v.astimezone(UTC)))  # as Piccolo does
        sqlite3.register_adapter(date, lambda v: v.isoformat())
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -400000")

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql.replace("{}", "?"), args)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    async def execute(self, sql: str, *args: Any) -> None:
        self.conn.execute(sql.replace("{}", "?"), args)

    async def insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        self.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    async def begin(self) -> None:
        self.conn.execute("BEGIN")

    async def commit(self) -> None:
        self.conn.execute("COMMIT")

    async def close(self) -> None:
        self.conn.execute("ANALYZE")
        self.conn.close()


class Postgres:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.tx: Any = None

    @classmethod
    async def connect(cls, url: str) -> Postgres:
        import asyncpg

        return cls(await asyncpg.connect(url))

    @staticmethod
    def _sql(sql: str) -> str:
        parts = sql.split("{}")
        return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.conn.fetch(self._sql(sql), *args)]

    async def execute(self, sql: str, *args: Any) -> None:
        await self.conn.execute(self._sql(sql), *args)

    async def insert(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        await self.conn.copy_records_to_table(table, records=list(rows), columns=list(columns))

    async def begin(self) -> None:
        self.tx = self.conn.transaction()
        await self.tx.start()

    async def commit(self) -> None:
        await self.tx.commit()

    async def close(self) -> None:
        await self.conn.execute("ANALYZE")
        await self.conn.close()


# -- the cast and the catalog ------------------------------------------------------------------


async def _users(db: Any, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        await db.insert("app_user", USER_COLUMNS, rows)


async def load_world(
    db: Any, rng: random.Random, citizens: int
) -> tuple[Any, list[Any], list[tuple[int, str]]]:
    """The catalog, the committees of a dozen communes, staff for every deciding body, the
    citizens; returns (cast, procedures, citizens as (id, phone))."""
    from dossier_life import Cast, Proc, person

    from backend.catalog import communes

    now = datetime.now(UTC)
    wards = communes.province_wards()
    for ward in rng.sample(wards, min(12, len(wards))):
        await db.execute(
            "INSERT INTO agency (code, name, kind, note) VALUES ({}, {}, {}, '') "
            "ON CONFLICT (code) DO NOTHING",
            communes.committee_code(ward),
            communes.committee_name(ward),
            communes.KIND,
        )
    agencies = await db.fetch("SELECT id, code, name, kind FROM agency ORDER BY id")
    users = await db.fetch("SELECT id, login, role, agency, counter, post_office FROM app_user")
    have = {(u["role"], u["agency"]) for u in users}
    new: list[tuple[Any, ...]] = []
    for a in agencies:
        for role, suffix in (("specialist", "cv"), ("leader", "ld")):
            if (role, a["id"]) not in have:
                new.append(
                    (
                        f"bench.{a['code']}.{suffix}",
                        "!bench",
                        person(rng),
                        role,
                        None,
                        a["id"],
                        None,
                        True,
                        now,
                    )
                )
    counters = await db.fetch("SELECT id, number FROM counter ORDER BY number")
    staffed = {u["counter"] for u in users if u["role"] == "counter"}
    for c in counters:
        if c["id"] not in staffed:
            new.append(
                (
                    f"bench.motcua{c['number']}",
                    "!bench",
                    person(rng),
                    "counter",
                    None,
                    None,
                    c["id"],
                    True,
                    now,
                )
            )
    await _users(db, new)
    existing = await db.fetch(
        "SELECT COUNT(*) AS n FROM app_user WHERE role = 'citizen' AND login LIKE '03%'"
    )
    if not existing[0]["n"]:
        rows = []
        for i in range(citizens):
            # A valid Vietnamese mobile number (039 + 7 digits): the lookup normalises and checks
            # what it is given, so an invalid one would only ever be "not found".
            phone = f"039{i:07d}"
            rows.append((phone, "!bench", person(rng), "citizen", phone, None, None, True, now))
        await _users(db, rows)
    users = await db.fetch(
        "SELECT id, login, role, agency, counter, post_office, phone FROM app_user"
    )
    offices = {r["id"]: r["code"] for r in await db.fetch("SELECT id, code FROM post_office")}
    by_code = {a["code"]: a for a in agencies}
    committees = [
        (by_code[c]["id"], c, c.removeprefix("ubnd"))
        for c in by_code
        if by_code[c]["kind"] == communes.KIND
    ]
    cast = Cast(
        counter_officers=[
            (u["id"], u["counter"]) for u in users if u["role"] == "counter" and u["counter"]
        ],
        specialists=_by_agency(users, "specialist"),
        leaders=_by_agency(users, "leader"),
        postal=[(u["id"], offices[u["post_office"]]) for u in users if u["role"] == "postal"],
        agency_codes={a["id"]: a["code"] for a in agencies},
        committees=committees,
        wards=[(w.code, w.name) for w in wards],
        forward_targets=[a["code"] for a in agencies if a["kind"] == "department"],
        committee_names={a["id"]: a["name"] for a in agencies},
    )
    docs: dict[int, list[int]] = {}
    for r in await db.fetch("SELECT id, procedure FROM required_document ORDER BY position"):
        docs.setdefault(r["procedure"], []).append(r["id"])
    procs = [
        Proc(
            id=p["id"],
            agency=p["agency"],
            days=int(p["processing_days"]),
            cutoff=bool(p["same_day_cutoff"]),
            commune=bool(p["decided_by_commune"]),
            full_online=p["online_level"] == "toàn trình",
            delivery=frozenset(p["result_delivery"].split(",")),
            documents=tuple(docs.get(p["id"], [])),
        )
        for p in await db.fetch(
            "SELECT id, agency, processing_days, same_day_cutoff, decided_by_commune, online_level, "
            "result_delivery FROM procedure WHERE active ORDER BY id"
        )
    ]
    people = [
        (u["id"], u["phone"])
        for u in users
        if u["role"] == "citizen" and (u["login"] or "").startswith("03")
    ]
    return cast, procs, people


def _by_agency(users: list[dict[str, Any]], role: str) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for u in users:
        if u["role"] == role and u["agency"]:
            found.setdefault(u["agency"], []).append(u["id"])
    return found


async def calendar(db: Any) -> Any:
    """backend.catalog.services.load_calendar, read over this connection."""
    from backend.lib.workdays import WorkCalendar

    rows = await db.fetch("SELECT day, working FROM calendar_day")
    day = lambda v: v if isinstance(v, date) else date.fromisoformat(v)  # noqa: E731
    return WorkCalendar(
        extra_days_off=frozenset(day(r["day"]) for r in rows if not r["working"]),
        extra_working_days=frozenset(day(r["day"]) for r in rows if r["working"]),
    )


# -- the dossiers --------------------------------------------------------------------------------


def filing_moments(
    rng: random.Random, cal: Any, n: int, years: float, now: datetime
) -> list[tuple[datetime, int]]:
    """When each dossier is filed and by which channel, in order: counter filings on working
    days in office hours, online and postal ones any day from 6:00 to 23:00."""
    from dossier_life import at_local, local

    first = local(now) - timedelta(days=int(365 * years))
    span = (local(now) - first).days + 1
    channels, weights = zip(*CHANNELS, strict=True)
    out: list[tuple[datetime, int]] = []
    while len(out) < n:
        channel = rng.choices(channels, weights)[0]
        day = first + timedelta(days=rng.randrange(span))
        if channel == 1:
            if not cal.is_working_day(day):
                continue
            moment = at_local(day, rng.randint(450, 1005), rng.randint(0, 59))
        else:
            if not cal.is_working_day(day) and rng.random() < 0.6:
                continue
            moment = at_local(day, rng.randint(360, 1379), rng.randint(0, 59))
        if moment <= now:
            out.append((moment, channel))
    out.sort(key=lambda m: m[0])
    return out


class Generator:
    def __init__(self, db: Any, args: argparse.Namespace) -> None:
        self.db, self.args = db, args
        self.rng = random.Random(args.seed)
        self.day_seq: dict[str, int] = {}
        self.complaints: list[dict[str, Any]] = []
        self.counts = {"dossiers": 0, "events": 0, "ratings": 0, "open": 0, "late": 0}

    async def run(self) -> None:
        from dossier_life import Life, replay

        from backend.settings import get_settings

        db, rng, args = self.db, self.rng, self.args
        self.unit = get_settings().unit_code
        now = datetime.now(UTC)
        cal = await calendar(db)
        cast, procs, people = await load_world(db, rng, max(200, args.dossiers // 6))
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(procs))]
        rng.shuffle(weights)
        moments = filing_moments(rng, cal, args.dossiers, args.years, now)
        next_id = (await db.fetch("SELECT COALESCE(MAX(id), 0) AS n FROM dossier"))[0]["n"] + 1
        head = await db.fetch("SELECT last_seq FROM audit_chain_head WHERE id = 1")
        self.seq = int(head[0]["last_seq"]) if head else 0
        kiosks = await self._kiosks(cast, now)
        for start in range(0, len(moments), CHUNK):
            dossiers, events, ratings = [], [], []
            for moment, channel in moments[start : start + CHUNK]:
                proc = rng.choices(procs, weights)[0]
                if channel != 1 and not proc.full_online and rng.random() < 0.5:
                    channel = 1  # partly-online procedures are mostly filed at the counter
                citizen, phone = rng.choice(people)
                life = Life(rng, cal, cast, proc, channel, moment, citizen, phone)
                life.plan()
                d, evs = replay(life, next_id, now, self.day_seq, self.unit)
                next_id += 1
                dossiers.append(tuple(d[c] for c in DOSSIER_COLUMNS))
                for e in evs:
                    self.seq += 1
                    events.append(
                        (
                            *e,
                            self.seq,
                            placeholder_hash(self.seq - 1),
                            placeholder_hash(self.seq),
                            KEY_ID,
                        )
                    )
                ratings.extend(self._ratings(life, d, evs, now, kiosks))
                self._maybe_complaint(life, d, now)
                self._count(d, len(evs))
            await db.begin()
            await db.insert("dossier", DOSSIER_COLUMNS, dossiers)
            await db.insert("dossier_event", EVENT_COLUMNS, events)
            await db.insert("rating", RATING_COLUMNS, ratings)
            await db.commit()
            self.counts["ratings"] += len(ratings)
            done = min(start + CHUNK, len(moments))
            if done % (CHUNK * 10) == 0 or done == len(moments):
                print(f"  {done:>9,} dossiers, {self.counts['events']:,} events", flush=True)
        await self._finish(cal, now)

    def _count(self, d: dict[str, Any], events: int) -> None:
        self.counts["dossiers"] += 1
        self.counts["events"] += events
        self.counts["open"] += d["state"] in (
            "received",
            "processing",
            "forwarded",
            "processing_supplement",
            "supplemented",
            "awaiting_signature",
            "submitted",
            "intake_supplement",
        )
        self.counts["late"] += bool(d["late"] and d["finished_at"] and d["result_kind"])

    async def _kiosks(self, cast: Any, now: datetime) -> dict[int, int]:
        """A kiosk tablet for each counter (its votes name it)."""
        for _officer, counter in cast.counter_officers:
            await self.db.execute(
                "INSERT INTO kiosk_device (token_hash, counter, created_by, pin_hash, created_at, active) "
                "VALUES ({}, {}, NULL, '!bench', {}, {}) ON CONFLICT (token_hash) DO NOTHING",
                f"bench-{counter}",
                counter,
                now,
                True,
            )
        rows = await self.db.fetch(
            "SELECT id, counter FROM kiosk_device WHERE token_hash LIKE 'bench-%'"
        )
        return {r["counter"]: r["id"] for r in rows}

    def _ratings(
        self,
        life: Any,
        d: dict[str, Any],
        evs: list[tuple[Any, ...]],
        now: datetime,
        kiosks: dict[int, int],
    ) -> list[tuple[Any, ...]]:
        """Most satisfied (ratings.scale: the top two of 5 levels); late dossiers less so."""
        rng, out = self.rng, []
        officer, counter = life.officer
        bad = 0.25 if d["late"] else 0.03

        def level() -> int:
            if rng.random() < bad:
                return rng.choice((1, 2, 3))
            return 5 if rng.random() < 0.78 else 4

        if d["state"] == "returned" and rng.random() < 0.35:
            at = evs[-1][1] + timedelta(minutes=rng.randint(1, 4000))
            if at <= now:
                v = level()
                out.append(
                    (
                        "dossier",
                        d["id"],
                        5,
                        v,
                        v >= 4,
                        "{}",
                        "",
                        counter,
                        officer,
                        d["agency"],
                        None,
                        None,
                        at,
                        at,
                    )
                )
        if life.channel == 1 and rng.random() < 0.3 and counter in kiosks:
            at = evs[0][1] + timedelta(minutes=rng.randint(1, 5))
            if at <= now:
                v = level()
                out.append(
                    (
                        "kiosk",
                        None,
                        5,
                        v,
                        v >= 4,
                        "{}",
                        "",
                        counter,
                        officer,
                        None,
                        kiosks[counter],
                        f"{kiosks[counter]}:bench{d['id']}",
                        at,
                        at,
                    )
                )
        return out

    def _maybe_complaint(self, life: Any, d: dict[str, Any], now: datetime) -> None:
        if d["received_at"] is None or self.rng.random() >= 0.003:
            return
        at = d["received_at"] + timedelta(
            days=self.rng.randint(1, 20), minutes=self.rng.randint(0, 600)
        )
        if at <= now:
            self.complaints.append({"at": at, "dossier": d, "life": life})

    async def _finish(self, cal: Any, now: datetime) -> None:
        from complaints_gen import write_complaints

        db = self.db
        await db.begin()
        scopes = await write_complaints(db, self.rng, cal, self.complaints, now)
        self.day_seq.update(scopes)
        await self._sequences(self.day_seq.items())
        await self._register_numbers()
        await db.execute(
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, {}, {}) "
            "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash",
            self.seq,
            placeholder_hash(self.seq),
        )
        if isinstance(db, Postgres):
            await db.execute(
                "SELECT setval(pg_get_serial_sequence('dossier', 'id'), (SELECT MAX(id) FROM dossier))"
            )
        await db.commit()

    async def _register_numbers(self) -> None:
        """Form 07's number: the order of receipt within the (Vietnam) year, as
        codes.next_register_number gives it one receipt at a time."""
        db = self.db
        year = (
            "CAST(strftime('%Y', received_at, '+7 hours') AS INTEGER)"
            if isinstance(db, Sqlite)
            else "CAST(EXTRACT(YEAR FROM received_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS INTEGER)"
        )
        await db.execute(
            "UPDATE dossier SET register_number = numbered.n FROM ("
            f"SELECT id, ROW_NUMBER() OVER (PARTITION BY {year} ORDER BY received_at, id) AS n "
            "FROM dossier WHERE received_at IS NOT NULL) AS numbered WHERE dossier.id = numbered.id"
        )
        rows = await db.fetch(
            f"SELECT {year} AS year, MAX(register_number) AS n FROM dossier WHERE received_at IS NOT NULL GROUP BY 1"
        )
        await self._sequences((f"register-{r['year']}", r["n"]) for r in rows)

    async def _sequences(self, rows: Iterable[tuple[str, int]]) -> None:
        """The last number given per day (codes) and per year (register), as codes._next keeps."""
        for scope, last in rows:
            await self.db.execute(
                "INSERT INTO code_sequence (scope, last) VALUES ({}, {}) "
                "ON CONFLICT (scope) DO UPDATE SET last = excluded.last",
                scope,
                int(last),
            )


def prepare(database: str, env: dict[str, str]) -> None:
    """The real migrations and the demo catalog (idempotent)."""
    python = str(ROOT / ".venv" / "bin" / "python")
    piccolo = str(ROOT / ".venv" / "bin" / "piccolo")
    Path(env["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [piccolo, "migrations", "forwards", "all"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [python, "-m", "backend.demo"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )


async def generate(args: argparse.Namespace) -> dict[str, int]:
    url = args.database
    db: Any = (
        Sqlite(url.removeprefix("sqlite:///"))
        if url.startswith("sqlite:///")
        else await Postgres.connect(url)
    )
    try:
        if (await db.fetch("SELECT COUNT(*) AS n FROM dossier"))[0]["n"] and not args.append:
            sys.exit("The database already has dossiers: use a new one, or --append.")
        gen = Generator(db, args)
        await gen.run()
        return gen.counts
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", required=True, help="sqlite:///path or postgresql://... (must exist)"
    )
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument(
        "--years", type=float, default=2.0, help="filed over this many years up to today"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--append", action="store_true", help="add to a database that has dossiers")
    parser.add_argument(
        "--no-rebuild", action="store_true", help="skip python -m backend.reports rebuild"
    )
    args = parser.parse_args(argv)
    env = _env(args.database)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    prepare(args.database, env)
    print(f"migrations and demo catalog: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    counts = asyncio.run(generate(args))
    took = time.perf_counter() - started
    print(f"generated {counts} in {took:.1f} s ({counts['dossiers'] / took:,.0f} dossiers/s)")
    if not args.no_rebuild:
        started = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "python"), "-m", "backend.reports", "rebuild"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        print(f"rebuild of the report counters: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
