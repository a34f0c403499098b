"""A delivery proof is stored through the upload folders and served private, unsniffed and
sandboxed (issue 11, items 12 and 13)."""

from __future__ import annotations

from backend.settings import get_settings
from tests.dossiers.test_upload_hardening import SANDBOX
from tests.helpers import Client, bearer, sign_in_as
from tests.postal.conftest import Postal, signature_png


async def test_the_proof_of_delivery_carries_the_headers(client: Client, postal: Postal) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    courier = await bearer(postal.courier_a)
    steps = [
        {"key": "hdr-out-000001", "step": "out_for_delivery"},
        {
            "key": "hdr-deliver-01",
            "step": "delivered",
            "received_by": "Nguyễn Thị Nhận",
            "relation": "self",
            "id_last_digits": "1234",
            "proof": signature_png(),
        },
    ]
    for step in steps:
        r = await client.post(
            "/api/v1/postal/confirmations", json={"shipment": code, **step}, headers=courier
        )
        assert r.status_code == 200, r.text
    # The proof went through the upload folder, and nothing of it stayed there.
    assert list(get_settings().upload_tmp_dir.glob("proof-*")) == []

    parcel = await postal.shipment(dossier_id)
    await sign_in_as(client, postal.owner)
    r = await client.get(f"/postal/parcels/{parcel['id']}/proof")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert SANDBOX.items() <= r.headers.items()
