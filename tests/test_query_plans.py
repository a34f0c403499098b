"""The hot pages' queries: no full scan of a large table, and no page loads the same thing twice.

Each page is requested through the app as a browser would, while every statement the database
engine runs is recorded (`recording` wraps the engine's `run_querystring`, the one door every
Piccolo query goes through). Each recorded SELECT, UPDATE and DELETE is then explained by the
engine itself, with the arguments it ran with:

- SQLite: `EXPLAIN QUERY PLAN`; a `SCAN <table>` reads every row, or every entry of an index
  (`USING [COVERING] INDEX`), unless a LIMIT stops it. (Without ANALYZE statistics SQLite
  assumes every table is large, so the plan is the one a large database gets.)
- PostgreSQL: `EXPLAIN (FORMAT JSON)` with `enable_seqscan = off` in the same connection: the
  planner prefers a seq scan on the test's small tables, but with seq scans priced out a
  remaining `Seq Scan` means no index could serve the query, and so does an index scan without
  an `Index Cond` (the primary key walked from end to end, filtering every row), unless a
  `Limit` stops it.

The two rules are the same: a read is bounded by an index condition, or by a LIMIT on a walk
that filters nothing.

Only large tables count: those that grow with dossiers, people or time (`LARGE`). A small one
(agencies, procedures, counters, post offices, the calendar) is read whole on purpose.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from piccolo.querystring import QueryString

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import Procedure
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import State
from backend.piccolo_conf import DB
from backend.postal import pickups
from backend.postal.schemas import Booking
from backend.settings import get_settings
from tests.complaints.conftest import People, file_as
from tests.conftest import ENGINE
from tests.dossiers.factory import Factory
from tests.helpers import Client, make_user, post_form, sign_in_as, soup
from tests.postal.conftest import PHU_LY, Postal, _office

# Tables whose rows grow with dossiers, people or time.
LARGE = frozenset(
    {
        "app_user",
        "auth_session",
        "rate_limit_counter",
        "dossier",
        "dossier_event",
        "dossier_file",
        "submission_key",
        "notification",
        "outbox_item",
        "push_subscription",
        "notification_preference",
        "postal_shipment",
        "postal_pickup",
        "postal_handover",
        "postal_confirmation_key",
        "rating",
        "counter_duty",
        "complaint",
        "complaint_event",
        "complaint_file",
        "complaint_vote",
        "evaluation",
        "evaluation_score",
    }
)


@dataclass(frozen=True)
class Statement:
    sql: str
    args: tuple[Any, ...]

    @property
    def verb(self) -> str:
        return self.sql.lstrip().split(None, 1)[0].upper()

    @property
    def explainable(self) -> bool:
        return self.verb in ("SELECT", "WITH", "UPDATE", "DELETE")


@dataclass
class Recording:
    statements: list[Statement] = field(default_factory=list)

    @property
    def selects(self) -> list[Statement]:
        return [s for s in self.statements if s.verb in ("SELECT", "WITH")]

    def repeated(self) -> list[Statement]:
        """SELECTs run more than once with the same arguments: the same data loaded twice."""
        counts = Counter(self.selects)
        return [s for s, n in counts.items() if n > 1]


@contextmanager
def recording() -> Iterator[Recording]:
    """Every statement the engine runs meanwhile, as it compiles it for the database.

    (The engine's class is wrapped: its instances have slots, so the method cannot be replaced
    on the instance.)"""
    rec = Recording()
    cls = type(DB)
    original = cls.run_querystring

    async def run_querystring(self: Any, querystring: QueryString, in_pool: bool = True) -> Any:
        if self is DB:
            sql, args = querystring.compile_string(engine_type=self.engine_type)
            rec.statements.append(Statement(sql, tuple(args)))
        return await original(self, querystring, in_pool=in_pool)

    cls.run_querystring = run_querystring  # type: ignore[method-assign]
    try:
        yield rec
    finally:
        cls.run_querystring = original  # type: ignore[method-assign]


# --- the engines' plans ------------------------------------------------------------------------

_ALIAS = r'(?:FROM|JOIN)\s+"?(\w+)"?\s+(?:AS\s+)?"?{alias}"?(?:\s|$|\))'


def _sqlite_scans(db: sqlite3.Connection, st: Statement) -> list[str]:
    """The tables a statement reads whole, by SQLite's own plan: every `SCAN`, with or without
    `USING [COVERING] INDEX` (an index walked from end to end, filtering every row, costs the
    same as the table: without the index on dossier_event.dossier the lookup walks the seq
    index), except a walk a LIMIT stops: the first table of a statement with a LIMIT and no
    WHERE, read in the order asked for (the newest 20 lists by id). A table joined to it is
    looked up once per row, so a scan of that one still counts."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    plan = [r[3] for r in db.execute("EXPLAIN QUERY PLAN " + st.sql, st.args)]
    bounded = (
        re.search(r"\bLIMIT\b", st.sql)
        and not re.search(r"\bWHERE\b", st.sql)
        and not any("USE TEMP B-TREE" in detail for detail in plan)
    )
    scans = []
    for n, detail in enumerate(plan):
        m = re.match(r"SCAN (\S+)", detail)
        if not m or (bounded and n == 0):
            continue
        name = m[1]
        if name not in tables:  # an alias: find what it stands for in the statement
            found = re.search(_ALIAS.format(alias=re.escape(name)), st.sql, re.IGNORECASE)
            name = found[1] if found else name
        scans.append(name)
    return scans


