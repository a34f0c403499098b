"""The courier's search by dossier code works without JavaScript too (issue 12, item 19: the
form did nothing without it, and said nothing for a code not in the round)."""

from __future__ import annotations

from tests.helpers import Client, sign_in_as, text_of
from tests.postal.conftest import Postal


async def test_search_without_javascript(client: Client, postal: Postal) -> None:
    code = await postal.handed_over(await postal.ready())
    await sign_in_as(client, postal.courier_a)
    found = await client.get("/courier", params={"code": f" {code.lower()} "})
    assert found.status_code == 303
    assert found.headers["location"] == f"/courier#p-{code}"

    missing = await client.get("/courier", params={"code": "000.00.20.H42-991231-9999"})
    assert missing.status_code == 200
    assert text_of(missing.text, ".alert.bad") == [
        "Không có bưu gửi “000.00.20.H42-991231-9999” trong chuyến của bạn."
    ]
    # Another office's courier does not find this office's parcel.
    await sign_in_as(client, postal.courier_b)
    other = await client.get("/courier", params={"code": code})
    assert other.status_code == 200 and text_of(other.text, ".alert.bad")
