"""After the result is handed over at the counter, the citizen's page says so and offers no
delivery any more (issue 12, item 13: it still said "Mời bạn đến Bộ phận Một cửa nhận kết quả"
and offered the post)."""

from __future__ import annotations

from backend.catalog.tables import Procedure
from backend.dossiers.workflow import Action, State
from tests.dossiers.factory import Factory
from tests.helpers import Client, sign_in_as, soup


async def test_the_page_after_the_counter_handed_the_result_over(client: Client) -> None:
    factory = await Factory().setup()
    proc = (
        await Procedure.select(Procedure.result_delivery)
        .where(Procedure.id == factory.procedures["stp"]["id"])
        .first()
    )
    assert proc is not None and "post" in proc["result_delivery"].split(",")
    dossier_id = await factory.create(State.DONE)
    await sign_in_as(client, factory.people["owner"].id)
    before = soup((await client.get(f"/dossiers/{dossier_id}")).text)
    assert "Mời bạn đến Bộ phận Một cửa nhận kết quả" in before.text
    assert before.select_one("#postal form") is not None  # the post can still bring it

    await factory.act(factory.people["counter"], dossier_id, Action.HAND_OVER)
    after = soup((await client.get(f"/dossiers/{dossier_id}")).text)
    assert "Mời bạn đến Bộ phận Một cửa" not in after.text
    assert "Bạn đã nhận kết quả tại Bộ phận Một cửa." in after.text
    assert after.select_one("#postal") is None
    assert "Bưu điện có thể mang kết quả đến tận nhà" not in after.text


async def test_no_post_offered_for_a_procedure_that_returns_at_the_counter_only(
    client: Client,
) -> None:
    """The result goes by post only where the procedure lists the post (issue 12, item 14a)."""
    factory = await Factory().setup()
    proc_id = factory.procedures["stp"]["id"]
    row = await Procedure.select(Procedure.result_delivery).where(Procedure.id == proc_id).first()
    assert row is not None
    await Procedure.update({Procedure.result_delivery: "counter"}).where(Procedure.id == proc_id)
    try:
        dossier_id = await factory.create(State.DONE)
        await sign_in_as(client, factory.people["owner"].id)
        page = soup((await client.get(f"/dossiers/{dossier_id}")).text)
        assert "Mời bạn đến Bộ phận Một cửa nhận kết quả" in page.text
        assert page.select_one("#postal") is None
        assert "Bưu điện có thể mang kết quả đến tận nhà" not in page.text
    finally:
        await Procedure.update({Procedure.result_delivery: row["result_delivery"]}).where(
            Procedure.id == proc_id
        )
