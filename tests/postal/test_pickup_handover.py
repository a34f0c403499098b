"""The post hands the paper dossiers it collected to the center, counted on both sides (issue
12, item 14a): the postal worker lists the envelopes, the counter officer counts them and
confirms the same number; only then may the counter receive those dossiers."""

from __future__ import annotations

import json

import pytest

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.dossiers.tables import DossierEvent
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound
from backend.postal import pickup_handover, pickups
from backend.postal.schemas import Collection
from backend.postal.shipments import suggest_post_office
from backend.postal.tables import Pickup, PickupHandover
from tests.helpers import Client, make_user, sign_in_as, soup, text_of
from tests.postal.conftest import PHU_LY, Postal, signature_png
from tests.postal.test_pickups import booked


async def collected(postal: Postal) -> tuple[int, int]:
    """A dossier sent by post whose papers the office's courier (`courier_of`) has collected:
    (dossier id, pickup id)."""
    dossier_id, row = await booked(postal)
    required = postal.factory.procedures["stp"]["required"]
    done = await pickups.collect(
        await courier_of(postal),
        int(row["id"]),
        Collection(documents=required, signature=signature_png()),
    )
    assert done.status_code == 200, done.body
    return dossier_id, int(row["id"])


async def courier_of(postal: Postal) -> CurrentUser:
    """A courier of the office the bookings in Phủ Lý go to."""
    office = await suggest_post_office(PHU_LY)
    return await make_user(Role.POSTAL, f"t.pickup.{office}", post_office=office)


async def stranger_of(postal: Postal) -> CurrentUser:
    """A courier of another office."""
    office = await suggest_post_office(PHU_LY)
    return postal.courier_b if office != postal.office_b else postal.courier_a


async def state_of(pickup_id: int) -> str:
    row = await Pickup.select(Pickup.state).where(Pickup.id == pickup_id).first()
    assert row is not None
    return str(row["state"])


async def test_a_wrong_count_changes_nothing_the_right_one_hands_in(postal: Postal) -> None:
    courier = await courier_of(postal)
    first, pickup_1 = await collected(postal)
    second, pickup_2 = await collected(postal)
    waiting = {e["id"] for e in await pickup_handover.to_hand_in(courier)}
    assert {pickup_1, pickup_2} <= waiting
    list_id = await pickup_handover.create_list(courier, [pickup_1, pickup_2])
    assert {pickup_1, pickup_2}.isdisjoint(
        e["id"] for e in await pickup_handover.to_hand_in(courier)
    )

    with pytest.raises(FormErrors) as wrong:
        await pickup_handover.confirm_list(postal.counter, list_id, 1)
    assert "Số hồ sơ đếm được (1) khác số trên phiếu (2)" in str(wrong.value.errors[0].render(str))
    assert await state_of(pickup_1) == pickups.COLLECTED
    with pytest.raises(Conflict):  # still not at the center
        await perform(
            postal.counter, first, Action.ACCEPT, await postal.factory.inputs(first, Action.ACCEPT)
        )

    confirmed = await pickup_handover.confirm_list(postal.counter, list_id, 2)
    assert confirmed["confirmed_by"] == postal.counter.id
    for pickup_id, dossier_id in ((pickup_1, first), (pickup_2, second)):
        assert await state_of(pickup_id) == pickups.HANDED_IN
        event = (
            await DossierEvent.select(DossierEvent.actor, DossierEvent.data)
            .where(
                (DossierEvent.dossier == dossier_id)
                & (DossierEvent.action == "postal.pickup_handed_in")
            )
            .first()
        )
        assert event is not None and event["actor"] == postal.counter.id
        data = json.loads(event["data"])
        assert (data["handover"], data["count"]) == (list_id, 2)
        assert data["postal_worker"] == courier.id
    outcome = await perform(
        postal.counter, first, Action.ACCEPT, await postal.factory.inputs(first, Action.ACCEPT)
    )
    assert outcome.state.value == "received"
    with pytest.raises(Conflict):  # signed once
        await pickup_handover.confirm_list(postal.counter, list_id, 2)


async def test_only_each_side_does_its_part(postal: Postal) -> None:
    courier, stranger = await courier_of(postal), await stranger_of(postal)
    _, pickup_id = await collected(postal)
    with pytest.raises(Forbidden):
        await pickup_handover.create_list(postal.counter, [pickup_id])
    # Another office's courier cannot list this office's envelope.
    with pytest.raises(Conflict):
        await pickup_handover.create_list(stranger, [pickup_id])
    assert await PickupHandover.count().where(PickupHandover.created_by == stranger.id) == 0
    list_id = await pickup_handover.create_list(courier, [pickup_id])
    with pytest.raises(Forbidden):
        await pickup_handover.confirm_list(courier, list_id, 1)
    with pytest.raises(NotFound):
        await pickup_handover.cancel_list(stranger, list_id)
    # The postal worker withdraws it: the envelope can go on a new list.
    await pickup_handover.cancel_list(courier, list_id)
    assert pickup_id in {e["id"] for e in await pickup_handover.to_hand_in(courier)}
    with pytest.raises(Conflict):
        await pickup_handover.confirm_list(postal.counter, list_id, 1)


async def test_the_pages_of_both_sides(client: Client, postal: Postal) -> None:
    courier = await courier_of(postal)
    _, pickup_id = await collected(postal)
    await sign_in_as(client, courier)
    round_page = soup((await client.get("/courier")).text)
    choice = round_page.select_one(f"#hand-in input[name=pickup][value='{pickup_id}']")
    assert choice is not None
    token = str(round_page.select_one("#hand-in input[name=_csrf_token]")["value"])  # type: ignore[index]
    made = await client.post(
        "/postal/pickup-handover/", data={"_csrf_token": token, "pickup": str(pickup_id)}
    )
    assert made.status_code == 303, made.text
    list_url = made.headers["location"]
    record = (await client.get(list_url)).text
    assert "Phiếu giao hồ sơ giấy cho Bộ phận Một cửa" in record
    assert any("Chờ Bộ phận Một cửa" in t for t in text_of(record, ".facts dd"))

    await sign_in_as(client, postal.counter)
    handover_page = (await client.get("/postal/handover/")).text
    assert list_url in [a.get("href") for a in soup(handover_page).select("#incoming a")]
    page = (await client.get(list_url)).text
    token = str(soup(page).select_one("form[action$='/confirm'] input[name=_csrf_token]")["value"])  # type: ignore[index]
    wrong = await client.post(f"{list_url}/confirm", data={"_csrf_token": token, "count": "3"})
    assert wrong.status_code == 422
    assert "khác số trên phiếu" in " ".join(text_of(wrong.text, ".error"))
    right = await client.post(f"{list_url}/confirm", data={"_csrf_token": token, "count": "1"})
    assert right.status_code == 303, right.text
    assert await state_of(pickup_id) == pickups.HANDED_IN
    assert "#incoming" not in (await client.get("/postal/handover/")).text
