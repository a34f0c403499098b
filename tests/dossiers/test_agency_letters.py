"""Forms 04 and 05 are letters of the deciding agency, signed by its head; form 06 judges the
officers' steps only (issue 12, items 4 and 11).

Before: form 04 was the old "Phiếu xin lỗi và hẹn lại ngày trả kết quả" under the Center's name,
a specialist could issue it alone, and its dates printed as ISO "2026-12-16"; form 06 said
"đang giữ" after the dossier was finished and judged the citizen's own steps "Đúng hạn"."""

from __future__ import annotations

import re
from datetime import date

import pytest

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from backend.lib.errors import Forbidden
from backend.lib.formatting import format_date
from backend.settings import get_settings
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, sign_in_as, soup

ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")


async def test_the_apology_is_the_agencys_letter_signed_by_its_head(
    client: Client, clock: Clock
) -> None:
    factory = await Factory().setup()
    clock.now = at(date(2027, 3, 1), 9)
    dossier_id = await factory.create(State.PROCESSING)
    with pytest.raises(Forbidden):
        await factory.act(factory.people["stp.specialist"], dossier_id, Action.APOLOGIZE)
    before = (
        await Dossier.select(Dossier.appointment_date).where(Dossier.id == dossier_id).first()
    )["appointment_date"]
    leader = factory.people["stp.leader"]
    await factory.act(leader, dossier_id, Action.APOLOGIZE)
    after = (
        await Dossier.select(Dossier.appointment_date).where(Dossier.id == dossier_id).first()
    )["appointment_date"]

    await sign_in_as(client, factory.people["owner"].id)
    page = await client.get(f"/dossiers/{dossier_id}/forms/04")
    assert page.status_code == 200
    html = soup(page.text)
    letter = html.select_one("article.receipt")
    assert letter is not None
    text = " ".join(letter.text.split())
    head = html.select_one(".receipt-head p.upper").text.strip()
    assert head == "Sở Tư pháp tỉnh Ninh Bình" and head != get_settings().center_name
    assert html.select_one("h1").text == "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"
    assert "Số:" in text and "ngày 01 tháng 03 năm 2027" in text
    assert f"hẹn trả kết quả ngày {format_date(before)}" in text
    assert f"gia hạn thời gian giải quyết đến ngày {format_date(after)}" in text
    assert not ISO.search(text), ISO.search(text)
    signature = html.select(".signatures > div")[-1].text
    assert "Thủ trưởng cơ quan" in signature and leader.full_name in signature


async def test_form_06_after_the_end_judges_only_the_officers(client: Client) -> None:
    factory = await Factory().setup()
    dossier_id = await factory.create(State.RETURNED)
    await sign_in_as(client, factory.people["counter"].id)
    slip = soup((await client.get(f"/dossiers/{dossier_id}/forms/06")).text)
    rows = slip.select("table.control tbody tr")
    assert rows
    assert "đang giữ" not in slip.text
    cells = [[" ".join(td.text.split()) for td in r.select("td")] for r in rows]
    submitted = next(c for c in cells if c[0].startswith("Nộp hồ sơ") or "Công dân" in c[1])
    assert submitted[4] == submitted[5] == "—"
    assert any(c[5] in ("Đúng hạn", "Trễ hạn") for c in cells)
