"""Paper dossiers collected by the post (channel 3): booked at submission, checked against the
procedure's list at the door, signed by the citizen, and only then received at the counter."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from backend.dossiers.tables import DossierEvent, DossierFile
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action
from backend.lib.errors import Conflict, FormErrors
from backend.postal import pickup_handover, pickups
from backend.postal.schemas import Booking, Collection
from backend.postal.tables import Pickup
from backend.postal.tariff import quote_pickup
from tests.helpers import Client, sign_in_as
from tests.postal.conftest import PHU_LY, Postal, signature_png


def booking(**changes: object) -> Booking:
    values: dict[str, object] = {
        "contact_name": "Phạm Văn Gửi",
        "contact_phone": "0977123456",
        "street": "Số 9 ngõ 3 đường Trần Phú",
        "province": "Ninh Bình",
        "ward_code": PHU_LY,
        "preferred_date": pickups.today() + timedelta(days=1),
    }
    values.update(changes)
    return Booking(**values)


async def booked(postal: Postal) -> tuple[int, dict[str, object]]:
    """A draft with no photos at all, sent by post."""
    from backend.dossiers import drafts

    proc = postal.factory.procedures["stp"]
    dossier_id = await drafts.start_draft(postal.owner, proc["id"], f"pickup-{uuid.uuid4()}")
    await pickups.book(postal.owner, dossier_id, booking())
    row = await Pickup.select().where(Pickup.dossier == dossier_id).first()
    assert row is not None
    return dossier_id, row


async def test_booking_submits_on_channel_3_without_photos(postal: Postal) -> None:
    dossier_id, row = await booked(postal)
    dossier = await postal.dossier(dossier_id)
    assert dossier["status"] == 1 and dossier["channel"] == 3 and dossier["code"]
    assert await DossierFile.count().where(DossierFile.dossier == dossier_id) == 0
    assert row["state"] == "booked" and row["ward"] == "Phường Phủ Lý"
    assert row["fee_vnd"] == (await quote_pickup()).fee_vnd
    assert row["post_office"] is not None
    actions = [
        r["action"]
        for r in await DossierEvent.select(DossierEvent.action)
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.seq)
    ]
    assert actions == ["submit", "postal.pickup_booked"]
    # Booking again (a double tap) changes nothing.
    await pickups.book(postal.owner, dossier_id, booking())
    assert await Pickup.count().where(Pickup.dossier == dossier_id) == 1


async def test_a_booking_needs_a_real_address_and_a_near_day(postal: Postal) -> None:
    for bad in (
        booking(ward_code="00004"),  # a ward of Hà Nội, not of Ninh Bình
        booking(street=""),
        booking(preferred_date=pickups.today() + timedelta(days=40)),
        booking(preferred_date=pickups.today() - timedelta(days=1)),
    ):
        with pytest.raises(FormErrors):
            pickups.check_booking(bad)


async def test_the_counter_waits_for_the_papers(postal: Postal) -> None:
    dossier_id, row = await booked(postal)
    courier = postal.courier_a if row["post_office"] == postal.office_a else None
    inp = await postal.factory.inputs(dossier_id, Action.ACCEPT)
    with pytest.raises(Conflict):
        await perform(postal.counter, dossier_id, Action.ACCEPT, inp)
    assert (await postal.dossier(dossier_id))["status"] == 1

    # The courier must check every required paper and have the citizen sign.
    user = courier or await _courier_of(postal, row)
    required = postal.factory.procedures["stp"]["required"]
    incomplete = await pickups.collect(
        user, row["id"], Collection(documents=required[:-1], signature=signature_png())
    )
    assert incomplete.status_code == 422
    unsigned = await pickups.collect(user, row["id"], Collection(documents=required))
    assert unsigned.status_code == 422
    assert (await Pickup.select(Pickup.state).where(Pickup.id == row["id"]).first() or {})[
        "state"
    ] == "booked"

    done = await pickups.collect(
        user, row["id"], Collection(documents=required, signature=signature_png()), "pickup-k-1"
    )
    assert done.status_code == 200, done.body
    again = await pickups.collect(
        user, row["id"], Collection(documents=required, signature=signature_png()), "pickup-k-1"
    )
    assert again.body["replayed"] is True and again.body["event"] == done.body["event"]
    event = (
        await DossierEvent.select()
        .where(
            (DossierEvent.dossier == dossier_id)
            & (DossierEvent.action == "postal.pickup_collected")
        )
        .first()
    )
    assert event is not None and event["actor"] == user.id
    data = json.loads(event["data"])
    assert data["documents"] == sorted(required) and data["citizen_signature"]

    # Collected is not enough: the papers are in the courier's bag until the center counts them.
    with pytest.raises(Conflict):
        await perform(postal.counter, dossier_id, Action.ACCEPT, inp)
    list_id = await pickup_handover.create_list(user, [row["id"]])
    await pickup_handover.confirm_list(postal.counter, list_id, 1)
    await perform(postal.counter, dossier_id, Action.ACCEPT, inp)
    assert (await postal.dossier(dossier_id))["status"] == 2


async def _courier_of(postal: Postal, row: dict[str, object]) -> object:
    from backend.access.roles import Role
    from tests.helpers import make_user

    return await make_user(
        Role.POSTAL, f"t.pickup.{row['post_office']}", post_office=row["post_office"]
    )


async def test_another_office_cannot_collect(postal: Postal) -> None:
    _, row = await booked(postal)
    other = postal.courier_b if row["post_office"] != postal.office_b else postal.courier_a
    answer = await pickups.collect(
        other, row["id"], Collection(documents=[], signature=signature_png()), "other-office"
    )
    assert answer.status_code == 404
    assert (await Pickup.select(Pickup.state).where(Pickup.id == row["id"]).first() or {})[
        "state"
    ] == "booked"


async def test_booking_a_pickup_from_the_page(client: Client, postal: Postal) -> None:
    from backend.dossiers import drafts
    from tests.helpers import soup

    proc = postal.factory.procedures["stp"]
    dossier_id = await drafts.start_draft(postal.owner, proc["id"], f"pickup-page-{uuid.uuid4()}")
    await sign_in_as(client, postal.owner.id)
    page = await client.get(f"/dossiers/{dossier_id}/pickup/")
    assert page.status_code == 200 and "25.000" in page.text
    form = soup(page.text).select_one("form[action$='/pickup']")
    fields = {
        i["name"]: i.get("value", "")
        for i in form.select("input[name]")
        if i.get("type") != "radio"
    }
    fields.update(street="", province="Ninh Bình", ward_code=PHU_LY)
    bad = await client.post(f"/dossiers/{dossier_id}/pickup/", data=fields)
    assert bad.status_code == 422 and "Vui lòng nhập số nhà" in bad.text
    assert (await postal.dossier(dossier_id))["status"] == 0
    fields["street"] = "Số 9 ngõ 3 đường Trần Phú"
    ok = await client.post(f"/dossiers/{dossier_id}/pickup/", data=fields, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    dossier = await postal.dossier(dossier_id)
    assert dossier["status"] == 1 and dossier["channel"] == 3
    shown = await client.get(ok.headers["location"])
    assert "Nhân viên bưu điện sẽ đến lấy hồ sơ giấy" in soup(shown.text).select_one("#pickup").text


async def test_booking_without_javascript_and_the_timeline_of_a_paper_dossier(
    client: Client, postal: Postal
) -> None:
    """Issue 12, item 14a: without JavaScript the plain ward list posts `ward_choice`, which the
    booking ignored (it read only `ward_code`); and the dossier's timeline said "Công dân nộp hồ
    sơ trực tuyến" for papers sent by post."""
    from backend.dossiers import drafts
    from tests.helpers import soup

    proc = postal.factory.procedures["stp"]
    dossier_id = await drafts.start_draft(postal.owner, proc["id"], f"pickup-nojs-{uuid.uuid4()}")
    await sign_in_as(client, postal.owner.id)
    page = await client.get(f"/dossiers/{dossier_id}/pickup/")
    form = soup(page.text).select_one("form[action$='/pickup']")
    fields = {
        i["name"]: i.get("value", "")
        for i in form.select("input[name]")
        if i.get("type") != "radio"
    }
    fields.pop("ward_code", None)
    fields.update(street="Số 9 ngõ 3 đường Trần Phú", province="Ninh Bình", ward_choice=PHU_LY)
    ok = await client.post(f"/dossiers/{dossier_id}/pickup/", data=fields, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    dossier = await postal.dossier(dossier_id)
    assert dossier["status"] == 1 and dossier["channel"] == 3
    shown = soup((await client.get(f"/dossiers/{dossier_id}")).text)
    timeline = " ".join(shown.select_one("ol.timeline").text.split())
    assert "Công dân gửi hồ sơ giấy qua bưu chính công ích" in timeline
    assert "Công dân nộp hồ sơ trực tuyến" not in timeline
