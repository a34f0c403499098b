"""The postal pages and the courier API through real HTTP: roles, scope, idempotency."""

from __future__ import annotations

from backend.postal.tables import Shipment
from tests.helpers import Client, bearer, form_token, sign_in_as, soup
from tests.postal.conftest import Postal, signature_png


async def test_courier_confirms_through_the_api_once_per_key(
    client: Client, postal: Postal
) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    headers = await bearer(postal.courier_a.id)
    out = {"key": "api-out-000001", "shipment": code, "step": "out_for_delivery"}
    r = await client.post("/api/v1/postal/confirmations", json=out, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "out_for_delivery"
    delivered = {
        "key": "api-deliver-0001",
        "shipment": code,
        "step": "delivered",
        "received_by": "Nguyễn Thị Nhận",
        "relation": "authorized",
        "authorization": "Giấy ủy quyền số 12/UQ ngày 01/12/2026",
        "id_last_digits": "5678",
        "proof": signature_png(),
    }
    first = await client.post("/api/v1/postal/confirmations", json=delivered, headers=headers)
    again = await client.post("/api/v1/postal/confirmations", json=delivered, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True and again.json()["event"] == first.json()["event"]
    assert (await postal.dossier(dossier_id))["status"] == 10
    # Without a key the API refuses: a phone must be able to repeat safely.
    r = await client.post("/api/v1/postal/confirmations", json={**out, "key": ""}, headers=headers)
    assert r.status_code == 400


async def test_the_api_is_for_postal_staff_of_the_parcels_office(
    client: Client, postal: Postal
) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    body = {"key": "scope-check-01", "shipment": code, "step": "out_for_delivery"}
    r = await client.post(
        "/api/v1/postal/confirmations", json=body, headers=await bearer(postal.courier_b.id)
    )
    assert r.status_code == 404
    r = await client.post(
        "/api/v1/postal/confirmations", json=body, headers=await bearer(postal.counter.id)
    )
    assert r.status_code == 403
    r = await client.post("/api/v1/postal/confirmations", json=body)
    assert r.status_code == 401
    assert (await postal.shipment(dossier_id))["state"] == "handed_over"
    r = await client.get("/api/v1/postal/round", headers=await bearer(postal.courier_b.id))
    assert code not in r.text
    r = await client.get("/api/v1/postal/round", headers=await bearer(postal.courier_a.id))
    assert code in r.text


async def test_counter_lists_parcels_and_the_courier_signs_on_the_phone(
    client: Client, postal: Postal
) -> None:
    dossier_id = await postal.ready()
    parcel = await postal.shipment(dossier_id)
    await sign_in_as(client, postal.counter.id)
    page = await client.get("/postal/handover/")
    assert page.status_code == 200 and parcel["code"] in page.text
    token = form_token(page.text)
    r = await client.post(
        "/postal/handover/",
        data={
            "_csrf_token": token,
            "post_office": str(postal.office_a),
            "shipment": [str(parcel["id"])],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    list_url = r.headers["location"]
    printed = await client.get(list_url)
    assert parcel["code"] in printed.text and "Chờ bưu điện" in printed.text
    label = await client.get(f"/postal/parcels/{parcel['id']}/label")
    assert (
        label.status_code == 200 and "<svg" in label.text and parcel["recipient_name"] in label.text
    )

    # The other post office's courier sees neither the list nor the label.
    await sign_in_as(client, postal.courier_b.id)
    assert (await client.get(list_url)).status_code == 404
    assert (await client.get(f"/postal/parcels/{parcel['id']}/label")).status_code == 404
    round_b = await client.get("/courier/")
    assert "Biên bản bàn giao số" not in round_b.text

    await sign_in_as(client, postal.courier_a.id)
    round_a = await client.get("/courier/")
    list_id = list_url.rsplit("/", 1)[1]
    form = soup(round_a.text).select_one(f"form[action='/courier/handover/{list_id}']")
    assert form is not None
    token = form.select_one("input[name=_csrf_token]")["value"]
    wrong = await client.post(
        f"/courier/handover/{list_id}", data={"_csrf_token": token, "count": "5"}
    )
    assert wrong.status_code == 422 and "khác số trên biên bản" in wrong.text
    # The form again with its message, as a page (issue 12, item 14: it was JSON-typed).
    assert wrong.headers["content-type"].startswith("text/html")
    again = soup(wrong.text).select_one(f"form[action='/courier/handover/{list_id}']")
    assert again is not None and "khác số trên biên bản" in again.parent.text
    ok = await client.post(
        f"/courier/handover/{list_id}",
        data={"_csrf_token": token, "count": "1"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    row = await Shipment.select(Shipment.state).where(Shipment.id == parcel["id"]).first()
    assert row is not None and row["state"] == "handed_over"
    after = await client.get("/courier/")
    card = soup(after.text).select_one(f"article[data-code='{parcel['code']}']")
    assert card is not None and "Nhận đi phát" in card.text


async def test_courier_pages_are_for_postal_staff(client: Client, postal: Postal) -> None:
    await sign_in_as(client, postal.counter.id)
    assert (await client.get("/courier/")).status_code == 403
    await sign_in_as(client, postal.courier_a.id)
    assert (await client.get("/postal/handover/")).status_code == 403


async def test_the_citizen_changes_the_address_from_the_dossier_page(
    client: Client, postal: Postal
) -> None:
    dossier_id = await postal.ready()
    await sign_in_as(client, postal.owner.id)
    page = await client.get(f"/dossiers/{dossier_id}")
    panel = soup(page.text).select_one("#postal")
    assert panel is not None and "Chờ bàn giao cho bưu điện" in panel.text
    assert "25.000" in panel.text  # the fee is shown before confirming
    form = panel.select_one("form[action$='/postal']")
    assert form is not None
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    fields.update(street="Số 7 phố Hoa Lư", ward_code="14329", province="Ninh Bình")

    wrong = await client.post(
        f"/dossiers/{dossier_id}/panels/postal", data={**fields, "ward_code": "00004"}
    )
    assert wrong.status_code == 422
    assert "không thuộc" in soup(wrong.text).select_one("#postal").text
    assert (await postal.shipment(dossier_id))["ward"] == "Phường Phủ Lý"

    ok = await client.post(
        f"/dossiers/{dossier_id}/panels/postal", data=fields, follow_redirects=False
    )
    assert ok.status_code == 303, ok.text
    assert (await postal.shipment(dossier_id))["ward"] == "Phường Hoa Lư"
    shown = await client.get(ok.headers["location"])
    assert "Phường Hoa Lư" in soup(shown.text).select_one("#postal").text

    # Another citizen cannot touch it.
    await sign_in_as(client, postal.factory.people["other_citizen"].id)
    token = soup((await client.get("/my/dossiers")).text).select_one("input[name=_csrf_token]")
    r = await client.post(
        f"/dossiers/{dossier_id}/panels/postal", data={**fields, "_csrf_token": token["value"]}
    )
    assert r.status_code == 404


async def test_no_change_while_out_for_delivery(client: Client, postal: Postal) -> None:
    from backend.postal.confirmations import confirm
    from backend.postal.lifecycle import Step
    from backend.postal.schemas import StepInput

    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    await sign_in_as(client, postal.owner.id)
    page = await client.get(f"/dossiers/{dossier_id}")
    panel = soup(page.text).select_one("#postal")
    assert panel is not None and "Bưu tá đang trên đường giao" in panel.text
    assert panel.select_one("form[action$='/postal']") is None
    token = form_token(page.text)
    r = await client.post(
        f"/dossiers/{dossier_id}/panels/postal",
        data={
            "_csrf_token": token,
            "delivery_method": "post",
            "recipient_name": "A B",
            "recipient_phone": "0912000111",
            "street": "Số 1",
            "province": "Ninh Bình",
            "ward_code": "14329",
        },
    )
    assert r.status_code == 409 and "Bưu tá đang đi phát" in r.text
    assert (await postal.shipment(dossier_id))["ward"] == "Phường Phủ Lý"
