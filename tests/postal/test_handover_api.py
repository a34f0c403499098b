"""The handover lists as a native app sees them (issue 15): a bearer token, JSON in and out.
Results to the post (the counter lists, the postal worker signs with the count) and collected
paper dossiers to the center (the postal worker lists, the counter signs); each refusal as
the pages refuse it."""

from __future__ import annotations

from typing import Any

import pytest

from backend.access.roles import Role
from backend.dossiers.workflow import State
from backend.postal.lifecycle import ShipmentState
from backend.postal.shipments import suggest_post_office
from backend.postal.tables import Shipment
from tests.helpers import Client, bearer, make_user
from tests.postal.conftest import PHU_LY, Postal
from tests.postal.test_pickup_handover import collected, courier_of, stranger_of

LISTS = "/api/v1/postal/handovers"
PICKUP_LISTS = "/api/v1/postal/pickup-handovers"


async def _ready_parcels(postal: Postal, n: int) -> list[int]:
    return [(await postal.shipment(await postal.ready()))["id"] for _ in range(n)]


async def _new_list(client: Client, postal: Postal, parcels: list[int]) -> dict[str, Any]:
    r = await client.post(
        LISTS,
        json={"post_office_id": postal.office_a, "shipment_ids": parcels},
        headers=await bearer(postal.counter),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_the_counter_lists_parcels_and_the_post_signs_with_the_count(
    client: Client, postal: Postal
) -> None:
    counter = await bearer(postal.counter)
    parcels = await _ready_parcels(postal, 2)
    waiting = (await client.get(f"{LISTS}/waiting", headers=counter)).json()
    assert set(parcels) <= {p["id"] for p in waiting["parcels"]}
    mine = next(p for p in waiting["parcels"] if p["id"] == parcels[0])
    assert mine["suggested_post_office_id"] == await suggest_post_office(PHU_LY) and mine["code"]
    assert postal.office_a in {o["id"] for o in waiting["offices"]}

    r = await client.post(
        LISTS, json={"post_office_id": postal.office_a, "shipment_ids": parcels}, headers=counter
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert r.headers["location"] == f"{LISTS}/{made['id']}"
    assert (made["status"], made["parcel_count"]) == ("open", 2)
    assert [p["id"] for p in made["parcels"]] == sorted(parcels)
    assert made["record_url"] == f"/postal/handover/{made['id']}"
    assert made["created_by_name"] == postal.counter.full_name
    # The same parcels cannot go on a second list.
    again = await client.post(
        LISTS, json={"post_office_id": postal.office_a, "shipment_ids": parcels}, headers=counter
    )
    assert again.status_code == 409 and again.json()["field"] == "shipment_ids", again.text
    waiting = (await client.get(f"{LISTS}/waiting", headers=counter)).json()
    assert not set(parcels) & {p["id"] for p in waiting["parcels"]}
    recent = (await client.get(LISTS, headers=counter)).json()
    assert recent["limit"] == 20 and recent["lists"][0]["id"] == made["id"]
    assert recent["lists"][0]["parcels"] is None

    courier = await bearer(postal.courier_a)
    pending = (await client.get(LISTS, headers=courier)).json()
    assert made["id"] in [x["id"] for x in pending["lists"]] and pending["limit"] is None
    sign = f"{LISTS}/{made['id']}/confirmation"
    wrong = await client.post(sign, json={"count": 1}, headers=courier)
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"]["count"] == (
        "Số bưu gửi đếm được (1) khác số trên biên bản (2). Hãy đếm lại cùng cán bộ Một cửa."
    )
    assert (await client.get(f"{LISTS}/{made['id']}", headers=courier)).json()["status"] == "open"

    signed = await client.post(sign, json={"count": 2}, headers=courier)
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "confirmed" and body["confirmed_by_name"] == postal.courier_a.full_name
    assert {p["state"] for p in body["parcels"]} == {ShipmentState.HANDED_OVER.value}
    dossiers = await Shipment.select(Shipment.dossier.state.as_alias("state")).where(
        Shipment.id.is_in(parcels)
    )
    assert {d["state"] for d in dossiers} == {State.WITH_POST.value}
    assert made["id"] not in [
        x["id"] for x in (await client.get(LISTS, headers=courier)).json()["lists"]
    ]
    # Signed once: a second signature, or withdrawing it now, is a conflict.
    assert (await client.post(sign, json={"count": 2}, headers=courier)).status_code == 409
    cancel = f"{LISTS}/{made['id']}/cancellation"
    assert (await client.post(cancel, headers=counter)).status_code == 409


async def test_the_counter_withdraws_an_unsigned_list(client: Client, postal: Postal) -> None:
    parcels = await _ready_parcels(postal, 1)
    made = await _new_list(client, postal, parcels)
    counter = await bearer(postal.counter)
    r = await client.post(f"{LISTS}/{made['id']}/cancellation", headers=counter)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["parcels"] == []
    waiting = (await client.get(f"{LISTS}/waiting", headers=counter)).json()
    assert parcels[0] in {p["id"] for p in waiting["parcels"]}
    # The post can no longer sign it.
    r = await client.post(
        f"{LISTS}/{made['id']}/confirmation",
        json={"count": 1},
        headers=await bearer(postal.courier_a),
    )
    assert r.status_code == 409
    assert (await client.post(f"{LISTS}/999999/cancellation", headers=counter)).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"post_office_id": 999999, "shipment_ids": [1]}, 422, "post_office_id"),
        ({"post_office_id": "office_a", "shipment_ids": []}, 422, "shipment_ids"),
        ({"post_office_id": "office_a", "shipment_ids": [0]}, 400, "shipment_ids"),
        ({"post_office_id": "office_a", "shipment_ids": [2**40]}, 400, "shipment_ids"),
        ({"post_office_id": "office_a"}, 400, "shipment_ids"),
        ({"post_office_id": "office_a", "shipment_ids": "1"}, 400, "shipment_ids"),
    ],
)
async def test_a_new_list_with_wrong_inputs_is_refused_clearly(
    client: Client, postal: Postal, body: dict[str, Any], status: int, field: str
) -> None:
    body = {k: postal.office_a if v == "office_a" else v for k, v in body.items()}
    r = await client.post(LISTS, json=body, headers=await bearer(postal.counter))
    assert r.status_code == status, r.text
    answer = r.json()
    if status == 422:
        assert field in answer["errors"], answer
    else:
        assert any(field in f"{e['key']} {e['message']}" for e in answer["extra"]), answer


