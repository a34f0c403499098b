"""The ways in: footer and staff tab, "my complaints", the lookup by code and phone number."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.complaints import deadlines, handling, queries
from backend.complaints.access import link_key
from backend.complaints.queries import QUEUE_FILTERS
from backend.complaints.tables import Complaint, ComplaintEvent
from backend.complaints.workflow import Action
from tests.complaints.conftest import People, file_as, vn
from tests.helpers import Client, another_client, post_form, sign_in_as, soup, text_of


async def test_the_footer_leads_to_complaints(client: Client, people: People) -> None:
    page = soup((await client.get("/")).text)
    assert page.select_one('footer a[href="/pakn"]').get_text() == "Phản ánh, kiến nghị"
    assert page.select_one('footer a[href="/complaints/mine"]') is None
    await sign_in_as(client, people.citizen)
    page = soup((await client.get("/my/dossiers")).text)
    assert page.select_one('footer a[href="/complaints/mine"]').get_text() == "Phản ánh của tôi"


@pytest.mark.parametrize(
    ("person", "has_tab"),
    [("manager", True), ("stp_leader", True), ("specialist", False), ("counter", False)],
)
async def test_the_staff_tab(client: Client, people: People, person: str, has_tab: bool) -> None:
    await sign_in_as(client, getattr(people, person))
    page = soup((await client.get("/staff/queue")).text)
    tab = page.select_one('nav.tabs a[href="/staff/complaints"]')
    assert (tab is not None) == has_tab
    if tab is not None:
        assert tab.get_text() == "Phản ánh" and not tab.has_attr("aria-current")


async def test_my_complaints(client: Client, people: People) -> None:
    mine = await file_as(people, people.citizen, agency="stp")
    theirs = await file_as(people, people.other_citizen, agency="stp")
    await sign_in_as(client, people.citizen)
    page = await client.get("/complaints/mine")
    links = [a["href"] for a in soup(page.text).select(".list a.item")]
    assert f"/complaints/{mine['code']}" in links
    assert f"/complaints/{theirs['code']}" not in links
    detail = await client.get(f"/complaints/{mine['code']}")
    assert detail.status_code == 200
    assert text_of(detail.text, ".badge") == ["Chờ xem xét tiếp nhận"]
    assert "Xem xét tiếp nhận" in " ".join(text_of(detail.text, ".target-label"))
    # Another citizen is sent to the lookup form, as a visitor would be.
    await sign_in_as(client, people.other_citizen)
    r = await client.get(f"/complaints/{mine['code']}")
    assert r.status_code == 303 and r.headers["location"].startswith("/complaints/track")


async def lookup(c: Any, code: str, phone: str) -> Any:
    return await post_form(c, "/complaints/track", code=code, phone=phone)


async def test_looking_up_by_code_and_phone(app: Any, people: People) -> None:
    complaint = await file_as(people, agency="stp", phone="0912000555")
    async with another_client(app, "198.51.100.60") as c:
        form = await c.get(f"/complaints/track?code={complaint['code']}")
        assert soup(form.text).select_one("h1").get_text() == "Xem phản ánh của bạn"
        assert (
            soup(form.text).select_one("form")["method"] == "post"
        )  # the number stays out of URLs
        found = await lookup(c, complaint["code"].lower(), "0912.000.555")
        assert found.status_code == 303
        key = link_key(complaint["code"], "0912000555")
        assert found.headers["location"] == f"/complaints/{complaint['code']}?key={key}"
        page = await c.get(found.headers["location"])
        assert page.status_code == 200
        assert text_of(page.text, "h1") == [f"Phản ánh {complaint['code']}"]
        wrong = await lookup(c, complaint["code"], "0912000556")
        assert wrong.status_code == 404
        assert text_of(wrong.text, ".alert.bad") == [
            "Không tìm thấy phản ánh với mã và số điện thoại này. Vui lòng kiểm tra lại."
        ]
        unknown = await lookup(c, "PAKN-000000-0000", "0912000555")
        assert unknown.status_code == 404 and unknown.text.count("Không tìm thấy phản ánh") == 1
        missing = await lookup(c, complaint["code"], "")
        assert text_of(missing.text, "#e-phone") == [
            "Vui lòng nhập số điện thoại đã dùng khi gửi phản ánh."
        ]


async def test_lookups_are_limited_per_address(app: Any, people: People) -> None:
    complaint = await file_as(people, agency="stp", phone="0912000555")
    async with another_client(app, "198.51.100.61") as c:
        for _ in range(30):
            r = await lookup(c, complaint["code"], "0912000000")
            assert r.status_code == 404
        r = await lookup(c, complaint["code"], "0912000555")
        assert r.status_code == 429


async def test_the_public_page_when_nothing_is_published_yet(client: Client) -> None:
    page = await client.get("/pakn?page=999")
    assert page.status_code == 200
    assert text_of(page.text, "h1") == ["Phản ánh, kiến nghị"]


async def test_overdue_targets_are_marked(client: Client, people: People) -> None:
    """Filed on 29/4/2026 and never looked at: long past its dates (the test runs later)."""
    complaint = await file_as(people, agency="stp", now=vn(2026, 4, 29, 10))
    await sign_in_as(client, people.stp_leader)
    queue = soup((await client.get("/staff/complaints")).text)
    item = queue.select_one(f'a.item[href="/staff/complaints/{complaint["id"]}"]')
    assert item is not None and "overdue" in item["class"]
    assert "Quá hạn" in item.get_text(" ")
    assert "Xem xét tiếp nhận: 05/05/2026" in " ".join(item.get_text(" ").split())
    page = await client.get(f"/staff/complaints/{complaint['id']}")
    targets = text_of(page.text, ".target")
    assert targets[0] == "Xem xét tiếp nhận hạn 05/05/2026 Quá hạn"
    assert targets[-1] == "Trả lời hạn 22/05/2026 Quá hạn"


async def forget(complaints: list[dict[str, Any]]) -> None:
    """Removes complaints filed for one test, so the others' queues stay short."""
    ids = [c["id"] for c in complaints] or [0]
    await ComplaintEvent.delete().where(ComplaintEvent.complaint.is_in(ids))
    await Complaint.delete().where(Complaint.id.is_in(ids))


