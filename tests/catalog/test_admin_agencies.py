"""Agencies (/admin/agencies/): a fixed code, an editable name that search follows."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator

import pytest

from backend.catalog.tables import Agency, Procedure
from tests.helpers import Client, field_errors, form_value, post_form, text_of

_codes = itertools.count(1)
PREFIX = f"tt{os.getpid()}"


def new_code() -> str:
    return f"{PREFIX}{next(_codes)}"


@pytest.fixture(autouse=True)
async def _clean() -> AsyncIterator[None]:
    yield
    mine = Agency.select(Agency.id).where(Agency.code.like(f"{PREFIX}%"))
    await Procedure.delete().where(Procedure.agency.is_in(mine))
    await Agency.delete().where(Agency.code.like(f"{PREFIX}%"))


async def agency(code: str) -> dict[str, object]:
    row = await Agency.select().where(Agency.code == code).first()
    assert row is not None
    return row


async def test_add_and_edit(admin: Client) -> None:
    code = new_code()
    r = await post_form(
        admin,
        "/admin/agencies/new",
        code=f" {code.upper()} ",
        name="Ban Quản lý  Khu du lịch Tràng An",
        kind="department",
        note="Thử nghiệm",
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/admin/agencies/?ok=created"
    row = await agency(code)
    assert row["name"] == "Ban Quản lý Khu du lịch Tràng An"
    page = await admin.get("/admin/agencies/")
    assert any(
        t.startswith("Ban Quản lý Khu du lịch Tràng An") for t in text_of(page.text, "a.item")
    )
    # Citizens see the new agency in the search filter.
    assert "Ban Quản lý Khu du lịch Tràng An" in text_of(
        (await admin.get("/procedures")).text, "#agency option"
    )

    page = await admin.get(f"/admin/agencies/{row['id']}")
    assert form_value(page.text, "name") == "Ban Quản lý Khu du lịch Tràng An"
    assert form_value(page.text, "kind") == "department"
    assert 'name="code"' not in page.text  # fixed once created
    r = await post_form(
        admin,
        f"/admin/agencies/{row['id']}",
        code="doima",
        name="Ban Quản lý Quần thể danh thắng Tràng An",
        kind="central",
        note="",
    )
    assert r.status_code == 303
    row = await agency(code)
    assert (row["name"], row["kind"], row["note"]) == (
        "Ban Quản lý Quần thể danh thắng Tràng An",
        "central",
        "",
    )


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        pytest.param(
            {"code": "Sở X", "name": "", "kind": ""},
            {
                "code": "Mã cơ quan gồm 2 đến 20 chữ thường không dấu hoặc chữ số, ví dụ: stp.",
                "name": "Vui lòng nhập tên cơ quan.",
                "kind": "Vui lòng chọn loại cơ quan.",
            },
            id="everything-wrong",
        ),
        pytest.param(
            {"code": "stp", "name": "Sở Tư pháp thứ hai", "kind": "department"},
            {"code": "Đã có cơ quan mang mã stp."},
            id="code-taken",
        ),
        pytest.param(
            {"code": "x", "name": "Một", "kind": "department"},
            {"code": "Mã cơ quan gồm 2 đến 20 chữ thường không dấu hoặc chữ số, ví dụ: stp."},
            id="too-short",
        ),
    ],
)
async def test_refused_agencies(
    admin: Client, form: dict[str, str], errors: dict[str, str]
) -> None:
    before = await Agency.count()
    r = await post_form(admin, "/admin/agencies/new", note="Ghi chú giữ lại", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == errors
    assert form_value(r.text, "code") == form["code"]
    assert form_value(r.text, "note") == "Ghi chú giữ lại"
    assert await Agency.count() == before


async def test_renaming_an_agency_renames_it_in_search(admin: Client) -> None:
    code = new_code()
    assert (
        await post_form(
            admin, "/admin/agencies/new", code=code, name="Cơ quan Tạm", kind="enterprise"
        )
    ).status_code == 303
    row = await agency(code)
    r = await post_form(
        admin,
        "/admin/procedures/new",
        name="Thủ tục của cơ quan mới",
        agency=str(row["id"]),
        processing_days="3",
        fee_vnd="0",
        online_level="một phần",
        delivery_counter="1",
        active="1",
    )
    assert r.status_code == 303, field_errors(r.text)
    r = await post_form(
        admin, f"/admin/agencies/{row['id']}", name="Điện lực Hoa Lư Đặc biệt", kind="enterprise"
    )
    assert r.status_code == 303
    found = await admin.get("/procedures", params={"q": "dien luc hoa lu dac biet"})
    assert text_of(found.text, "a.item strong") == ["Thủ tục của cơ quan mới"]
