"""The leader's approval form starts on a paper result when the citizen chose the post (issue
12, item 19: it defaulted to electronic whenever the procedure offered it)."""

from __future__ import annotations

from backend.catalog.tables import Procedure
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import State
from tests.dossiers.factory import Factory
from tests.helpers import Client, sign_in_as, soup


async def checked_kind(client: Client, dossier_id: int) -> str:
    page = soup((await client.get(f"/staff/dossiers/{dossier_id}")).text)
    chosen = page.select_one("#action-approve input[name=result_kind][checked]")
    assert chosen is not None
    return str(chosen["value"])


async def test_the_default_result_follows_the_citizens_choice(client: Client) -> None:
    factory = await Factory().setup()
    proc_id = factory.procedures["stp"]["id"]
    before = (
        await Procedure.select(Procedure.result_delivery).where(Procedure.id == proc_id).first()
    )
    assert before is not None
    await Procedure.update({Procedure.result_delivery: "counter,post,electronic"}).where(
        Procedure.id == proc_id
    )
    try:
        by_counter = await factory.create(State.AWAITING_SIGNATURE)
        by_post = await factory.create(State.AWAITING_SIGNATURE)
        await Dossier.update({Dossier.delivery_method: "post"}).where(Dossier.id == by_post)
        await sign_in_as(client, factory.people["stp.leader"].id)
        assert await checked_kind(client, by_counter) == "electronic"
        assert await checked_kind(client, by_post) == "paper"
    finally:
        await Procedure.update({Procedure.result_delivery: before["result_delivery"]}).where(
            Procedure.id == proc_id
        )