def pager_text(html: str) -> str:
    return " ".join(text_of(html, "nav.pager .meta"))


async def test_the_queue_is_paginated_most_urgent_first(client: Client, people: People) -> None:
    """More open complaints than a page: 50 a page, the total shown, and "Trang sau" goes on
    in the same order as before pagination (the first target not yet met, soonest first)."""
    filed = [
        await file_as(people, agency="sxd", now=vn(2026, 6, 1 + i % 25, 9 + i % 7))
        for i in range(55)
    ]
    try:
        for complaint in filed[:5]:
            await handling.take_step(
                people.manager, complaint["id"], Action.ACCEPT, handling.StepInput()
            )
        open_rows = await Complaint.select().where(
            Complaint.state.is_in([s.value for s in QUEUE_FILTERS["open"]])
        )
        day = queries.today()

        def urgency(r: dict[str, Any]) -> tuple[date, int]:
            target = deadlines.most_urgent(deadlines.status(r, day))
            return (target.due if target else date.max, r["id"])

        expected = [r["id"] for r in sorted(open_rows, key=urgency)]
        await sign_in_as(client, people.manager)
        first = await client.get("/staff/complaints")
        assert pager_text(first.text) == f"Từ 1 đến 50 trong tổng số {len(expected)}"
        shown = [a["href"] for a in soup(first.text).select(".list a.item")]
        assert len(shown) == 50
        url = soup(first.text).select_one("nav.pager a[rel=next]")["href"]
        while url:
            page = await client.get(f"/staff/complaints{url}")
            assert page.status_code == 200
            shown += [a["href"] for a in soup(page.text).select(".list a.item")]
            following = soup(page.text).select_one("nav.pager a[rel=next]")
            url = following["href"] if following else ""
        assert shown == [f"/staff/complaints/{i}" for i in expected]
        second = await client.get("/staff/complaints?show=open&page=2")
        assert pager_text(second.text).startswith("Từ 51 đến ")
    finally:
        await forget(filed)


async def test_the_public_page_has_a_next_page(client: Client, people: People) -> None:
    filed = [await file_as(people, agency="stp") for _ in range(queries.PUBLIC_PAGE_SIZE + 1)]
    try:
        for n, complaint in enumerate(filed):
            await Complaint.update(
                {
                    Complaint.state: "published",
                    Complaint.public_question: f"Câu hỏi {n}",
                    Complaint.public_answer: f"Trả lời {n}",
                    Complaint.published_at: vn(2030, 1, 1, 9, n),
                }
            ).where(Complaint.id == complaint["id"])
        first = await client.get("/pakn")
        cards = [c["id"] for c in soup(first.text).select("article.qa")]
        assert cards[0] == f"pakn-{filed[-1]['id']}"  # the latest published first
        assert len(cards) == queries.PUBLIC_PAGE_SIZE
        assert pager_text(first.text).startswith(f"Từ 1 đến {queries.PUBLIC_PAGE_SIZE} ")
        following = soup(first.text).select_one("nav.pager a[rel=next]")
        assert following["href"] == "?page=2"
        second = await client.get("/pakn?page=2")
        assert soup(second.text).select_one("article.qa")["id"] == f"pakn-{filed[0]['id']}"
    finally:
        await forget(filed)
