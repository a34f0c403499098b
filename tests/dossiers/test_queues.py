"""Staff queues come 50 to a page with their total, soonest appointment first, and a way to
the next page (they used to stop silently at 500 rows)."""

from __future__ import annotations

from backend.dossiers import queues
from backend.dossiers.workflow import State
from tests.dossiers.factory import Factory
from tests.helpers import Client, sign_in, soup


async def test_the_counter_queue_has_pages(client: Client, factory: Factory) -> None:
    for _ in range(51):
        await factory.create(State.SUBMITTED)
    counter = factory.people["counter"]
    first = await queues.queue(counter, queues.QueueFilter("intake"), 1)
    assert first.total >= 51 and len(first.rows) == 50 and first.has_next

    await sign_in(client, "motcua1")
    page = soup((await client.get("/staff/queue?view=intake")).text)
    assert len(page.select("ul.list > li")) == 50
    assert page.select_one(".count").get_text(strip=True) == f"{first.total} hồ sơ"
    next_link = page.select_one(".pager a[rel=next]")
    assert next_link is not None and next_link["href"] == "?view=intake&page=2"

    second = soup((await client.get("/staff/queue" + next_link["href"])).text)
    on_second = [a["href"] for a in second.select("ul.list > li a.item")]
    on_first = [a["href"] for a in page.select("ul.list > li a.item")]
    expected = await queues.queue(counter, queues.QueueFilter("intake"), 2)
    assert on_second == [f"/staff/dossiers/{r['id']}" for r in expected.rows]
    assert not set(on_first) & set(on_second)
    # Soonest appointment first, across the pages.
    dates = [r["appointment_date"] for r in first.rows + expected.rows]
    assert dates == sorted(dates)
