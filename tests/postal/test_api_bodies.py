"""The courier API's typed JSON bodies, the bound of the courier's round, and the handover
page's "latest lists"."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from backend.access.roles import Role
from backend.dossiers import drafts
from backend.postal import pickups, queries
from backend.postal.schemas import Booking
from backend.postal.tables import Pickup
from tests.helpers import Client, bearer, make_user, sign_in_as, soup
from tests.postal.conftest import PHU_LY, Postal, signature_png

CONFIRMATIONS = "/api/v1/postal/confirmations"


def _field_errors(body: dict[str, object]) -> list[str]:
    """The fields Litestar names in a 400 for a body that does not fit its type."""
    extra = body.get("extra") or []
    assert isinstance(extra, list)
    return [str(e.get("key", "")) + " " + str(e.get("message", "")) for e in extra]


@pytest.mark.parametrize(
    ("missing", "body"),
    [
        ("key", {"shipment": "X", "step": "out_for_delivery"}),
        ("shipment", {"key": "body-check-0001", "step": "out_for_delivery"}),
        ("step", {"key": "body-check-0002", "shipment": "X"}),
    ],
)
async def test_a_confirmation_missing_a_field_is_refused_clearly(
    client: Client, postal: Postal, missing: str, body: dict[str, object]
) -> None:
    r = await client.post(CONFIRMATIONS, json=body, headers=await bearer(postal.courier_a.id))
    assert r.status_code == 400, r.text
    assert any(missing in e for e in _field_errors(r.json())), r.text


async def test_a_collection_with_a_wrong_body_is_refused_clearly(
    client: Client, postal: Postal
) -> None:
    headers = await bearer(postal.courier_a.id)
    url = "/api/v1/postal/pickups/1/collection"
    r = await client.post(url, json={"documents": [1]}, headers=headers)
    assert r.status_code == 400 and any("key" in e for e in _field_errors(r.json())), r.text
    r = await client.post(url, json={"key": "body-check-0003", "documents": "x"}, headers=headers)
    assert r.status_code == 400 and any("documents" in e for e in _field_errors(r.json())), r.text
    # Not a JSON object at all.
    r = await client.post(
        url, content=b"[1, 2]", headers={**headers, "content-type": "application/json"}
    )
    assert r.status_code == 400, r.text
    # Anonymous: signed in first, whatever the body.
    r = await client.post(url, json={})
    assert r.status_code == 401


async def test_what_the_phone_queues_is_accepted_as_it_is(client: Client, postal: Postal) -> None:
    """courier.js sends the form's fields as strings, with its own bookkeeping fields."""
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    parcel = await postal.shipment(dossier_id)
    queued = {
        "key": str(uuid.uuid4()),
        "card": f"p-{code}",
        "shipment": code,
        "step": "out_for_delivery",
        "endpoint": "",
        "queued_at": "2026-01-05T08:00:00.000Z",
        "expected_version": str(parcel["version"]),
    }
    headers = await bearer(postal.courier_a.id)
    r = await client.post(CONFIRMATIONS, json=queued, headers=headers)
    assert r.status_code == 200 and r.json()["state"] == "out_for_delivery", r.text
    # A parcel may also be named by its id.
    failed = {"key": str(uuid.uuid4()), "shipment": parcel["id"], "step": "failed"}
    r = await client.post(CONFIRMATIONS, json={**failed, "reason": "not_home"}, headers=headers)
    assert r.status_code == 200 and r.json()["state"] == "failed", r.text

    proc = postal.factory.procedures["stp"]
    draft = await drafts.start_draft(postal.owner, proc["id"], f"body-{uuid.uuid4()}")
    await pickups.book(
        postal.owner,
        draft,
        Booking(
            "Phạm Văn Gửi",
            "0977123456",
            "Số 9 đường Trần Phú",
            "Ninh Bình",
            PHU_LY,
            pickups.today() + timedelta(days=1),
        ),
    )
    pickup = await Pickup.select().where(Pickup.dossier == draft).first()
    assert pickup is not None
    collect = {
        "key": str(uuid.uuid4()),
        "card": f"pk-{pickup['id']}",
        "step": "collected",
        "endpoint": f"/api/v1/postal/pickups/{pickup['id']}/collection",
        "expected_version": str(pickup["version"]),
        "documents": list(proc["required"]),
        "proof": signature_png(),
        "note": "",
    }
    courier = await make_user(
        Role.POSTAL, f"t.body.{uuid.uuid4().hex[:8]}", post_office=pickup["post_office"]
    )
    r = await client.post(collect["endpoint"], json=collect, headers=await bearer(courier.id))
    assert r.status_code == 200 and r.json()["state"] == "collected", r.text


async def test_openapi_lists_the_bodies_fields(client: Client) -> None:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    spec = r.json()

    def body_schema(path: str) -> dict[str, object]:
        content = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        body = content["schema"]
        assert body.get("description")  # what each field means
        ref = (body.get("$ref") or body["allOf"][0]["$ref"]).rsplit("/", 1)[1]
        schema: dict[str, object] = spec["components"]["schemas"][ref]
        return schema

    confirmation = body_schema(CONFIRMATIONS)
    assert set(confirmation["properties"]) >= {  # type: ignore[call-overload]
        "key",
        "shipment",
        "step",
        "reason",
        "note",
        "received_by",
        "relation",
        "id_last_digits",
        "proof",
        "expected_version",
    }
    assert set(confirmation["required"]) == {"key", "shipment", "step"}  # type: ignore[call-overload]
    collection = body_schema("/api/v1/postal/pickups/{pickup_id}/collection")
    assert set(collection["properties"]) >= {  # type: ignore[call-overload]
        "key",
        "documents",
        "proof",
        "signature",
        "note",
        "expected_version",
    }
    assert set(collection["required"]) == {"key"}  # type: ignore[call-overload]


async def test_the_round_is_bounded_and_says_so(
    client: Client, postal: Postal, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        await postal.handed_over(await postal.ready())
    monkeypatch.setattr(queries, "ROUND_LIMIT", 1)
    api = (
        await client.get("/api/v1/postal/round", headers=await bearer(postal.courier_a.id))
    ).json()
    shown = [p for w in api["wards"] for p in w["parcels"]]
    assert len(shown) == 1 and api["limit"] == 1 and api["total"] >= 2
    assert api["count"] >= 2  # still to deliver: counted over the whole round

    await sign_in_as(client, postal.courier_a.id)
    page = soup((await client.get("/courier/")).text)
    cards = page.select("#round article.parcel:not(.pickup)")
    assert len(cards) == 1
    bound = page.select_one("#round .round-bound")
    assert bound is not None and f"Chuyến có {api['total']} bưu gửi" in bound.text
    assert "hiện 1 bưu gửi đầu tiên" in bound.text

    monkeypatch.setattr(queries, "ROUND_LIMIT", 500)
    page = soup((await client.get("/courier/")).text)
    assert page.select_one("#round .round-bound") is None


async def test_the_handover_page_says_it_shows_the_latest_lists(
    client: Client, postal: Postal
) -> None:
    await postal.handed_over(await postal.ready())
    await sign_in_as(client, postal.counter.id)
    page = soup((await client.get("/postal/handover/")).text)
    headings = [h.text for h in page.select("h2")]
    assert "20 biên bản gần nhất" in headings
