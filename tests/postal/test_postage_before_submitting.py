"""The postage is shown before submitting (issue 12, item 16: it first appeared on the label,
although the README promises it), with the fees of the tariff in force."""

from __future__ import annotations

from backend.catalog.tables import Procedure
from backend.lib.formatting import format_money
from backend.postal import tariff
from tests.dossiers.factory import Factory
from tests.helpers import Client, sign_in_as, soup


async def test_the_draft_shows_the_postage_under_the_post_choice(client: Client) -> None:
    factory = await Factory().setup()
    proc = (
        await Procedure.select(Procedure.result_delivery)
        .where(Procedure.id == factory.procedures["stp"]["id"])
        .first()
    )
    assert proc is not None and "post" in proc["result_delivery"]
    dossier_id = await factory.draft()
    await sign_in_as(client, factory.people["owner"].id)
    page = soup((await client.get(f"/dossiers/{dossier_id}/edit")).text)
    choice = page.select_one("input[name=delivery_method][value=post]")
    assert choice is not None
    label = " ".join(choice.find_parent("label").text.split())
    fees = await tariff.tariff()
    inside = format_money(fees[tariff.DELIVERY_IN_PROVINCE].fee_vnd)
    outside = format_money(fees[tariff.DELIVERY_OTHER_PROVINCE].fee_vnd)
    assert f"Phí bưu điện: {inside} trong tỉnh, {outside} đến tỉnh khác" in label
