"""The public statistics page (/statistics, issue 13): the numbers are the dashboard's
(`queries.figures`), no personal data shows even when dossiers, ratings and complaints exist,
a satisfied share needs REPORT_MIN_RATINGS ratings, commune committees appear only with
figures, anyone may open it, and it is cached (in the process and by browsers)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from backend.accounts.tables import User
from backend.catalog.tables import Agency
from backend.complaints.tables import Complaint
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from backend.lib.clock import travel_to
from backend.lib.formatting import format_decimal, format_percent
from backend.ratings.tables import Rating
from backend.reports import public
from backend.reports.queries import figures
from backend.settings import Settings, get_settings
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, make_citizen, sign_in_as, soup

# A month of its own, far from what other tests touch (tests/reports/test_counting.py walks
# forward from 2031 by 90 days per example); the page is read three months later.
MONTH = date(2080, 3, 1)
LATER = at(date(2080, 6, 15), 10)
APPLICANT = "Phạm Thị Riêngtư"
COMPLAINANT = ("Trần Văn Khiếunại", "0987650001", "PAKN-800310-9999")
COMMUNE_WITH = "Ủy ban nhân dân xã Cósốliệu"
COMMUNE_WITHOUT = "Ủy ban nhân dân xã Chưacósốliệu"


@pytest.fixture(autouse=True)
def _no_cached_figures() -> Iterator[None]:
    public.clear_cache()
    yield
    public.clear_cache()


async def _rating(agency: int, satisfied: bool, when: datetime) -> None:
    await Rating.insert(
        Rating(
            source="dossier",
            scale=5,
            level=5 if satisfied else 2,
            satisfied=satisfied,
            agency=agency,
            created_at=when,
            updated_at=when,
        )
    )


@pytest.fixture(scope="module")
async def month_data(factory: Factory) -> AsyncIterator[dict[str, Any]]:
    """In March 2080: dossiers of Sở Tư pháp finished on time and late and one still open, one
    of Sở Xây dựng; three ratings of Sở Tư pháp, an answered complaint about Sở Xây dựng, and
    two commune committees, one rated."""
    owner = await make_citizen()
    await User.update({User.full_name: APPLICANT}).where(User.id == owner.id)
    stp, sxd = factory.agency_ids["stp"], factory.agency_ids["sxd"]
    try:
        travel_to(at(date(2080, 3, 4), 9))  # a Monday
        made = [
            await factory.create(State.DONE, "stp", owner=owner),
            await factory.create(State.RECEIVED, "stp", owner=owner),
            await factory.create(State.DONE, "sxd", owner=owner),
        ]
        late = await factory.create(State.PROCESSING, "stp", owner=owner)
        made.append(late)
        travel_to(at(date(2080, 3, 27), 10))
        await factory.act(factory.staff("stp", "specialist"), late, Action.DRAFT_RESULT)
        await factory.act(factory.staff("stp", "leader"), late, Action.APPROVE)
    finally:
        travel_to(None)
    when = at(date(2080, 3, 10), 11)
    for satisfied in (True, True, False):
        await _rating(stp, satisfied, when)
    name, phone, code = COMPLAINANT
    await Complaint.insert(
        Complaint(
            code=code,
            kind="policy",
            filer_name=name,
            filer_phone=phone,
            agency=sxd,
            content=f"Tôi là {name}, điện thoại {phone}.",
            received_at=when,
            accept_due=MONTH,
            info_due=MONTH,
            answer_due=MONTH + timedelta(days=20),
            state="answered",
            answer="Đã trả lời.",
            answered_at=when + timedelta(days=5),
        )
    )
    communes = {}
    for n, commune in enumerate((COMMUNE_WITH, COMMUNE_WITHOUT)):
        row = (
            await Agency.insert(
                Agency(code=f"ubndtest{n}", name=commune, kind="commune")
            ).returning(Agency.id)
        )[0]
        communes[commune] = row["id"]
    await _rating(communes[COMMUNE_WITH], True, when)
    codes = [r["code"] for r in await Dossier.select(Dossier.code).where(Dossier.id.is_in(made))]
    yield {"owner": owner, "codes": codes, "stp": stp, "sxd": sxd}


def table(html: str) -> dict[str, list[str]]:
    """The per-agency table: name -> the five cells as shown."""
    rows = soup(html).select("table.stats-table tr")
    found = {}
    for tr in rows:
        head = tr.select_one("th[scope=row]")
        if head is not None:
            found[head.get_text(" ", strip=True)] = [
                td.get_text(" ", strip=True) for td in tr.select("td")
            ]
    return found


def shown_percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value / 100)


async def read_month(client: Client, clock: Clock) -> tuple[Any, dict[str, list[str]]]:
    clock.now = LATER
    r = await client.get("/statistics", params={"month": "2080-03"})
    assert r.status_code == 200
    return r, table(r.text)


async def test_the_numbers_are_the_dashboards(
    client: Client, clock: Clock, month_data: dict[str, Any]
) -> None:
    r, rows = await read_month(client, clock)
    period = public.public_period("2080-03", LATER.date())
    assert (period.first, period.last) == (date(2080, 3, 1), date(2080, 3, 31))
    found, total = await figures(period)
    by_name = {f.name: f for f in found}
    stp = next(f for f in found if f.agency == month_data["stp"])
    # What the fixture made (so that the comparison below compares something).
    assert (stp["received"], stp.finished, stp["late"]) == (3, 2, 1)
    for name, cells in rows.items():
        if name == "Toàn Trung tâm":
            f = total
        elif name in by_name:
            f = by_name[name]
        else:
            assert cells[:2] == ["0", "0"], name  # no dossier in the period
            continue
        assert cells[0] == format_decimal(f["received"], 0), name
        assert cells[1] == format_decimal(f.finished, 0), name
        assert cells[2] == shown_percent(f.on_time_share), name
    assert rows["Sở Tư pháp tỉnh Ninh Bình"][:3] == ["3", "2", "50,0%"]
    assert rows["Sở Xây dựng tỉnh Ninh Bình"][4] == "1"  # the complaint answered
    page = soup(r.text)
    assert page.select_one("#month option[selected]")["value"] == "2080-03"  # type: ignore[index]
    assert "Tháng 3/2080 (từ 01/03/2080 đến 31/03/2080)" in page.select_one(".as-of").text  # type: ignore[union-attr]
    assert "15/06/2080" in page.select_one(".as-of").text  # type: ignore[union-attr]
    # The trend's table: one row per week of March, adding up to the month's figures.
    trend_rows = page.select("#chart-trend tbody tr")
    assert len(trend_rows) == 5  # 1-3, 4-10, 11-17, 18-24 and 25-31 March 2080
    received = sum(int(tr.select("td")[0].text.replace(".", "")) for tr in trend_rows)
    assert received == total["received"]
    # The chart has a bar per agency that finished dossiers in the period.
    bars = page.select("#chart-on-time svg g.bar")
    assert len(bars) == len([f for f in found if f.agency and f.finished]) >= 2


async def test_no_personal_data_on_the_page(
    client: Client, clock: Clock, month_data: dict[str, Any]
) -> None:
    r, _ = await read_month(client, clock)
    owner = (
        await User.select(User.login, User.phone).where(User.id == month_data["owner"].id).first()
    )
    assert owner is not None
    secrets = [APPLICANT, *COMPLAINANT, *month_data["codes"], "Nguyễn Văn Nhận"]
    secrets += [v for v in (owner["login"], owner["phone"]) if v]
    for secret in secrets:
        assert secret not in r.text, secret
    assert len(month_data["codes"]) == 4


async def test_a_satisfied_share_needs_the_minimum_of_ratings(
    client: Client, clock: Clock, month_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, rows = await read_month(client, clock)
    assert get_settings().report_min_ratings == 30
    assert rows["Sở Tư pháp tỉnh Ninh Bình"][3] == "— 3 lượt"  # 2 of 3: too few to say 66,7%
    three = dataclasses.replace(get_settings(), report_min_ratings=3)
    monkeypatch.setattr(public, "get_settings", lambda: three)
    public.clear_cache()
    r, rows = await read_month(client, clock)
    assert rows["Sở Tư pháp tỉnh Ninh Bình"][3] == "66,7% 3 lượt"
    assert rows["Sở Xây dựng tỉnh Ninh Bình"][3] == "—"
    bar = soup(r.text).select("#chart-satisfaction svg g.bar")
    assert any("66,7%" in b.text for b in bar)


def test_the_minimum_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORT_MIN_RATINGS", "50")
    assert Settings.from_env().report_min_ratings == 50
    monkeypatch.delenv("REPORT_MIN_RATINGS")
    assert Settings.from_env().report_min_ratings == 30


async def test_commune_committees_only_with_figures(
    client: Client, clock: Clock, month_data: dict[str, Any]
) -> None:
    _, rows = await read_month(client, clock)
    assert COMMUNE_WITH in rows and COMMUNE_WITHOUT not in rows
    names = list(rows)
    assert names.index(COMMUNE_WITH) == len(names) - 2  # after the departments, before the total
    assert "Sở Y tế tỉnh Ninh Bình" in rows  # a department is listed even with nothing


async def test_anyone_may_open_it_and_browsers_may_keep_it(
    client: Client, clock: Clock, month_data: dict[str, Any]
) -> None:
    r, _ = await read_month(client, clock)
    assert r.headers["cache-control"] == "public, max-age=600"
    assert "Cookie" in r.headers["vary"]
    assert "Đăng nhập" in r.text
    # A signed-in person's page carries their menu: never kept by a shared cache.
    await sign_in_as(client, month_data["owner"])
    r = await client.get("/statistics")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "private, no-store"


async def test_the_figures_are_kept_a_few_minutes(
    client: Client, clock: Clock, month_data: dict[str, Any]
) -> None:
    _, before = await read_month(client, clock)
    await _rating(month_data["sxd"], True, at(date(2080, 3, 11), 9))
    _, again = await read_month(client, clock)
    assert again == before  # from the cache
    public.clear_cache()
    _, after = await read_month(client, clock)
    assert after["Sở Xây dựng tỉnh Ninh Bình"][3] == "— 1 lượt"
    assert before["Sở Xây dựng tỉnh Ninh Bình"][3] == "—"


async def test_every_page_links_to_it_from_the_footer(client: Client) -> None:
    r = await client.get("/")
    (link,) = soup(r.text).select('footer a[href="/statistics"]')
    assert link.text == "Thống kê"


@pytest.mark.parametrize(
    ("asked", "first", "last"),
    [
        ("2080-03", date(2080, 3, 1), date(2080, 3, 31)),
        ("2080-06", date(2080, 1, 1), date(2080, 12, 31)),  # this month: not past, the year
        ("2080-09", date(2080, 1, 1), date(2080, 12, 31)),  # the future
        ("2080-13", date(2080, 1, 1), date(2080, 12, 31)),
        ("mars", date(2080, 1, 1), date(2080, 12, 31)),
        (None, date(2080, 1, 1), date(2080, 12, 31)),
    ],
)
def test_the_period_asked(asked: str | None, first: date, last: date) -> None:
    period = public.public_period(asked, date(2080, 6, 15))
    assert (period.first, period.last) == (first, last)


async def test_the_current_year_by_default(client: Client, clock: Clock) -> None:
    clock.now = datetime(2080, 6, 15, 3, tzinfo=UTC)
    r = await client.get("/statistics")
    page = soup(r.text)
    assert "Năm 2080, từ 01/01/2080 đến 15/06/2080." in page.select_one(".as-of").text  # type: ignore[union-attr]
    options = [o["value"] for o in page.select("#month option")]
    assert options[:3] == ["", "2080-05", "2080-04"]
    assert "2080-03" in options
    # By month from January to June, the months to come are not drawn as a fall.
    assert len(page.select("#chart-trend tbody tr")) == 6
