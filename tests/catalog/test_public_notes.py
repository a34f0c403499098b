"""The procedure page shows no compiler's remark of the demo catalog (issue 12, item 19: it
showed "(DVCQG ghi thời gian '1')")."""

from __future__ import annotations

from backend.catalog.tables import Procedure
from backend.demo.notes import public_note
from tests.helpers import Client, soup

INTERNAL = ("DVCQG", "ước tính", "cần kiểm tra", "không thống nhất", "ô bưu chính")


def test_remarks_are_left_out_and_the_rule_kept() -> None:
    assert public_note(
        "Giải quyết ngay trong ngày tiếp nhận; tiếp nhận sau 15 giờ thì trả trong ngày làm việc "
        "tiếp theo (DVCQG ghi thời gian '1')."
    ) == (
        "Giải quyết ngay trong ngày tiếp nhận; tiếp nhận sau 15 giờ thì trả trong ngày làm việc "
        "tiếp theo."
    )
    assert public_note("ước tính (10 ngày làm việc theo NĐ 105/2017/NĐ-CP)") == ""
    assert public_note("17 ngày làm việc (DVCQG)") == "17 ngày làm việc"
    assert public_note(
        "20 ngày làm việc kể từ ngày nhận đủ hồ sơ (Luật Việc làm 2013) — cần kiểm tra lại"
    ) == ("20 ngày làm việc kể từ ngày nhận đủ hồ sơ (Luật Việc làm 2013)")
    assert public_note("DVCQG: trực tiếp 22 ngày làm việc") == "Trực tiếp 22 ngày làm việc"


async def test_no_loaded_procedure_shows_a_remark(client: Client) -> None:
    rows = await Procedure.select(Procedure.id, Procedure.processing_note)
    assert rows
    for row in rows:
        assert not any(w in row["processing_note"] for w in INTERNAL), row
    birth = await Procedure.select(Procedure.id).where(Procedure.catalog_id == "P004").first()
    assert birth is not None
    page = soup((await client.get(f"/procedures/{birth['id']}")).text)
    assert "sau 15 giờ" in page.text and "DVCQG" not in page.text