def _pg_full_scans(plan: dict[str, Any], limited: bool = False) -> Iterator[str]:
    """The tables a PostgreSQL plan reads whole: a Seq Scan, or (what the planner falls back
    to when seq scans are off) an index walked from end to end, without an Index Cond, unless
    a Limit above it stops the walk and no Filter makes it read on (the newest 20 by id)."""
    node = plan.get("Node Type", "")
    walk = node in ("Index Scan", "Index Only Scan") and "Index Cond" not in plan
    if node == "Seq Scan" or (walk and not (limited and "Filter" not in plan)):
        yield plan["Relation Name"]
    for child in plan.get("Plans", []):
        yield from _pg_full_scans(child, limited or node == "Limit")


async def full_scans(statements: list[Statement]) -> dict[str, list[Statement]]:
    """{large table: the statements that read it whole}."""
    found: dict[str, list[Statement]] = {}
    todo = [s for s in statements if s.explainable]
    if ENGINE == "sqlite":
        with sqlite3.connect(get_settings().sqlite_path) as db:
            for st in todo:
                for table in _sqlite_scans(db, st):
                    found.setdefault(table, []).append(st)
    else:
        import asyncpg

        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            await conn.execute("SET enable_seqscan = off")
            for st in todo:
                plan = json.loads(await conn.fetchval("EXPLAIN (FORMAT JSON) " + st.sql, *st.args))
                for table in _pg_full_scans(plan[0]["Plan"]):
                    found.setdefault(table, []).append(st)
        finally:
            await conn.close()
    return {t: sts for t, sts in found.items() if t in LARGE}


# --- the pages ---------------------------------------------------------------------------------


@dataclass
class World:
    """Dossiers in the states the pages show, with the panels of the post and the rating, a
    parcel on a courier's round and a pickup booked with the same post office."""

    postal: Postal
    dossiers: dict[str, int]  # and the handover list and complaint the pages show
    people: dict[str, CurrentUser]

    def url(self, template: str) -> str:
        return template.format(**self.dossiers)


