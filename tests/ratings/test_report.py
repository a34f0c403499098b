"""Satisfaction per counter and per official, worked out by hand."""

from __future__ import annotations

import pytest

from backend.ratings.queries import SMALL_SAMPLE, aggregate, wilson_lower
from tests.helpers import Client, sign_in_as


def vote(officer: int, level: int, scale: int = 5, criteria: str = "{}") -> dict[str, object]:
    return {
        "officer": officer,
        "level": level,
        "scale": scale,
        "satisfied": level >= scale - 1,
        "criteria": criteria,
    }


def test_aggregation_on_a_hand_computed_example() -> None:
    votes = [
        # Officer 1: 5, 4, 2 on the 5-level scale -> 2 of 3 satisfied;
        # scores (level-1)/4*100 = 100, 75, 25 -> mean 66.67.
        vote(1, 5),
        vote(1, 4, criteria='{"attitude": "good"}'),
        vote(1, 2, criteria='{"attitude": "bad", "trips": "bad"}'),
        # Officer 2: one vote, 3 on the 3-level scale -> 1 of 1 satisfied; score 100.
        vote(2, 3, scale=3),
        # Officer 3: 40 votes, 36 satisfied (level 4) and 4 not (level 1):
        # score (36*75 + 4*0)/40 = 67.5.
        *[vote(3, 4) for _ in range(36)],
        *[vote(3, 1) for _ in range(4)],
        # A vote nobody was on duty for does not count for anyone.
        {**vote(0, 5), "officer": None},
    ]
    rows = {r.key: r for r in aggregate(votes, "officer", {1: "An", 2: "Bình", 3: "Chi"})}
    assert set(rows) == {1, 2, 3}
    one, two, three = rows[1], rows[2], rows[3]
    assert (one.n, one.satisfied) == (3, 2) and one.score == pytest.approx(200 / 3)
    assert one.bad == {"attitude": 1, "trips": 1}
    assert (two.n, two.satisfied, two.score) == (1, 1, 100.0)
    assert (three.n, three.satisfied) == (40, 36) and three.score == pytest.approx(67.5)
    assert one.small and two.small and not three.small and SMALL_SAMPLE == 30
    # 1 of 1 is "100%" but its Wilson lower bound is 1/(1+1.96^2) = 0.2066; 36 of 40 gives
    # about 0.769: the officer with 40 votes ranks first, the single vote does not win.
    assert two.share == 1.0 and two.lower == pytest.approx(0.2066, abs=1e-4)
    assert three.lower == pytest.approx(0.7695, abs=1e-3)
    ranked = [r.key for r in aggregate(votes, "officer", {})]
    assert ranked == [3, 1, 2]


def test_wilson_lower_bound_edges() -> None:
    assert wilson_lower(0, 0) == 0.0
    assert wilson_lower(0, 10) == pytest.approx(0.0, abs=1e-12)
    assert 0.0 < wilson_lower(10, 10) < 1.0


async def test_the_satisfaction_page_is_for_managers(client: Client, database: None) -> None:
    from backend.access.roles import Role
    from backend.ratings import kiosk
    from tests.helpers import make_user, soup
    from tests.ratings.test_kiosk import _device

    device, _, officer = await _device("t.report.k1", 51)
    from backend.lib.clock import utcnow
    from backend.ratings import duty

    await duty.start(officer, device["counter"], utcnow())
    for i, level in enumerate((5, 4, 1)):
        await kiosk.vote(device, level, f"report-{i}")
    manager = await make_user(Role.MANAGER, "t.report.manager")
    await sign_in_as(client, manager.id)
    page = await client.get("/manage/satisfaction/?days=30")
    assert page.status_code == 200
    rows = {
        tr.select_one("th").get_text(" ", strip=True): [
            td.get_text(strip=True) for td in tr.select("td")
        ]
        for tr in soup(page.text).select("table.satisfaction tbody tr")
        if tr.select_one("th")
    }
    name = next(k for k in rows if k.startswith("Người thử t.report.k1"))
    assert rows[name][0] == "3" and rows[name][1] == "66,7%"
    assert "mẫu nhỏ" in name
    counter_officer = await make_user(Role.COUNTER, "t.report.counter")
    await sign_in_as(client, counter_officer.id)
    assert (await client.get("/manage/satisfaction/")).status_code == 403


async def test_the_officer_is_named_with_the_counter_from_its_column(
    client: Client, database: None
) -> None:
    """Issue 12, item 19a: "Phạm Thu Hà — Quầy 1" comes from the name and User.counter, on the
    kiosk and in the report; no "(quầy 1)" is needed in the name."""
    from backend.access.roles import Role
    from backend.accounts.tables import User
    from backend.lib.clock import utcnow
    from backend.ratings import duty, kiosk
    from tests.helpers import make_user, soup
    from tests.ratings.test_kiosk import _counter

    counter = await _counter(52)
    officer = await make_user(Role.COUNTER, "t.report.desk", counter=counter)
    await User.update({User.full_name: "Phạm Thu Hà"}).where(User.id == officer.id)
    token = await kiosk.start(officer, "2468", "2468")
    await duty.start(officer.id, counter, utcnow())
    client.cookies.set(kiosk.COOKIE, token)
    screen = await client.get("/kiosk/")
    desk = soup(screen.text).select_one(".kiosk-desk")
    assert desk is not None and desk.get_text(" ", strip=True) == "Cán bộ: Phạm Thu Hà — Quầy 52"
    device = await kiosk.device(token)
    assert device is not None
    await kiosk.vote(device, 5, "desk-1")
    manager = await make_user(Role.MANAGER, "t.report.manager")
    await sign_in_as(client, manager.id)
    page = soup((await client.get("/manage/satisfaction/?days=30")).text)
    by_officer = page.select("table.satisfaction")[1]
    names = [th.get_text(" ", strip=True) for th in by_officer.select("tbody th")]
    assert "Phạm Thu Hà — Quầy 52 mẫu nhỏ" in names