async def test_who_may_do_what_with_a_list(client: Client, postal: Postal) -> None:
    made = await _new_list(client, postal, await _ready_parcels(postal, 1))
    one = f"{LISTS}/{made['id']}"
    other_office = await bearer(postal.courier_b)
    citizen = await bearer(postal.owner)
    manager = await bearer(await make_user(Role.MANAGER, "t.handover.api.manager"))
    # Reading: the center's staff and the office it is for; anybody else finds nothing.
    assert (await client.get(one, headers=manager)).status_code == 200
    assert (await client.get(one, headers=await bearer(postal.courier_a))).status_code == 200
    for headers in (other_office, citizen):
        r = await client.get(one, headers=headers)
        assert r.status_code == 404
        assert r.json()["detail"] == "Không tìm thấy biên bản bàn giao này."
    assert made["id"] not in [
        x["id"] for x in (await client.get(LISTS, headers=other_office)).json()["lists"]
    ]
    # Another office cannot sign it (it does not exist for them), nor a counter officer.
    r = await client.post(f"{one}/confirmation", json={"count": 1}, headers=other_office)
    assert r.status_code == 404
    counter = await bearer(postal.counter)
    assert (
        await client.post(f"{one}/confirmation", json={"count": 1}, headers=counter)
    ).status_code == 403
    # Only the counter makes, withdraws and sees the waiting parcels; a citizen nothing.
    for headers in (citizen, await bearer(postal.courier_a), manager):
        assert (await client.get(f"{LISTS}/waiting", headers=headers)).status_code == 403
        assert (await client.post(f"{one}/cancellation", headers=headers)).status_code == 403
        r = await client.post(
            LISTS, json={"post_office_id": postal.office_a, "shipment_ids": [1]}, headers=headers
        )
        assert r.status_code == 403
    for headers in (citizen, manager):
        assert (await client.get(LISTS, headers=headers)).status_code == 403
    # Anonymous: sign in first.
    for r in (
        await client.get(LISTS),
        await client.get(one),
        await client.post(f"{one}/confirmation", json={"count": 1}),
    ):
        assert r.status_code == 401 and r.json()["status_code"] == 401
    assert (await client.get(f"{LISTS}/999999", headers=counter)).status_code == 404


