"""The papers asked for in a supplement request are tagged as asked for (issue 12, item 19: a
requested paper still said "Nếu có", the procedure's own tag)."""

from __future__ import annotations

from backend.dossiers.workflow import State
from tests.dossiers.factory import Factory
from tests.helpers import Client, sign_in_as, soup


async def test_requested_papers_are_tagged_as_needed_now(client: Client) -> None:
    factory = await Factory().setup()
    dossier_id = await factory.create(State.PROCESSING_SUPPLEMENT)
    await sign_in_as(client, factory.people["owner"])
    section = soup((await client.get(f"/dossiers/{dossier_id}")).text).select_one("#supplement")
    assert section is not None
    chips = [c.text.strip() for c in section.select(".slot .chip")]
    assert chips and set(chips) == {"Cần bổ sung"}


async def test_the_paused_deadline_is_explained_beside_the_date(client: Client) -> None:
    """Issue 12, item 19: the paused deadline was explained only by a generic sentence next to
    the old date."""
    from backend.dossiers.tables import Dossier
    from backend.lib.formatting import format_date

    factory = await Factory().setup()
    dossier_id = await factory.create(State.PROCESSING_SUPPLEMENT)
    row = await Dossier.select(Dossier.paused_at).where(Dossier.id == dossier_id).first()
    assert row is not None and row["paused_at"] is not None
    await sign_in_as(client, factory.people["owner"])
    page = soup((await client.get(f"/dossiers/{dossier_id}")).text)
    note = page.select_one(".status-card .paused")
    assert note is not None
    assert f"tạm dừng từ {format_date(row['paused_at'])}" in note.text
    assert "lùi thêm đúng số ngày làm việc đã chờ" in note.text
