"""How long the reports take on a big database (issue 13): each figure is the median of 5 runs
after one warm-up.

    .venv/bin/python bench/dashboard.py --database sqlite:///var/bench/1m/db.sqlite3
    .venv/bin/python bench/dashboard.py --database postgresql://postgres@127.0.0.1:5432/bench1m

Pages are asked through the app in process (httpx's ASGITransport, as the tests do, signed in
as the demo manager), so a figure covers the queries and the rendering. A page whose route does
not answer yet (404) is timed through the function that computes it when there is one
(backend.reports.queries.figures), or through a stand-in query that reads what the page will
need (marked "stand-in"), so that a missing index shows up before the page lands.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
MANAGER = ("giamdoc", "canbo123")  # backend.demo's manager


def _env(database: str) -> None:
    os.environ.update(DATABASE_URL=database, PICCOLO_CONF="backend.piccolo_conf")
    if database.startswith("sqlite:///"):
        path = Path(database.removeprefix("sqlite:///")).resolve()
        os.environ["VAR_DIR"] = str(path.parent)
    else:
        os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    sys.path.insert(0, str(ROOT))


async def timed(run: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    """(median wall seconds of RUNS runs after a warm-up, median CPU seconds of this process
    in them, what the last run gave). On a shared machine the CPU time says what the work
    costs when the wall time says how long others made it wait; on SQLite it includes the
    queries, on PostgreSQL only the Python side."""
    result = await run()
    times, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = await run()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(times), statistics.median(cpu), result


class Site:
    """The app in process, signed in as the manager."""

    def __init__(self) -> None:
        import httpx

        from backend.app import create_app

        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app()), base_url="http://bench.local"
        )

    async def sign_in(self) -> None:
        await self.client.get("/login")
        token = self.client.cookies.get("csrftoken", "")
        r = await self.client.post(
            "/login",
            data={"_csrf_token": token, "login": MANAGER[0], "password": MANAGER[1]},
            follow_redirects=False,
        )
        if r.status_code != 303:
            raise SystemExit(f"could not sign in as {MANAGER[0]}: {r.status_code}")

    async def page(self, url: str) -> tuple[int, int]:
        r = await self.client.get(url)
        return r.status_code, len(r.content)


# -- what the pages read, until they exist -----------------------------------------------------


async def _figures(kind: str, first: date, agency: int | None) -> Any:
    from backend.lib.clock import local_today
    from backend.reports.periods import period_of
    from backend.reports.queries import figures

    return await figures(period_of(kind, first.isoformat(), "", local_today()), agency)


async def feedback_standin(first: date, last: date) -> Any:
    """Ratings per agency and level, and complaints per agency, kind and state, in the period:
    what the scorecard's and the public page's satisfaction and PAKN figures need."""
    from backend.dossiers.tables import Dossier
    from backend.reports.periods import Period

    start, end = Period("custom", first, last).bounds()
    ratings = await Dossier.raw(
        "SELECT agency, level, COUNT(*) AS n FROM rating WHERE created_at >= {} "
        "AND created_at < {} GROUP BY agency, level",
        start,
        end,
    )
    complaints = await Dossier.raw(
        "SELECT c.agency, c.kind, c.state, COUNT(*) AS n, "
        "SUM(CASE WHEN c.answered_at IS NOT NULL AND c.answer_due IS NOT NULL THEN 1 ELSE 0 END) "
        "AS answered, SUM(CASE WHEN v.useful = {} THEN 1 ELSE 0 END) AS disliked "
        "FROM complaint c LEFT JOIN complaint_vote v ON v.complaint = c.id "
        "WHERE c.received_at >= {} AND c.received_at < {} GROUP BY c.agency, c.kind, c.state",
        False,
        start,
        end,
    )
    return ratings, complaints


async def drilldown_standin(first: date, last: date, agency: int) -> Any:
    """The late dossiers an agency decided in a month, a page of 50 and their count."""
    from backend.dossiers.tables import Dossier
    from backend.reports.periods import Period

    start, end = Period("month", first, last).bounds()
    where = (
        "agency = {} AND finished_at >= {} AND finished_at < {} AND on_time = {} "
        "AND result_kind <> ''"
    )
    args = (agency, start, end, False)
    rows = await Dossier.raw(
        f"SELECT id, code, procedure, received_at, promised_date, finished_at FROM dossier "
        f"WHERE {where} ORDER BY finished_at DESC, id DESC LIMIT 50",
        *args,
    )
    count = await Dossier.raw(f"SELECT COUNT(*) AS n FROM dossier WHERE {where}", *args)
    return rows, count


# -- the measurements ----------------------------------------------------------------------------


async def busiest_agency() -> int:
    from backend.reports.tables import ReportDay

    rows = await ReportDay.raw(
        "SELECT agency, SUM(received) AS n FROM report_day GROUP BY agency ORDER BY n DESC LIMIT 1"
    )
    return int(rows[0]["agency"])


def _month_before(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _quarter_before(today: date) -> date:
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    before = first - timedelta(days=1)
    return date(before.year, 3 * ((before.month - 1) // 3) + 1, 1)


async def measure(args: argparse.Namespace) -> list[tuple[str, str, float, float, str]]:
    from backend.lib.clock import local_today

    today = local_today()
    year = date(args.year or today.year, 1, 1)
    quarter = _quarter_before(today)
    month, month_end = _month_before(today)
    agency = args.agency or await busiest_agency()
    site = Site()
    await site.sign_in()
    q = f"period=year&first={year.isoformat()}"
    cases: list[tuple[str, str, Callable[[], Awaitable[Any]]]] = [
        (
            "dashboard, year, all agencies",
            f"/manage/reports?{q}",
            lambda: _figures("year", year, None),
        ),
        (
            f"dashboard, quarter {quarter:%Y-%m}, agency {agency}",
            f"/manage/reports?period=quarter&first={quarter.isoformat()}&agency={agency}",
            lambda: _figures("quarter", quarter, agency),
        ),
        (
            "766 scorecard, year",
            f"/manage/766?{q}",
            lambda: _both(_figures("year", year, None), feedback_standin(year, today)),
        ),
        (
            "public statistics",
            "/statistics",
            lambda: _both(_figures("year", year, None), feedback_standin(year, today)),
        ),
        (
            f"drill-down, late, {month:%Y-%m}, agency {agency}",
            f"/manage/reports/dossiers?metric=late&period=month&first={month.isoformat()}"
            f"&agency={agency}",
            lambda: drilldown_standin(month, month_end, agency),
        ),
    ]
    out = []
    for label, url, fallback in cases:
        status, size = await site.page(url)
        if status == 404 and not args.pages_only:
            seconds, cpu, _ = await timed(fallback)
            how = "function" if label.startswith("dashboard") else "stand-in query"
            out.append((label, f"{how} (page {url.split('?')[0]} not built)", seconds, cpu, ""))
            continue
        seconds, cpu, (status, size) = await timed(lambda url=url: site.page(url))
        out.append((label, f"GET {url}", seconds, cpu, f"{status}, {size:,} B"))
    await site.client.aclose()
    return out


async def _both(a: Awaitable[Any], b: Awaitable[Any]) -> Any:
    return await a, await b


async def run(args: argparse.Namespace) -> None:
    from backend.lib.db import database_pool

    async with database_pool(max_size=4):
        results = await measure(args)
    engine = "PostgreSQL" if args.database.startswith("postgres") else "SQLite"
    print(f"{engine}, {args.database}")
    print(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{'what':45} {'wall (median)':>13} {'CPU here':>9}  how")
    for label, how, seconds, cpu, note in results:
        flag = "" if seconds < 1 else "  OVER 1 s"
        print(f"{label:45} {seconds * 1000:>10.0f} ms {cpu * 1000:>6.0f} ms  {how} {note}{flag}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True, help="sqlite:///path or postgresql://...")
    parser.add_argument("--agency", type=int, help="agency id (default: the busiest)")
    parser.add_argument("--year", type=int, help="the year of the yearly figures (default: now)")
    parser.add_argument(
        "--pages-only", action="store_true", help="time the pages even when they answer 404"
    )
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    _env(args.database)
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
