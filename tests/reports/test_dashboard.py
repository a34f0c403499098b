"""The dashboard and the dossiers behind its numbers, against a fixture computed by hand
(issue 13): March 2040 at Sở Tư pháp, a procedure of three working days.

    D1 received Mon 5/3 9:00, due Thu 8/3, decided Wed 7/3: early, 2 working days
    D2 received Mon 5/3, decided Thu 8/3: on time, 3 days
    D3 received Mon 5/3, decided Fri 9/3: late, 4 days
    D4 refused at the counter on Mon 5/3 (never received)
    D5 received Mon 5/3, withdrawn by the citizen on Tue 6/3
    D6 received Mon 5/3, still being processed (overdue since Thu 8/3)
    D7 received Fri 24/2 (due Wed 29/2), decided Tue 6/3: carried over, late, 7 days
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from backend.catalog.tables import Agency, Procedure
from backend.complaints.tables import Complaint
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from backend.lib.clock import travel_to
from backend.ratings.tables import Rating
from backend.reports import indicators, queries
from backend.reports.periods import period_of
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, sign_in_as, soup

MARCH = period_of("month", "2040-03-15", "", date(2040, 3, 20))
FEBRUARY = period_of("month", "2040-02-01", "", date(2040, 3, 20))


@pytest.fixture(scope="module")
async def world(factory: Factory) -> AsyncIterator[dict]:
    """Made once for the module (each test reads it), in days no other test uses."""
    clock = Clock()
    proc = factory.procedures["stp"]["id"]
    before = (
        await Procedure.select(Procedure.processing_days, Procedure.same_day_cutoff)
        .where(Procedure.id == proc)
        .first()
    )
    await Procedure.update({Procedure.processing_days: 3, Procedure.same_day_cutoff: False}).where(
        Procedure.id == proc
    )
    counter, owner = factory.people["counter"], factory.people["owner"]
    specialist, leader = factory.staff("stp", "specialist"), factory.staff("stp", "leader")

    async def received(day: date) -> int:
        clock.now = at(day, 8)
        dossier_id = await factory.create(State.SUBMITTED)
        clock.now = at(day, 9)
        await factory.act(counter, dossier_id, Action.ACCEPT)
        return dossier_id

    async def decide(dossier_id: int, day: date) -> None:
        clock.now = at(day, 14)
        for who, action in ((specialist, Action.TAKE), (specialist, Action.DRAFT_RESULT)):
            await factory.act(who, dossier_id, action)
        await factory.act(leader, dossier_id, Action.APPROVE)

    mon = date(2040, 3, 5)
    made = {"D7": await received(date(2040, 2, 24))}
    for name in ("D1", "D2", "D3", "D5", "D6"):
        made[name] = await received(mon)
    clock.now = at(mon, 10)
    made["D4"] = await factory.create(State.SUBMITTED)
    await factory.act(counter, made["D4"], Action.REFUSE)
    await decide(made["D7"], date(2040, 3, 6))
    clock.now = at(date(2040, 3, 6), 9)
    await factory.act(owner, made["D5"], Action.WITHDRAW)
    await decide(made["D1"], date(2040, 3, 7))
    await decide(made["D2"], date(2040, 3, 8))
    await decide(made["D3"], date(2040, 3, 9))
    travel_to(None)
    stp = await Agency.select(Agency.id).where(Agency.code == "stp").first()
    yield {"factory": factory, "ids": made, "stp": stp["id"] if stp else 0}
    assert before is not None
    await Procedure.update(before).where(Procedure.id == proc)


async def test_the_figures_of_march(world: dict) -> None:
    rows, total = await queries.figures(MARCH, world["stp"])
    (stp,) = rows
    assert [stp[m] for m in ("received", "early", "on_time", "late")] == [5, 1, 1, 2]
    assert (stp["withdrawn"], stp["refused"]) == (1, 1)
    assert stp.finished == 4
    # Carried over: what was open at the end of February, D7 among it (older open dossiers of
    # other tests are carried over too, year after year).
    (feb,) = (await queries.figures(FEBRUARY, world["stp"]))[0]
    assert feb["received"] == 1 and feb.closed == 0
    assert stp["carried_over"] == feb.in_progress == feb["carried_over"] + 1
    assert stp.in_progress == stp["carried_over"] + 5 - 5  # D6 stays, D7 left
    assert stp.on_time_share == 50.0
    assert stp.average_days == 4.0 and stp.median_days == 3.5
    assert stp["received_online"] == 5  # the factory files online
    assert total["received"] == 5


async def test_the_page_and_its_drill_downs(world: dict, client: Client, clock: Clock) -> None:
    factory, ids = world["factory"], world["ids"]
    clock.now = at(date(2040, 3, 20), 10)  # D6 has been overdue since 8/3
    await sign_in_as(client, factory.people["manager"])
    query = {**MARCH.query, "agency": str(world["stp"])}
    page = await client.get("/manage/reports", params=query)
    assert page.status_code == 200, page.text
    html = soup(page.text)
    row = html.select_one("table.report tbody tr:not(.total)")
    assert row is not None and "Sở Tư pháp" in row.text
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    (stp,) = (await queries.figures(MARCH, world["stp"]))[0]
    assert cells[:9] == [str(stp["carried_over"]), "5", "0", "5", "0", "1", "1", "2", "50,0%"]
    late = await client.get("/manage/reports/dossiers", params={**query, "metric": "late"})
    codes = [a.text for a in soup(late.text).select("td.code a")]
    assert len(codes) == 2
    early = await client.get("/manage/reports/dossiers", params={**query, "metric": "early"})
    assert len(soup(early.text).select("td.code a")) == 1
    # The handling time's dossiers: the four decided (D1, D2, D3, D7), linked from its cell.
    assert "metric=decided" in page.text
    decided = await client.get("/manage/reports/dossiers", params={**query, "metric": "decided"})
    assert len(soup(decided.text).select("td.code a")) == stp.finished == 4
    # Carried over and in progress at the end: as many as counted (other tests' open
    # dossiers of this agency included), D7 among the first, D6 among the second.
    for metric, count, member in (
        ("carried_over", stp["carried_over"], "D7"),
        ("in_progress", stp.in_progress, "D6"),
    ):
        listed = await client.get("/manage/reports/dossiers", params={**query, "metric": metric})
        assert f"{count} hồ sơ" in listed.text, metric
        if count <= 50:
            assert f"/staff/dossiers/{ids[member]}" in listed.text, metric
    # Overdue now: D6, among whatever other tests left open at this agency (any page).
    found, number = False, 1
    while not found and number <= 50:
        overdue = await client.get(
            "/manage/reports/dossiers",
            params={**query, "metric": "overdue_now", "page": str(number)},
        )
        found = f"/staff/dossiers/{ids['D6']}" in overdue.text
        if 'rel="next"' not in overdue.text:
            break
        number += 1
    assert found


async def test_a_leader_sees_only_their_agency(world: dict, client: Client) -> None:
    factory = world["factory"]
    await sign_in_as(client, factory.staff("sxd", "leader"))
    page = await client.get("/manage/reports", params={**MARCH.query, "agency": str(world["stp"])})
    assert page.status_code == 200
    assert "Sở Tư pháp" not in soup(page.text).select_one("main").get_text()
    late = await client.get(
        "/manage/reports/dossiers",
        params={**MARCH.query, "agency": str(world["stp"]), "metric": "late"},
    )
    assert soup(late.text).select("td.code a") == []
    await sign_in_as(client, factory.people["owner"])
    assert (await client.get("/manage/reports")).status_code in (403, 404)
    assert (await client.get("/manage/766")).status_code in (403, 404)


async def test_the_scorecard_lists_the_indicators(world: dict, client: Client) -> None:
    await sign_in_as(client, world["factory"].people["manager"])
    page = await client.get("/manage/766", params={**MARCH.query, "agency": str(world["stp"])})
    assert page.status_code == 200, page.text
    names = [dt.get_text(strip=True) for dt in soup(page.text).select(".indicator dt")]
    assert names[0] == "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn"
    values = [v.get_text(strip=True) for v in soup(page.text).select(".indicator .value")]
    assert values[0] == "50,0%"
    assert "Mức độ hài lòng trong giải quyết thủ tục" in names


async def test_satisfaction_per_level_with_the_minimum_sample(world: dict, client: Client) -> None:
    """April 2040: 31 ratings of Sở Tư pháp on both scales (a 3-level "Rất hài lòng" adds to
    the 5-level one), 3 of Sở Xây dựng (too few for shares)."""
    from backend.ratings.tables import Rating

    factory = world["factory"]
    when = at(date(2040, 4, 10), 10)
    sxd = factory.agency_ids["sxd"]
    votes = [(world["stp"], 5, 5)] * 20 + [(world["stp"], 5, 4)] * 6 + [(world["stp"], 5, 2)] * 4
    votes += [(world["stp"], 3, 3)] + [(sxd, 5, 5)] * 3
    await Rating.insert(
        *[
            Rating(
                source="dossier",
                scale=s,
                level=lvl,
                satisfied=lvl >= s - 1,
                agency=agency,
                created_at=when,
                updated_at=when,
            )
            for agency, s, lvl in votes
        ]
    )
    await sign_in_as(client, factory.people["manager"])
    april = period_of("month", "2040-04-01", "", date(2040, 4, 20))
    page = soup((await client.get("/manage/reports", params=april.query)).text)
    rows = {
        tr.select_one("th").get_text(" ", strip=True): [
            td.get_text(" ", strip=True) for td in tr.select("td")
        ]
        for tr in page.select("table.satisfaction-levels tbody tr")
    }
    stp = next(v for k, v in rows.items() if k.startswith("Sở Tư pháp"))
    assert stp[:3] == ["31", "21 (67,7%)", "6 (19,4%)"]
    assert stp[4] == "4 (12,9%)"
    few = next(v for k, v in rows.items() if k.startswith("Sở Xây dựng"))
    assert few[:2] == ["3", "3"]  # counts only: under REPORT_MIN_RATINGS


APRIL = period_of("month", "2040-04-15", "", date(2040, 4, 30))


async def test_numbers_counted_by_events_drill_down_to_as_many_events(
    factory: Factory, client: Client, clock: Clock
) -> None:
    """April 2040: D8 asked twice for papers during processing (a second request), D9 got an
    apology and an electronic result, D10's paper result was handed over at the counter; each
    number of the dashboard lists as many lines as it counts."""
    owner, counter = factory.people["owner"], factory.people["counter"]
    specialist, leader = factory.staff("stp", "specialist"), factory.staff("stp", "leader")
    made = []
    for n, kind in enumerate(("paper", "electronic", "paper")):
        clock.now = at(date(2040, 4, 2 + n), 9)
        dossier_id = await factory.create(State.SUBMITTED)
        await factory.act(counter, dossier_id, Action.ACCEPT)
        await factory.act(specialist, dossier_id, Action.TAKE)
        made.append((dossier_id, kind))
    d8, d9, d10 = (d for d, _ in made)
    for day, asker in ((9, specialist), (11, leader)):  # the second one is the leader's
        clock.now = at(date(2040, 4, day), 10)
        await factory.act(asker, d8, Action.REQUEST_SUPPLEMENT)
        await factory.add_supplement_page(owner, d8)
        await factory.act(owner, d8, Action.SUPPLEMENT)
        await factory.act(specialist, d8, Action.RECHECK)
    clock.now = at(date(2040, 4, 12), 10)
    await factory.act(leader, d9, Action.APOLOGIZE)
    for dossier_id, kind in made[1:]:
        clock.now = at(date(2040, 4, 16), 14)
        await factory.act(specialist, dossier_id, Action.DRAFT_RESULT)
        await factory.act(leader, dossier_id, Action.APPROVE, result_kind=kind)
    clock.now = at(date(2040, 4, 17), 9)
    await factory.act(counter, d10, Action.HAND_OVER)
    stp = await Agency.select(Agency.id).where(Agency.code == "stp").first()
    assert stp is not None
    (figures,) = (await queries.figures(APRIL, stp["id"]))[0]
    expected = {
        "supplement_requests": 2,
        "second_supplements": 1,
        "apologies": 1,
        "electronic_results": 1,
        "returned_counter": 1,
    }
    assert {m: figures[m] for m in expected} == expected
    await sign_in_as(client, factory.people["manager"])
    for metric, count in expected.items():
        page = await client.get(
            "/manage/reports/dossiers",
            params={**APRIL.query, "agency": str(stp["id"]), "metric": metric},
        )
        assert page.status_code == 200, page.text
        links = [a["href"] for a in soup(page.text).select("td.code a")]
        assert len(links) == count, (metric, links)
    second = await client.get(
        "/manage/reports/dossiers",
        params={**APRIL.query, "agency": str(stp["id"]), "metric": "second_supplements"},
    )
    assert f"/staff/dossiers/{d8}" in second.text and "1 lượt" in second.text
    travel_to(None)


MAY = period_of("month", "2040-05-15", "", date(2040, 5, 31))


async def test_ratings_and_complaints_list_as_many_as_counted(
    factory: Factory, client: Client
) -> None:
    """May 2040 at Sở Tư pháp: two ratings (one from a counter's tablet, without a dossier)
    and two complaints, one answered on time; the dashboard's numbers open lists as long."""
    stp = await Agency.select(Agency.id).where(Agency.code == "stp").first()
    assert stp is not None
    agency = stp["id"]
    for n, (level, kiosk) in enumerate(((5, False), (2, True))):
        moment = at(date(2040, 5, 6 + n), 10)
        await Rating.insert(
            Rating(
                source="kiosk" if kiosk else "dossier",
                scale=5,
                level=level,
                satisfied=level >= 4,
                agency=agency,
                created_at=moment,
                updated_at=moment,
            )
        )
    for n, answered in enumerate((at(date(2040, 5, 10), 9), None)):
        await Complaint.insert(
            Complaint(
                code=f"PA-T13-{n}",
                kind="policy",
                filer_name="Người Phản Ánh",
                filer_phone="0912000111",
                agency=agency,
                content="Thủ tục rườm rà.",
                received_at=at(date(2040, 5, 7), 9),
                accept_due=date(2040, 5, 10),
                info_due=date(2040, 5, 10),
                answer_due=date(2040, 5, 20),
                answered_at=answered,
                state="answered" if answered else "received",
            )
        )
    fb = (await indicators.feedback(MAY, agency))[agency]
    assert (fb.ratings, fb.complaints, fb.answered, fb.answered_on_time) == (2, 2, 1, 1)
    await sign_in_as(client, factory.people["manager"])
    query = {**MAY.query, "agency": str(agency)}
    dashboard = await client.get("/manage/reports", params=query)
    for which, count in (("ratings", 2), ("complaints", 2), ("answered", 1)):
        assert f"list={which}" in dashboard.text, which
        page = await client.get("/manage/reports/feedback", params={**query, "list": which})
        assert page.status_code == 200, page.text
        assert len(soup(page.text).select("tbody tr")) == count, which
        assert f"{count} lượt" in page.text
    answered_page = await client.get(
        "/manage/reports/feedback", params={**query, "list": "answered"}
    )
    assert "đúng hạn" in answered_page.text
    missing = await client.get("/manage/reports/feedback", params={**query, "list": "nothing"})
    assert missing.status_code == 404


async def test_boundaries_holidays_and_a_second_supplement(factory: Factory, clock: Clock) -> None:
    """Sở Tư pháp, a procedure of 3 working days, received Thursday 26/4/2040: Friday 27/4,
    then Monday 30/4 and Tuesday 1/5 are public holidays, so form 01 says Thursday 3/5.
    Decided Wednesday 2/5: early; Thursday 3/5: on time; Friday 4/5: late. A fourth, asked
    twice for papers on 2/5 (the second time by the leader), is late though decided that day
    (DOMAIN.md: more than one supplement request counts as late)."""
    proc = factory.procedures["stp"]["id"]
    before = await Procedure.select(Procedure.processing_days, Procedure.same_day_cutoff).where(
        Procedure.id == proc
    )
    await Procedure.update({Procedure.processing_days: 3, Procedure.same_day_cutoff: False}).where(
        Procedure.id == proc
    )
    counter, owner = factory.people["counter"], factory.people["owner"]
    specialist, leader = factory.staff("stp", "specialist"), factory.staff("stp", "leader")
    made = []
    for _ in range(4):
        clock.now = at(date(2040, 4, 26), 9)
        dossier_id = await factory.create(State.SUBMITTED)
        await factory.act(counter, dossier_id, Action.ACCEPT)
        await factory.act(specialist, dossier_id, Action.TAKE)
        made.append(dossier_id)
    due = await Dossier.select(Dossier.appointment_date).where(Dossier.id == made[0]).first()
    assert due is not None and due["appointment_date"] == date(2040, 5, 3)
    for asker in (specialist, leader):  # the fourth: two requests for papers, on 2/5
        clock.now = at(date(2040, 5, 2), 10)
        await factory.act(asker, made[3], Action.REQUEST_SUPPLEMENT)
        await factory.add_supplement_page(owner, made[3])
        await factory.act(owner, made[3], Action.SUPPLEMENT)
        await factory.act(specialist, made[3], Action.RECHECK)
    for dossier_id, day in zip(made, (2, 3, 4, 2), strict=True):
        clock.now = at(date(2040, 5, day), 15)
        await factory.act(specialist, dossier_id, Action.DRAFT_RESULT)
        await factory.act(leader, dossier_id, Action.APPROVE)
    travel_to(None)
    await Procedure.update(before[0]).where(Procedure.id == proc)
    stp = await Agency.select(Agency.id).where(Agency.code == "stp").first()
    assert stp is not None
    first_days = period_of("custom", "2040-05-01", "2040-05-04", date(2040, 5, 31))
    (figures,) = (await queries.figures(first_days, stp["id"]))[0]
    assert [figures[m] for m in ("early", "on_time", "late")] == [1, 1, 2]
    assert (figures["supplement_requests"], figures["second_supplements"]) == (2, 1)
