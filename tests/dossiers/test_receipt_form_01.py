"""Form 01 is issued at receipt and keeps its commitment (issue 12, item 2).

An apology used to overwrite the appointment, so the receipt showed the new date and the
original commitment disappeared; form 01 was shown at online submission, before any officer had
received the dossier. Now an online filer gets a confirmation of submission; form 01 comes at
receipt with the receiving officer, the hour of receipt and the statutory time; the appointment
it printed stays (`promised_date`), each new date is printed beside it, and lateness is judged
against it."""

from __future__ import annotations

from datetime import date

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from backend.lib.formatting import format_date
from migrations.dossiers import dossiers_2026_12_05t21_36_00_000000 as fill_promised
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, sign_in_as, soup

MON = date(2027, 3, 1)


def facts(html: str) -> dict[str, str]:
    page = soup(html)
    return {
        " ".join(row.select_one("dt").text.split()): " ".join(row.select_one("dd").text.split())
        for row in page.select(".receipt dl.facts > div")
    }


async def dates(dossier_id: int) -> tuple[date, date]:
    row = (
        await Dossier.select(Dossier.promised_date, Dossier.appointment_date)
        .where(Dossier.id == dossier_id)
        .first()
    )
    assert row is not None
    return row["promised_date"], row["appointment_date"]


async def test_online_filers_get_a_confirmation_and_form_01_comes_at_receipt(
    client: Client, clock: Clock
) -> None:
    factory = await Factory().setup()
    clock.now = at(MON, 9)
    dossier_id = await factory.create(State.SUBMITTED)
    await sign_in_as(client, factory.people["owner"].id)
    before = await client.get(f"/dossiers/{dossier_id}/receipt")
    assert soup(before.text).select_one("h1").text == "Xác nhận nộp hồ sơ trực tuyến"
    assert "Đã nộp hồ sơ thành công" in before.text
    assert "Người tiếp nhận" not in facts(before.text)

    clock.now = at(MON, 10)
    await factory.act(factory.people["counter"], dossier_id, Action.ACCEPT)
    promised, shown = await dates(dossier_id)
    assert promised == shown and promised > MON
    after = await client.get(f"/dossiers/{dossier_id}/receipt")
    assert soup(after.text).select_one("h1").text == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert "Đã nộp hồ sơ thành công" not in after.text
    printed = facts(after.text)
    assert printed["Người tiếp nhận"] == factory.people["counter"].full_name
    assert (
        printed["Thời gian nhận hồ sơ"].startswith("10:00")
        or "10:00" in printed["Thời gian nhận hồ sơ"]
    )
    days = factory.procedures["stp"]["processing_days"]
    assert printed["Thời hạn giải quyết"] == f"{days} ngày làm việc"
    assert format_date(promised) in printed["Ngày hẹn trả kết quả"]
    assert soup(after.text).select(".signatures .signed-name")[1].text == (
        factory.people["counter"].full_name
    )
    # The papers with their form and quantity, one set, and the register entry.
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup(after.text).select(".receipt table tbody tr")
    ]
    assert len(rows) == len(factory.procedures["stp"]["required"])
    assert all(r[2] == "Bản chụp điện tử" and r[3] == "1 trang" for r in rows)
    assert "Số lượng hồ sơ: 01 bộ." in after.text
    number = (
        await Dossier.select(Dossier.register_number).where(Dossier.id == dossier_id).first()
    )["register_number"]
    assert number is not None
    assert f"Vào Sổ theo dõi hồ sơ: quyển số {MON.year}, số thứ tự {number}." in after.text
    assert "Vào Sổ theo dõi hồ sơ" not in before.text


async def test_an_apology_prints_the_new_date_beside_the_commitment(
    client: Client, clock: Clock
) -> None:
    factory = await Factory().setup()
    clock.now = at(MON, 9)
    dossier_id = await factory.create(State.PROCESSING)
    promised, _ = await dates(dossier_id)
    await factory.act(factory.people["stp.leader"], dossier_id, Action.APOLOGIZE)
    kept, new = await dates(dossier_id)
    assert kept == promised and new > promised

    await sign_in_as(client, factory.people["owner"].id)
    printed = facts((await client.get(f"/dossiers/{dossier_id}/receipt")).text)
    assert format_date(promised) in printed["Ngày hẹn trả kết quả"]
    moved = [v for k, v in printed.items() if k.startswith("Hẹn lại (văn bản xin lỗi ngày")]
    assert len(moved) == 1 and format_date(new) in moved[0]
    assert f"ngày {format_date(MON)})" in next(k for k in printed if k.startswith("Hẹn lại"))

    # Finished on the new date: after the commitment, so late, whatever form 04 said.
    clock.now = at(new, 9)
    await factory.act(factory.people["stp.specialist"], dossier_id, Action.DRAFT_RESULT)
    await factory.act(factory.people["stp.leader"], dossier_id, Action.APPROVE)
    row = await Dossier.select(Dossier.on_time).where(Dossier.id == dossier_id).first()
    assert row == {"on_time": False}


async def test_a_supplement_pause_moves_the_commitment_too(clock: Clock) -> None:
    factory = await Factory().setup()
    clock.now = at(MON, 9)
    dossier_id = await factory.create(State.PROCESSING)
    promised, _ = await dates(dossier_id)
    clock.now = at(date(2027, 3, 2), 9)  # Tuesday
    await factory.act(factory.people["stp.specialist"], dossier_id, Action.REQUEST_SUPPLEMENT)
    clock.now = at(date(2027, 3, 5), 9)  # Friday: three working days waited
    await factory.add_supplement_page(factory.people["owner"], dossier_id)
    await factory.act(factory.people["owner"], dossier_id, Action.SUPPLEMENT)
    moved, shown = await dates(dossier_id)
    assert moved == shown
    assert moved == factory.calendar.add_working_days(promised, 3)


async def test_the_migration_keeps_the_date_before_the_first_apology(clock: Clock) -> None:
    factory = await Factory().setup()
    clock.now = at(MON, 9)
    dossier_id = await factory.create(State.PROCESSING)
    promised, _ = await dates(dossier_id)
    await factory.act(factory.people["stp.leader"], dossier_id, Action.APOLOGIZE)
    await factory.act(factory.people["stp.leader"], dossier_id, Action.APOLOGIZE)
    received = await factory.create(State.RECEIVED)
    # As the rows were before the column existed.
    await Dossier.update({Dossier.promised_date: None}).where(
        Dossier.id.is_in([dossier_id, received])
    )
    manager = await fill_promised.forwards()
    for step in manager.raw:
        await step()
    assert (await dates(dossier_id))[0] == promised
    kept, shown = await dates(received)
    assert kept == shown is not None
