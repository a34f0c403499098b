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