# --- the other way: paper dossiers collected at home, to the center ----------------------------


async def test_the_post_lists_envelopes_and_the_counter_signs_with_the_count(
    client: Client, postal: Postal
) -> None:
    courier = await bearer(await courier_of(postal))
    _, pickup_1 = await collected(postal)
    _, pickup_2 = await collected(postal)
    envelopes = (await client.get(f"{PICKUP_LISTS}/envelopes", headers=courier)).json()
    mine = {e["id"]: e for e in envelopes["envelopes"]}
    assert {pickup_1, pickup_2} <= set(mine)
    assert mine[pickup_1]["state"] == "collected" and mine[pickup_1]["paper_count"] >= 1

    r = await client.post(PICKUP_LISTS, json={"pickup_ids": [pickup_1, pickup_2]}, headers=courier)
    assert r.status_code == 201, r.text
    made = r.json()
    assert r.headers["location"] == f"{PICKUP_LISTS}/{made['id']}"
    assert (made["status"], made["dossier_count"]) == ("open", 2)
    assert {e["id"] for e in made["envelopes"]} == {pickup_1, pickup_2}
    again = await client.post(PICKUP_LISTS, json={"pickup_ids": [pickup_1]}, headers=courier)
    assert again.status_code == 409 and again.json()["field"] == "pickup_ids"
    empty = await client.post(PICKUP_LISTS, json={"pickup_ids": []}, headers=courier)
    assert empty.status_code == 422 and "pickup_ids" in empty.json()["errors"]
    assert made["id"] in [
        x["id"] for x in (await client.get(PICKUP_LISTS, headers=courier)).json()["lists"]
    ]

    counter = await bearer(postal.counter)
    assert made["id"] in [
        x["id"] for x in (await client.get(PICKUP_LISTS, headers=counter)).json()["lists"]
    ]
    sign = f"{PICKUP_LISTS}/{made['id']}/confirmation"
    wrong = await client.post(sign, json={"count": 3}, headers=counter)
    assert wrong.status_code == 422
    assert wrong.json()["errors"]["count"] == (
        "Số hồ sơ đếm được (3) khác số trên phiếu (2). Hãy đếm lại cùng nhân viên bưu điện."
    )
    signed = await client.post(sign, json={"count": 2}, headers=counter)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "confirmed"
    assert {e["state"] for e in signed.json()["envelopes"]} == {"handed_in"}
    assert (await client.post(sign, json={"count": 2}, headers=counter)).status_code == 409


async def test_who_may_do_what_with_an_envelope_list(client: Client, postal: Postal) -> None:
    courier_user = await courier_of(postal)
    courier = await bearer(courier_user)
    _, pickup_id = await collected(postal)
    made = (
        await client.post(PICKUP_LISTS, json={"pickup_ids": [pickup_id]}, headers=courier)
    ).json()
    one = f"{PICKUP_LISTS}/{made['id']}"
    stranger = await bearer(await stranger_of(postal))
    citizen = await bearer(postal.owner)
    counter = await bearer(postal.counter)
    assert (await client.get(one, headers=counter)).status_code == 200
    for headers in (stranger, citizen):
        assert (await client.get(one, headers=headers)).status_code == 404
    assert (await client.post(f"{one}/cancellation", headers=stranger)).status_code == 404
    assert (await client.post(f"{one}/cancellation", headers=counter)).status_code == 403
    r = await client.post(f"{one}/confirmation", json={"count": 1}, headers=courier)
    assert r.status_code == 403
    for headers in (citizen, counter):
        r = await client.post(PICKUP_LISTS, json={"pickup_ids": [pickup_id]}, headers=headers)
        assert r.status_code == 403
        assert (await client.get(f"{PICKUP_LISTS}/envelopes", headers=headers)).status_code == 403
    assert (await client.get(PICKUP_LISTS, headers=citizen)).status_code == 403
    # Withdrawn by its office: the envelope may go on a new list; the counter cannot sign it.
    r = await client.post(f"{one}/cancellation", headers=courier)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    envelopes = (await client.get(f"{PICKUP_LISTS}/envelopes", headers=courier)).json()
    assert pickup_id in {e["id"] for e in envelopes["envelopes"]}
    r = await client.post(f"{one}/confirmation", json={"count": 1}, headers=counter)
    assert r.status_code == 409
    assert (await client.post(f"{one}/cancellation", headers=courier)).status_code == 409
