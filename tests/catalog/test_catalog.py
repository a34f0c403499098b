"""Finding a procedure: search without diacritics, filters, htmx fragments, the API, the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.catalog.tables import Procedure, RequiredDocument
from backend.demo.__main__ import load_catalog
from backend.settings import get_settings
from tests.helpers import Client, soup, text_of

CATALOG: dict[str, Any] = load_catalog(get_settings().province)
BY_REF = {p["id"]: p for p in CATALOG["procedures"]}
AGENCY_NAME = {a["code"]: a["name"] for a in CATALOG["agencies"]}
NO_RESULT = (
    "Không tìm thấy thủ tục phù hợp. Hãy thử từ khóa ngắn hơn; gõ có dấu hay không dấu đều được."
)


def squash(text: str) -> str:
    return " ".join(text.split())


def results(html: str) -> list[tuple[int, str, str]]:
    """(id, name, agency) of each procedure listed, in order."""
    out = []
    for a in soup(html).select("a.item"):
        match = re.fullmatch(r"/procedures/(\d+)", str(a["href"]))
        assert match, a["href"]
        name, meta = a.select_one("strong"), a.select_one(".meta")
        assert name is not None and meta is not None
        out.append((int(match[1]), squash(name.get_text()), squash(meta.get_text())))
    return out


async def search_page(client: Client, **params: str) -> list[tuple[int, str, str]]:
    r = await client.get("/procedures", params=params)
    assert r.status_code == 200
    found = results(r.text)
    assert text_of(r.text, ".count") == [f"Tìm thấy {len(found)} thủ tục"]
    return found


async def procedure_id(ref: str) -> int:
    row = await Procedure.select(Procedure.id).where(Procedure.catalog_id == ref).first()
    assert row is not None, ref
    return int(row["id"])


def names(refs: list[str]) -> set[str]:
    return {squash(BY_REF[r]["name"]) for r in refs}


# --- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spellings", "must_include"),
    [
        pytest.param(
            [
                "dang ky khai sinh",
                "ĐĂNG KÝ KHAI SINH",
                "Đăng ký khai sinh",
                "  đăng   KÝ khai-sinh ",
            ],
            ["P004", "P005"],
            id="khai-sinh",
        ),
        pytest.param(
            ["ly lich tu phap", "LÝ LỊCH TƯ PHÁP", "Lý lịch tư pháp", "lý lich TU pháp"],
            ["P047"],
            id="ly-lich-tu-phap",
        ),
        pytest.param(
            ["giay phep lai xe", "GIẤY PHÉP LÁI XE", "Giấy phép lái xe"],
            ["P048", "P049"],
            id="giay-phep-lai-xe",
        ),
        pytest.param(["ho chieu", "HỘ CHIẾU", "Hộ chiếu"], ["P050"], id="ho-chieu"),
        pytest.param(
            ["chung chi hanh nghe", "Chứng chỉ hành nghề", "CHỨNG CHỈ HÀNH NGHỀ"],
            ["P019", "P027", "P028", "P040"],
            id="chung-chi-hanh-nghe",
        ),
        pytest.param(["dien", "ĐIỆN", "Điện"], ["P059", "P060"], id="single-word-with-d-stroke"),
    ],
)
async def test_search_ignores_diacritics_and_case(
    client: Client, spellings: list[str], must_include: list[str]
) -> None:
    found = [await search_page(client, q=q) for q in spellings]
    assert found[0], spellings[0]
    for other, q in zip(found[1:], spellings[1:], strict=True):
        assert other == found[0], q
    assert {name for _, name, _ in found[0]} >= names(must_include)


async def test_search_needs_every_word(client: Client) -> None:
    """ "khai sinh" alone finds the copy of a birth certificate too; adding "nuoc ngoai" narrows."""
    broad = {name for _, name, _ in await search_page(client, q="khai sinh")}
    narrow = {name for _, name, _ in await search_page(client, q="khai sinh nuoc ngoai")}
    assert broad >= names(["P004", "P005", "P007"])
    assert narrow == names(["P005"])


@pytest.mark.parametrize("agency", ["cat", "stp", "bhxh"])
async def test_filter_by_agency(client: Client, agency: str) -> None:
    r = await client.get("/procedures", params={"agency": agency})
    assert r.status_code == 200
    found = results(r.text)
    expected = {squash(p["name"]) for p in CATALOG["procedures"] if p["agency"] == agency}
    assert {name for _, name, _ in found} == expected
    assert {meta for _, _, meta in found} == {AGENCY_NAME[agency]}
    selected = soup(r.text).select("select#agency option[selected]")
    assert [o["value"] for o in selected] == [agency]


async def test_query_and_agency_combine(client: Client) -> None:
    everywhere = {name for _, name, _ in await search_page(client, q="giay phep")}
    police = await search_page(client, q="giay phep", agency="cat")
    assert {meta for _, _, meta in police} == {AGENCY_NAME["cat"]}
    assert {name for _, name, _ in police} == names(["P048", "P049"])
    assert everywhere > {name for _, name, _ in police}
    r = await client.get("/procedures", params={"q": "giay phep", "agency": "cat"})
    box = soup(r.text).select_one("input#q")
    assert box is not None and box["value"] == "giay phep"


@pytest.mark.parametrize(
    "params",
    [
        {"q": "xyzzy khong co thu tuc nay"},
        {"q": "ho chieu", "agency": "bhxh"},
        {"agency": "khong-co-co-quan"},
    ],
)
async def test_no_result_message(client: Client, params: dict[str, str]) -> None:
    r = await client.get("/procedures", params=params)
    assert r.status_code == 200
    assert results(r.text) == []
    assert text_of(r.text, ".count") == ["Tìm thấy 0 thủ tục"]
    assert text_of(r.text, ".empty") == [NO_RESULT]


async def test_htmx_search_gets_only_the_results_fragment(client: Client) -> None:
    page = await client.get("/procedures", params={"q": "ho chieu"})
    r = await client.get("/procedures", params={"q": "ho chieu"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text.lower()
    html = soup(r.text)
    assert html.select("form") == []
    assert html.select("header, footer, #results") == []
    assert results(r.text) == results(page.text) != []
    assert text_of(r.text, ".count") == text_of(page.text, ".count")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HX-Request": "true", "HX-Boosted": "true"}, id="boosted-link"),
        # htmx 2 restores history it no longer has cached with HX-Request: true and swaps the
        # answer into <body>: it needs the whole page, not the results list.
        pytest.param(
            {"HX-Request": "true", "HX-History-Restore-Request": "true"}, id="history-restore"
        ),
    ],
)
async def test_htmx_navigation_gets_the_whole_page(client: Client, headers: dict[str, str]) -> None:
    r = await client.get("/procedures", params={"q": "ho chieu"}, headers=headers)
    assert r.status_code == 200
    assert "<html" in r.text.lower()
    assert soup(r.text).select_one("form.search input#q") is not None
    assert results(r.text) != []


async def test_fragment_and_page_are_cached_apart(client: Client) -> None:
    """The same URL answers a fragment or a page depending on HX-Request: a cache must know."""
    r = await client.get("/procedures", params={"q": "ho chieu"}, headers={"HX-Request": "true"})
    vary = {v.strip().lower() for v in r.headers.get("vary", "").split(",")}
    assert "hx-request" in vary, r.headers


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Đăng ký khai sinh"},
        {"q": "ly lich tu phap"},
        {"q": "giay phep", "agency": "cat"},
        {"agency": "stc"},
        {"q": "khong co gi ca xyz"},
    ],
)
async def test_api_search_gives_the_same_procedures_as_the_page(
    client: Client, params: dict[str, str]
) -> None:
    page = await search_page(client, **params)
    r = await client.get("/api/v1/procedures", params=params)
    assert r.status_code == 200
    body = r.json()
    assert [p["id"] for p in body] == [pid for pid, _, _ in page]
    assert [squash(p["name"]) for p in body] == [name for _, name, _ in page]


@pytest.mark.parametrize("ref", ["P004", "P047", "P059"])
async def test_api_procedure_lists_its_documents_with_ids(client: Client, ref: str) -> None:
    pid = await procedure_id(ref)
    r = await client.get(f"/api/v1/procedures/{pid}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == pid
    assert body["name"] == BY_REF[ref]["name"]
    docs = body["documents"]
    assert [d["name"] for d in docs] == [d["name"] for d in BY_REF[ref]["required_documents"]]
    assert [d["position"] for d in docs] == list(range(1, len(docs) + 1))
    stored = await RequiredDocument.select(RequiredDocument.id).where(
        RequiredDocument.procedure == pid
    )
    assert sorted(d["id"] for d in docs) == sorted(row["id"] for row in stored)
    assert all(isinstance(d["required"], bool) for d in docs)
    assert "search_text" not in body


async def test_api_unknown_procedure_is_404_in_vietnamese(client: Client) -> None:
    r = await client.get("/api/v1/procedures/987654")
    assert r.status_code == 404
    assert r.json()["detail"] == "Không tìm thấy thủ tục này."


# --- the procedure page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "fee", "time"),
    [
        pytest.param("P001", "Không thu phí", "7 ngày làm việc", id="free"),
        pytest.param("P019", "50.000 đ", "5 ngày làm việc", id="fixed-fee"),
        pytest.param("P028", "300.000 đ", "10 ngày làm việc", id="fixed-fee-large"),
        pytest.param("P007", "8.000 đ", "Trong ngày", id="same-day"),
        pytest.param("P047", None, "10 ngày làm việc", id="fee-described-in-words"),
    ],
)
async def test_procedure_page_shows_what_a_citizen_needs(
    client: Client, ref: str, fee: str | None, time: str
) -> None:
    data = BY_REF[ref]
    pid = await procedure_id(ref)
    r = await client.get(f"/procedures/{pid}")
    assert r.status_code == 200
    html = soup(r.text)

    assert text_of(r.text, "h1") == [squash(data["name"])]
    facts = {
        squash(div.select_one("dt").get_text()): squash(div.select_one("dd").get_text())
        for div in html.select("dl.facts > div")
    }
    assert facts["Thời hạn giải quyết"] == time
    assert facts["Phí, lệ phí"] == (fee if fee is not None else squash(data["fee_vnd"]))

    docs = html.select("ol.docs > li")
    assert [squash(li.select_one("span:not(.chip)").get_text()) for li in docs] == [
        squash(d["name"]) for d in data["required_documents"]
    ]
    chips = [squash(li.select_one(".chip").get_text()) for li in docs]
    assert chips == [
        "Bắt buộc" if d.get("required", True) else "Nếu có" for d in data["required_documents"]
    ]

    assert text_of(r.text, ".legal") == [squash(data["legal_basis"])]
    assert "Căn cứ pháp lý" in text_of(r.text, "h2")

    button = html.select_one(f'form[action="/procedures/{pid}/start"] button[type="submit"]')
    assert button is not None
    assert squash(button.get_text()) == "Nộp hồ sơ trực tuyến"
    assert html.select_one(f'form[action="/procedures/{pid}/start"] input[name="_csrf_token"]')


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/procedures/987654", "Không tìm thấy thủ tục này."),
        ("/procedures/0", "Không tìm thấy thủ tục này."),
        ("/procedures/khong-phai-so", "Không tìm thấy trang bạn cần."),
        ("/khong-co-trang-nay", "Không tìm thấy trang bạn cần."),
    ],
)
async def test_unknown_page_is_a_404_in_vietnamese(client: Client, path: str, message: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404
    html = soup(r.text)
    assert html.select_one("html")["lang"] == "vi"
    assert text_of(r.text, "h1") == ["Không tìm thấy"]
    assert message in text_of(r.text, "main p")
    assert html.select_one('main a[href="/"]') is not None
