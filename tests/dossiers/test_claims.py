"""A dossier filed at the counter never joins an account by phone number alone (issue 11,
item 1): not when the citizen registers afterwards, not when someone registered the number
first. It joins the account that types its code and the claim code printed on its receipt, or
(issue 15, tests/accounts/test_phone_codes.py) the account that proved the number by a code."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar

from backend.dossiers import claims
from backend.dossiers.tables import Dossier
from tests.dossiers.conftest import fill_required, submit
from tests.helpers import (
    Client,
    another_client,
    csrf,
    new_phone,
    post_form,
    register,
    sign_in,
    soup,
)


async def walk_in(counter: Client, phone: str, *, claim_code: bool = True) -> dict[str, Any]:
    """The counter files a dossier for a citizen at the desk, with photographed papers; its
    receipt has a claim code (unless `claim_code` is False: the number's holder proved it, and
    the dossier went straight into their account)."""
    await sign_in(counter, "motcua1")
    proc = (await counter.get("/api/v1/procedures?agency=stp")).json()[0]
    detail = (await counter.get(f"/api/v1/procedures/{proc['id']}")).json()
    r = await counter.post(
        "/staff/intake/",
        data={
            "_csrf_token": await csrf(counter),
            "procedure": str(proc["id"]),
            "phone": phone,
            "full_name": "Bà Trần Thị Năm",
        },
        follow_redirects=False,
    )
    match = re.search(r"/dossiers/(\d+)/edit", r.headers["location"])
    assert match, r.text
    dossier_id = int(match.group(1))
    await fill_required(counter, dossier_id, detail)
    assert (await submit(counter, dossier_id)).status_code == 303
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None
    receipt = soup((await counter.get(f"/dossiers/{dossier_id}/receipt")).text)
    printed = receipt.select_one(".claim .code")
    if not claim_code:
        assert printed is None
        return row
    assert printed is not None
    return {**row, "claim_code": printed.get_text(strip=True)}


async def sees_nothing_of(citizen: Client, dossier: dict[str, Any]) -> None:
    mine = await citizen.get("/my/dossiers")
    assert dossier["code"] not in mine.text
    assert (await citizen.get(f"/dossiers/{dossier['id']}")).status_code == 404
    files = await citizen.get(f"/dossiers/{dossier['id']}/receipt")
    assert files.status_code == 404


async def claim(citizen: Client, code: str, claim_code: str) -> httpx.Response:
    return await post_form(citizen, "/my/dossiers/claim", code=code, claim_code=claim_code)


async def test_registering_after_the_walk_in_shows_nothing_until_the_claim(app: Litestar) -> None:
    phone = new_phone()
    async with (
        another_client(app, "198.51.100.71") as counter,
        another_client(app, "198.51.100.72") as c,
    ):
        dossier = await walk_in(counter, phone)
        await register(c, phone, name="Trần Thị Năm", prove=False)
        await sees_nothing_of(c, dossier)
        # A wrong claim code is refused and changes nothing.
        wrong = await claim(c, dossier["code"], "AAAA-AAAA")
        assert wrong.status_code == 404
        assert "không đúng" in soup(wrong.text).select_one("#e-claim-secret").get_text()
        await sees_nothing_of(c, dossier)
        # The code on the receipt, typed the way people type it.
        r = await claim(c, dossier["code"].lower(), dossier["claim_code"].replace("-", " "))
        assert r.status_code == 303 and r.headers["location"].startswith(
            f"/dossiers/{dossier['id']}"
        )
        assert dossier["code"] in (await c.get("/my/dossiers")).text
        assert (await c.get(f"/dossiers/{dossier['id']}")).status_code == 200
        # Claimed once: the same code does nothing for anybody else.
        async with another_client(app, "198.51.100.73") as other:
            await register(other)
            again = await claim(other, dossier["code"], dossier["claim_code"])
            assert again.status_code == 404
            await sees_nothing_of(other, dossier)


async def test_registering_the_number_first_gives_no_access_to_later_walk_ins(
    app: Litestar,
) -> None:
    phone = new_phone()
    async with (
        another_client(app, "198.51.100.74") as squatter,
        another_client(app, "198.51.100.75") as counter,
    ):
        await register(squatter, phone, name="Kẻ Chiếm Số", prove=False)
        dossier = await walk_in(counter, phone)
        await sees_nothing_of(squatter, dossier)
        row = await Dossier.select(Dossier.citizen).where(Dossier.id == dossier["id"]).first()
        assert row is not None and await claims.claimable({**dossier, **row})


async def test_claim_tries_are_limited(app: Litestar) -> None:
    async with another_client(app, "198.51.100.76") as c:
        await register(c)
        answers = [
            (await claim(c, "000.00.20.H42-261201-9999", f"AAAA-AAA{i % 9 + 2}")).status_code
            for i in range(claims.TRIES_PER_PERSON + 2)
        ]
    assert answers[: claims.TRIES_PER_PERSON] == [404] * claims.TRIES_PER_PERSON
    assert answers[-1] == 429


async def test_only_the_counter_sees_the_claim_code(app: Litestar, client: Client) -> None:
    phone = new_phone()
    async with another_client(app, "198.51.100.77") as counter:
        dossier = await walk_in(counter, phone)
        await sign_in(counter, "tuphap.cv")  # an agency's specialist sees the receipt, not the code
        page = soup((await counter.get(f"/dossiers/{dossier['id']}/receipt")).text)
        assert page.select_one(".claim") is None
    assert dossier["claim_code"] == claims.claim_code(dossier)