@pytest.fixture(scope="module")
async def world(database: None) -> AsyncIterator[World]:
    f = await Factory().setup()
    proc = f.procedures["stp"]["id"]
    before = await Procedure.select(Procedure.result_delivery).where(Procedure.id == proc).first()
    assert before is not None
    # The factory's procedure must offer delivery by post (as in tests/postal).
    await Procedure.update({Procedure.result_delivery: "counter,post"}).where(Procedure.id == proc)
    # tests/postal's office A (made by whichever module comes first): the first office serving
    # the ward gets its parcels, so a second one would take tests/postal's parcels.
    office = await _office("T-BD-A", "Bưu điện thử A", PHU_LY)
    postal = Postal(
        factory=f,
        office_a=office,
        office_b=office,
        courier_a=await make_user(Role.POSTAL, "t.qp.buuta", post_office=office),
        courier_a2=await make_user(Role.POSTAL, "t.qp.buuta2", post_office=office),
        courier_b=await make_user(Role.POSTAL, "t.qp.buuta3", post_office=office),
        counter=f.people["counter"],
        leader=f.staff("stp", "leader"),
    )
    processing = await f.create(State.PROCESSING)
    await f.create(State.SUBMITTED)
    by_post = await postal.ready(PHU_LY)
    await postal.handed_over(by_post)
    await postal.ready(PHU_LY)  # waiting for the next handover list
    picked_up = await f.draft("stp")
    await pickups.book(f.people["owner"], picked_up, _booking())
    parcel = await postal.shipment(by_post)
    complaint = await file_as(_complainants(f, processing), f.people["owner"])
    yield World(
        postal,
        dossiers={
            "processing": processing,
            "by_post": by_post,
            "returned": await f.create(State.RETURNED),
            "handover": parcel["handover"],
            "complaint": complaint["id"],
        },
        people={**f.people, "courier": postal.courier_a},
    )
    await Procedure.update({Procedure.result_delivery: before["result_delivery"]}).where(
        Procedure.id == proc
    )


def _complainants(f: Factory, dossier_id: int) -> People:
    return People(
        factory=f,
        manager=f.people["manager"],
        stp_leader=f.staff("stp", "leader"),
        sxd_leader=f.staff("sxd", "leader"),
        specialist=f.staff("stp", "specialist"),
        counter=f.people["counter"],
        citizen=f.people["owner"],
        other_citizen=f.people["other_citizen"],
        dossier_id=dossier_id,
    )


def _booking() -> Booking:
    return Booking(
        contact_name="Phạm Văn Gửi",
        contact_phone="0977123456",
        street="Số 9 ngõ 3 đường Trần Phú",
        province="Ninh Bình",
        ward_code=PHU_LY,
        preferred_date=pickups.today() + timedelta(days=1),
    )


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # a key of World.people, or "" for a visitor
    url: str  # with {processing}, {handover}...: World.dossiers
    # Tracked by code and the owner's phone (a form post) instead of a GET of `url`.
    track: bool = False
    shows: str = ""  # a CSS selector the page must match: the part of it being measured


PAGES = [
    Page("dossier page", "owner", "/dossiers/{processing}"),
    Page("dossier page, parcel on its way", "owner", "/dossiers/{by_post}", shows="#postal"),
    Page("dossier page, to rate", "owner", "/dossiers/{returned}", shows="#rating"),
    Page("my dossiers", "owner", "/my/dossiers"),
    Page("inbox", "owner", "/inbox"),
    Page("public lookup", "", "/track", track=True),
    Page("intake queue", "counter", "/staff/queue?view=intake"),
    Page("handover queue", "counter", "/staff/queue?view=handover"),
    Page("agency queue", "stp.specialist", "/staff/queue"),
    Page("my queue", "stp.specialist", "/staff/queue?view=mine"),
    Page("leader queue", "stp.leader", "/staff/queue"),
    Page("staff dossier page", "stp.specialist", "/staff/dossiers/{processing}"),
    Page("handover lists", "counter", "/postal/handover/"),
    Page("handover list record", "counter", "/postal/handover/{handover}"),
    Page("courier round", "courier", "/courier/", shows=".parcel:not(.pickup)"),
    Page("register", "manager", "/staff/register/"),
    Page("complaints queue", "manager", "/staff/complaints/"),
    Page("complaint page", "manager", "/staff/complaints/{complaint}"),
    Page("public PAKN", "", "/pakn/"),
    Page("dashboard, a year", "manager", "/manage/reports?period=year&first=2026-01-01"),
    Page("766 scorecard", "manager", "/manage/766?period=year&first=2026-01-01"),
    Page("drill-down by decision", "manager", "/manage/reports/dossiers?metric=late"),
    Page("drill-down by event", "manager", "/manage/reports/dossiers?metric=apologies"),
    Page("drill-down, carried over", "manager", "/manage/reports/dossiers?metric=carried_over"),
    Page(
        "drill-down of the supplements",
        "manager",
        "/manage/reports/dossiers?metric=supplement_requests",
    ),
    Page("public statistics", "", "/statistics"),
    Page("ratings behind a number", "manager", "/manage/reports/feedback?list=ratings"),
    Page("complaints behind a number", "manager", "/manage/reports/feedback?list=answered"),
]


