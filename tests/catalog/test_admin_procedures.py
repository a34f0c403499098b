"""Procedures (/admin/procedures/) and their required documents: what citizens then see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backend.catalog.tables import Agency, Procedure, RequiredDocument
from backend.dossiers.tables import Dossier
from tests.dossiers.conftest import photo, start_draft, upload
from tests.helpers import Client, field_errors, form_value, post_form, register, soup, text_of

NAME = "Cấp giấy phép tổ chức lễ hội Đền Thái Vi"
NEW_NAME = "Cấp phép biểu diễn nghệ thuật ở Khu du lịch Tràng An"


@pytest.fixture(autouse=True)
async def _clean() -> AsyncIterator[None]:
    yield
    # Procedures added through these pages get catalog ids "ADM<id>"; the demo's are "P001"...
    await Procedure.delete().where(Procedure.catalog_id.like("ADM%"))


async def agency_id(code: str) -> int:
    row = await Agency.select(Agency.id).where(Agency.code == code).first()
    assert row is not None
    return int(row["id"])


async def procedure_form(**changes: str) -> dict[str, str]:
    form = {
        "name": NAME,
        "agency": str(await agency_id("svhtt")),
        "national_code": "1.001029.H42",
        "field": "Văn hóa cơ sở",
        "level": "Cấp tỉnh",
        "processing_days": "5",
        "processing_note": "05 ngày làm việc",
        "fee_vnd": "",
        "fee_text": "Theo Nghị quyết của HĐND tỉnh",
        "online_level": "một phần",
        "delivery_counter": "1",
        "delivery_post": "1",
        "legal_basis": "Nghị định 110/2018/NĐ-CP",
        "active": "1",
    }
    return {**form, **changes}


async def add_procedure(admin: Client, **changes: str) -> int:
    r = await post_form(admin, "/admin/procedures/new", **await procedure_form(**changes))
    assert r.status_code == 303, field_errors(r.text)
    location = httpx.URL(r.headers["location"])
    return int(location.path.rsplit("/", 1)[1])


def facts(html: str) -> dict[str, str]:
    page = soup(html)
    return {
        " ".join(div.select_one("dt").get_text().split()): " ".join(
            div.select_one("dd").get_text().split()
        )
        for div in page.select("dl.facts > div")
    }


async def search(client: Client, q: str) -> list[str]:
    return text_of((await client.get("/procedures", params={"q": q})).text, "a.item strong")


async def test_add_then_edit_changes_the_public_page_and_search(admin: Client) -> None:
    pid = await add_procedure(admin)
    stored = await Procedure.select().where(Procedure.id == pid).first()
    assert stored is not None
    assert stored["catalog_id"] == f"ADM{pid}"
    assert stored["result_delivery"] == "counter,post"
    page = await admin.get(f"/procedures/{pid}")
    assert page.status_code == 200
    assert text_of(page.text, "h1") == [NAME]
    assert facts(page.text)["Phí, lệ phí"] == "Theo Nghị quyết của HĐND tỉnh"
    assert await search(admin, "le hoi den thai vi") == [NAME]

    edit = await admin.get(f"/admin/procedures/{pid}")
    assert form_value(edit.text, "name") == NAME
    assert form_value(edit.text, "online_level") == "một phần"
    assert form_value(edit.text, "delivery_post") == "1"
    assert form_value(edit.text, "delivery_electronic") == ""

    form = await procedure_form(
        name=NEW_NAME,
        agency=str(await agency_id("sdl")),
        national_code="",
        processing_days="0",
        fee_vnd="50.000",
        online_level="toàn trình",
        delivery_post="",
        delivery_electronic="1",
    )
    r = await post_form(admin, f"/admin/procedures/{pid}", **form)
    assert r.status_code == 303
    assert r.headers["location"] == f"/admin/procedures/{pid}?ok=saved"

    page = await admin.get(f"/procedures/{pid}")
    assert text_of(page.text, "h1") == [NEW_NAME]
    shown = facts(page.text)
    assert shown["Thời hạn giải quyết"] == "Trong ngày"
    assert shown["Phí, lệ phí"] == "50.000 đ"
    assert shown["Mức độ trực tuyến"] == "Toàn trình"
    assert shown["Nhận kết quả"] == "Tại quầy, Bản điện tử"
    assert "Mã thủ tục" not in shown
    crumbs = [str(a["href"]) for a in soup(page.text).select("nav.crumbs a")]
    assert "/procedures?agency=sdl" in crumbs

    # Search follows the new name (without diacritics) and the new agency, not the old ones.
    assert await search(admin, "bieu dien nghe thuat trang an") == [NEW_NAME]
    assert await search(admin, "BIỂU DIỄN nghệ thuật") == [NEW_NAME]
    assert await search(admin, "le hoi den thai vi") == []
    assert NEW_NAME in text_of(
        (await admin.get("/procedures", params={"agency": "sdl"})).text, "a.item strong"
    )
    assert NEW_NAME in text_of(
        (await admin.get("/admin/procedures/", params={"q": "bieu dien"})).text, "a.item strong"
    )


async def test_a_suspended_procedure_leaves_the_catalog(admin: Client) -> None:
    pid = await add_procedure(admin)
    r = await post_form(admin, f"/admin/procedures/{pid}", **await procedure_form(active=""))
    assert r.status_code == 303
    assert (await admin.get(f"/procedures/{pid}")).status_code == 404
    assert await search(admin, "le hoi den thai vi") == []
    listing = await admin.get("/admin/procedures/", params={"q": "le hoi den thai vi"})
    assert text_of(listing.text, "a.item.off strong") == [NAME]
    # ... and comes back when ticked again.
    r = await post_form(admin, f"/admin/procedures/{pid}", **await procedure_form())
    assert r.status_code == 303
    assert (await admin.get(f"/procedures/{pid}")).status_code == 200


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        pytest.param(
            {
                "name": " ",
                "agency": "",
                "processing_days": "-1",
                "fee_vnd": "năm mươi",
                "online_level": "",
                "delivery_counter": "",
                "delivery_post": "",
            },
            {
                "name": "Vui lòng nhập tên thủ tục.",
                "agency": "Vui lòng chọn cơ quan.",
                "processing_days": "Thời hạn là số ngày làm việc, từ 0 trở lên "
                "(0 là giải quyết trong ngày).",
                "fee_vnd": "Lệ phí là số tiền bằng đồng, ví dụ 50000. "
                "Để trống nếu phí không cố định.",
                "online_level": "Vui lòng chọn mức độ trực tuyến.",
                "result_delivery": "Chọn ít nhất một cách nhận kết quả.",
            },
            id="everything-wrong",
        ),
        pytest.param(
            {"fee_vnd": "", "fee_text": ""},
            {"fee_vnd": "Nhập số tiền, hoặc ghi cách tính phí nếu phí không cố định."},
            id="no-fee-at-all",
        ),
        pytest.param(
            {"processing_days": ""},
            {
                "processing_days": "Thời hạn là số ngày làm việc, từ 0 trở lên "
                "(0 là giải quyết trong ngày)."
            },
            id="no-days",
        ),
        pytest.param(
            {"national_code": "1" * 21},
            {"national_code": "Nội dung quá dài (tối đa 20 ký tự)."},
            id="long-code",
        ),
    ],
)
async def test_refused_edits_keep_what_was_typed(
    admin: Client, changes: dict[str, str], errors: dict[str, str]
) -> None:
    pid = await add_procedure(admin)
    form = await procedure_form(**changes)
    r = await post_form(admin, f"/admin/procedures/{pid}", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == errors
    for name in ("name", "national_code", "field", "processing_days", "fee_vnd", "fee_text"):
        assert form_value(r.text, name) == form[name], name
    assert form_value(r.text, "online_level") == form["online_level"]
    assert form_value(r.text, "delivery_counter") == form["delivery_counter"]
    stored = await Procedure.select(Procedure.name).where(Procedure.id == pid).first()
    assert stored == {"name": NAME}


async def test_unknown_procedure(admin: Client) -> None:
    assert (await admin.get("/admin/procedures/987654")).status_code == 404
    r = await post_form(admin, "/admin/procedures/987654", **await procedure_form())
    assert r.status_code == 404


# --- required documents ------------------------------------------------------------------------


def public_documents(html: str) -> list[str]:
    return [
        " ".join(li.select_one("span").get_text().split()) for li in soup(html).select("ol.docs li")
    ]


def admin_documents(html: str) -> list[dict[str, Any]]:
    out = []
    for li in soup(html).select("ol.docs-admin > li"):
        out.append(
            {
                "name": " ".join(li.select_one(".doc-text strong").get_text().split()),
                "forms": {
                    str(f["action"]).rsplit("/", 1)[1]: str(f["action"]) for f in li.select("form")
                },
                "edit": str(li.select_one("a.button")["href"]),
            }
        )
    return out


async def test_required_documents_add_move_edit_delete(admin: Client) -> None:
    pid = await add_procedure(admin)
    url = f"/admin/procedures/{pid}"
    for name, notes, required in [
        ("Tờ khai đề nghị", "01 bản chính", "1"),
        ("Kịch bản chương trình", "", "1"),
        ("Danh sách người biểu diễn", "nếu có", ""),
    ]:
        r = await post_form(
            admin, f"{url}/documents", doc_name=name, doc_notes=notes, doc_required=required
        )
        assert r.status_code == 303
        assert r.headers["location"].startswith(f"{url}?ok=doc-added")
    page = await admin.get(f"/procedures/{pid}")
    assert public_documents(page.text) == [
        "Tờ khai đề nghị",
        "Kịch bản chương trình",
        "Danh sách người biểu diễn",
    ]
    chips = text_of(page.text, "ol.docs .chip")
    assert chips == ["Bắt buộc", "Bắt buộc", "Nếu có"]

    # Move the last one up, then the first one down.
    docs = admin_documents((await admin.get(url)).text)
    assert (await post_form(admin, docs[2]["forms"]["up"])).status_code == 303
    docs = admin_documents((await admin.get(url)).text)
    assert [d["name"] for d in docs] == [
        "Tờ khai đề nghị",
        "Danh sách người biểu diễn",
        "Kịch bản chương trình",
    ]
    assert (await post_form(admin, docs[0]["forms"]["down"])).status_code == 303
    # Moving past either end changes nothing.
    docs = admin_documents((await admin.get(url)).text)
    assert (await post_form(admin, docs[0]["forms"]["up"])).status_code == 303
    assert (await post_form(admin, docs[2]["forms"]["down"])).status_code == 303
    assert public_documents((await admin.get(f"/procedures/{pid}")).text) == [
        "Danh sách người biểu diễn",
        "Tờ khai đề nghị",
        "Kịch bản chương trình",
    ]

    # Edit one: refused without a name, then saved.
    edit_url = docs[2]["edit"]
    r = await post_form(admin, edit_url, name="", notes="02 bản", required="1")
    assert r.status_code == 422
    assert field_errors(r.text) == {"name": "Vui lòng nhập tên giấy tờ."}
    assert form_value(r.text, "notes") == "02 bản"
    r = await post_form(admin, edit_url, name="Kịch bản chi tiết", notes="02 bản", required="")
    assert r.status_code == 303
    page = await admin.get(f"/procedures/{pid}")
    assert public_documents(page.text)[2] == "Kịch bản chi tiết"
    assert text_of(page.text, "ol.docs li")[2] == "Kịch bản chi tiết (02 bản) Nếu có"

    # Delete the first: the rest close up.
    docs = admin_documents((await admin.get(url)).text)
    assert (await post_form(admin, docs[0]["forms"]["delete"])).status_code == 303
    assert public_documents((await admin.get(f"/procedures/{pid}")).text) == [
        "Tờ khai đề nghị",
        "Kịch bản chi tiết",
    ]
    positions = (
        await RequiredDocument.select(RequiredDocument.position)
        .where(RequiredDocument.procedure == pid)
        .order_by(RequiredDocument.position)
    )
    assert [p["position"] for p in positions] == [1, 2]


async def test_a_document_needs_a_name(admin: Client) -> None:
    pid = await add_procedure(admin)
    r = await post_form(
        admin, f"/admin/procedures/{pid}/documents", doc_name="  ", doc_notes="01 bản sao"
    )
    assert r.status_code == 422
    assert field_errors(r.text) == {"doc_name": "Vui lòng nhập tên giấy tờ."}
    assert form_value(r.text, "doc_notes") == "01 bản sao"
    assert form_value(r.text, "doc_required") == ""
    # The procedure's own form is shown untouched beside it.
    assert form_value(r.text, "name") == NAME
    assert await RequiredDocument.count().where(RequiredDocument.procedure == pid) == 0


async def test_documents_belong_to_their_procedure(admin: Client) -> None:
    first, second = await add_procedure(admin), await add_procedure(admin)
    r = await post_form(admin, f"/admin/procedures/{first}/documents", doc_name="Tờ khai")
    assert r.status_code == 303
    doc = (
        await RequiredDocument.select(RequiredDocument.id)
        .where(RequiredDocument.procedure == first)
        .first()
    )
    assert doc is not None
    wrong = f"/admin/procedures/{second}/documents/{doc['id']}"
    assert (await admin.get(wrong)).status_code == 404
    for action in ("", "/up", "/delete"):
        assert (await post_form(admin, wrong + action, name="Khác")).status_code == 404
    assert await RequiredDocument.count().where(RequiredDocument.procedure == first) == 1


async def test_the_list_searches_without_diacritics_and_by_agency(admin: Client) -> None:
    pid = await add_procedure(admin)
    r = await admin.get("/admin/procedures/", params={"q": "LE HOI thai vi"})
    assert r.status_code == 200
    assert text_of(r.text, "a.item strong") == [NAME]
    assert soup(r.text).select_one("a.item")["href"] == f"/admin/procedures/{pid}"
    r = await admin.get("/admin/procedures/", params={"q": "le hoi", "agency": "stp"})
    assert NAME not in text_of(r.text, "a.item strong")
    # While typing, htmx asks for the results alone.
    r = await admin.get(
        "/admin/procedures/", params={"q": "le hoi thai vi"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200
    assert "<html" not in r.text
    assert text_of(r.text, "a.item strong") == [NAME]
    assert r.headers["vary"] == "HX-Request"


async def test_a_document_with_pages_in_a_dossier_is_kept(
    admin: Client, other_client: Client
) -> None:
    """Deleting it would leave the citizen's pages without their place in the dossier."""
    pid = await add_procedure(admin)
    url = f"/admin/procedures/{pid}"
    r = await post_form(admin, f"{url}/documents", doc_name="Tờ khai", doc_required="1")
    assert r.status_code == 303
    doc = (
        await RequiredDocument.select(RequiredDocument.id)
        .where(RequiredDocument.procedure == pid)
        .first()
    )
    assert doc is not None
    try:
        await register(other_client)
        dossier_id = await start_draft(other_client, pid)
        assert (await upload(other_client, dossier_id, doc["id"], photo())).status_code == 200

        r = await post_form(admin, f"{url}/documents/{doc['id']}/delete")
        assert r.status_code == 422
        assert text_of(r.text, "#documents .alert.bad") == [
            "Đã có hồ sơ nộp giấy tờ này nên không xóa được. Bạn có thể sửa tên hoặc chuyển "
            "thành giấy tờ không bắt buộc."
        ]
        assert await RequiredDocument.count().where(RequiredDocument.procedure == pid) == 1
    finally:
        await Dossier.delete().where(Dossier.procedure == pid)


