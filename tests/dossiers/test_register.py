"""The dossier register, form 07 (issue 12, item 12): every dossier received in a period, in
order of receipt, with who received it and when it was promised, finished and returned; on a
page for the counter and the managers, and as CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from backend.lib.formatting import format_date
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, sign_in_as, soup

DAY = date(2027, 5, 12)  # a Wednesday


async def test_the_register_lists_the_period_in_order_of_receipt(
    client: Client, clock: Clock
) -> None:
    factory = await Factory().setup()
    clock.now = at(DAY, 8)
    first = await factory.create(State.SUBMITTED)
    second = await factory.create(State.SUBMITTED)
    clock.now = at(DAY, 9)
    await factory.act(factory.people["counter"], second, Action.ACCEPT)
    clock.now = at(DAY, 10)
    await factory.act(factory.people["counter"], first, Action.ACCEPT)
    clock.now = at(date(2027, 5, 13), 9)
    outside = await factory.create(State.RECEIVED)  # the next day: not in the period
    clock.now = at(DAY, 10)
    waiting = await factory.create(State.SUBMITTED)  # never received: not in the register

    codes = {
        r["id"]: r["code"]
        for r in await Dossier.select(Dossier.id, Dossier.code).where(
            Dossier.id.is_in([first, second, outside, waiting])
        )
    }
    # A name typed as a spreadsheet formula is exported as text.
    await Dossier.update({Dossier.applicant_name: '=HYPERLINK("http://x")'}).where(
        Dossier.id == first
    )
    await sign_in_as(client, factory.people["counter"])
    query = {"first": DAY.isoformat(), "last": DAY.isoformat()}
    page = await client.get("/staff/register/", params=query)
    assert page.status_code == 200
    rows = soup(page.text).select("table.register tbody tr")
    listed = [r.select_one("td.code a").text.strip() for r in rows]
    assert listed.index(codes[second]) < listed.index(codes[first])  # order of receipt
    assert codes[outside] not in listed and codes[waiting] not in listed
    row = rows[listed.index(codes[second])]
    assert factory.people["counter"].full_name in row.text
    promised = (await Dossier.select(Dossier.promised_date).where(Dossier.id == second).first())[
        "promised_date"
    ]
    assert format_date(promised) in row.text

    export = await client.get("/staff/register/register.csv", params=query)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert lines[0] == ["Sổ theo dõi hồ sơ (mẫu số 07)"]
    assert lines[2][:4] == ["STT", "Số vào sổ", "Mã hồ sơ", "Tên thủ tục hành chính"]
    exported = [line[2] for line in lines[3:]]
    formula = next(line for line in lines[3:] if line[2] == codes[first])
    assert formula[4] == '\'=HYPERLINK("http://x")'
    # Each received dossier has the next number of the year's book, in order of receipt.
    numbers = {
        r["id"]: r["register_number"]
        for r in await Dossier.select(Dossier.id, Dossier.register_number).where(
            Dossier.id.is_in([first, second, outside, waiting])
        )
    }
    assert numbers[first] == numbers[second] + 1 and numbers[outside] == numbers[first] + 1
    assert numbers[waiting] is None
    second_line = next(line for line in lines[3:] if line[2] == codes[second])
    assert second_line[1] == f"{numbers[second]}/2027"
    assert f"Số vào sổ {numbers[second]}/2027" in row.text
    assert exported == listed[: len(exported)] and len(exported) == int(
        soup(page.text).select_one(".count").text.split()[0]
    )


async def test_the_register_is_not_for_citizens_or_agencies(client: Client) -> None:
    factory = await Factory().setup()
    for who in ("owner", "stp.specialist"):
        await sign_in_as(client, factory.people[who])
        r = await client.get("/staff/register/", follow_redirects=False)
        assert r.status_code == 403, who
        r = await client.get("/staff/register/register.csv", follow_redirects=False)
        assert r.status_code == 403, who