async def visit(client: Client, world: World, page: Page) -> Recording:
    """The page as a browser opens it, signed in as `page.who`; what the engine ran for it."""
    if page.who:
        await sign_in_as(client, world.people[page.who])
    if not page.track:
        with recording() as rec:
            r = await client.get(world.url(page.url), follow_redirects=False)
        assert r.status_code == 200, (page.url, r.status_code, r.text[:500])
        assert not page.shows or soup(r.text).select(page.shows), page.shows
        return rec
    code = await Dossier.select(Dossier.code).where(Dossier.id == world.dossiers["processing"])
    await client.get("/track")  # the form and its CSRF cookie, before the recording starts
    with recording() as rec:
        r = await post_form(
            client, "/track", code=code[0]["code"], phone=world.people["owner"].phone
        )
    assert r.status_code == 200 and code[0]["code"] in r.text, r.text[:500]
    return rec


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
async def test_page_uses_indexes_and_loads_once(page: Page, world: World, client: Client) -> None:
    rec = await visit(client, world, page)
    # `pytest -s` shows each page's cost.
    print(f"\n{page.name}: {len(rec.statements)} statements, {len(rec.selects)} SELECTs")
    scans = await full_scans(rec.statements)
    assert not scans, "\n".join(
        f"{table}: read whole by\n  " + "\n  ".join(s.sql for s in sts)
        for table, sts in scans.items()
    )
    repeated = rec.repeated()
    assert not repeated, "the same SELECT twice:\n  " + "\n  ".join(s.sql for s in repeated)


async def _leading_index_columns(table: str) -> set[str]:
    """The columns that come first in some index of `table`, as the database itself has them."""
    if ENGINE == "sqlite":
        leading = set()
        for index in await DB.run_querystring(QueryString(f"PRAGMA index_list('{table}')")):
            info = await DB.run_querystring(QueryString(f"PRAGMA index_info('{index['name']}')"))
            first = min(info, key=lambda c: c["seqno"])
            leading.add(first["name"])
        return leading
    rows = await DB.run_querystring(
        QueryString(
            "SELECT a.attname AS name FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
            "WHERE t.relname = {}",
            table,
        )
    )
    return {r["name"] for r in rows}


async def test_every_foreign_key_leads_an_index(database: None) -> None:
    """Deleting or re-pointing a referenced row (a user, an agency, a dossier) checks the rows
    that refer to it: without an index that reads the whole referring table, and PostgreSQL
    makes no index for a foreign key by itself (issue 14)."""
    from piccolo.conf.apps import Finder

    unindexed = []
    for table in Finder().get_table_classes():
        if table._meta.tablename.startswith("piccolo_"):
            continue
        leading = await _leading_index_columns(table._meta.tablename)
        for fk in table._meta.foreign_key_columns:
            if fk._meta.db_column_name not in leading:
                unindexed.append(f"{table._meta.tablename}.{fk._meta.db_column_name}")
    assert not unindexed, unindexed