async def test_the_list_has_pages_of_50(admin: Client) -> None:
    """The list used to stop silently at 1,000 procedures; the demo's 61 now take two pages."""
    active = await Procedure.count().where(Procedure.active.eq(True))
    assert active > 50
    first = await admin.get("/admin/procedures/")
    assert text_of(first.text, "p.count") == [f"{active} thủ tục đang áp dụng"]
    names = text_of(first.text, "#results a.item strong")
    assert len(names) == 50
    link = soup(first.text).select_one('nav.pager a[rel="next"]')
    assert link is not None and "Trang sau" in link.get_text()
    second = await admin.get("/admin/procedures/" + str(link["href"]))
    more = text_of(second.text, "#results a.item strong")
    assert len(more) == await Procedure.count() - 50
    assert not set(names) & set(more)
    # The same way through while htmx swaps the results in place.
    partial = await admin.get(
        "/admin/procedures/", params={"page": "2"}, headers={"HX-Request": "true"}
    )
    assert text_of(partial.text, "a.item strong") == more


async def test_the_afternoon_cutoff_is_a_setting_of_the_procedure(admin: Client) -> None:
    """Issue 12, item 6: ticked for same-day procedures only; the form shows it back."""
    plain = await add_procedure(admin)
    same_day = await add_procedure(admin, processing_days="0", same_day_cutoff="1")
    rows = {
        r["id"]: r["same_day_cutoff"]
        for r in await Procedure.select(Procedure.id, Procedure.same_day_cutoff).where(
            Procedure.id.is_in([plain, same_day])
        )
    }
    assert rows == {plain: False, same_day: True}
    page = soup((await admin.get(f"/admin/procedures/{same_day}")).text)
    box = page.select_one("input[name=same_day_cutoff]")
    assert box is not None and box.has_attr("checked")
    assert "15:00" in box.find_parent("label").text
