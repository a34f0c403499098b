"""Addresses with today's administrative units: 34 provinces, communes/wards under them.

The list, its search (no diacritics needed), the picker's HTML and JSON, and a dossier sent by
post to a ward chosen from the list, end to end over HTTP.
"""

from __future__ import annotations

import pytest

from backend.catalog import addresses
from backend.dossiers.delivery import Delivery, clean_delivery
from backend.dossiers.tables import Dossier
from backend.lib.errors import FormErrors
from backend.lib.text import fold
from tests.dossiers.conftest import fill_required, procedure_with_documents, start_draft, submit
from tests.helpers import Client, csrf, register, soup, text_of

NINH_BINH = "37"
PHU_LY = "13285"  # Phường Phủ Lý, Ninh Bình
HOA_LU = "14329"  # Phường Hoa Lư, Ninh Bình
BA_DINH = "00004"  # Phường Ba Đình, Hà Nội


def names(wards: list[addresses.Ward]) -> list[str]:
    return [w.name for w in wards]


# --- the list ----------------------------------------------------------------------------------


def test_34_provinces_and_3321_wards_are_loaded() -> None:
    provinces = addresses.provinces()
    assert len(provinces) == 34
    assert sum(len(addresses.wards_of(p.code)) for p in provinces) == 3321
    assert addresses.ward(PHU_LY) == addresses.Ward(PHU_LY, "Phường Phủ Lý", NINH_BINH)
    assert addresses.province(NINH_BINH) == addresses.Province(
        NINH_BINH, "Tỉnh Ninh Bình", "Ninh Bình"
    )
    shorts = [p.short for p in provinces]
    assert {"Hà Nội", "Hồ Chí Minh", "Huế", "Ninh Bình"} <= set(shorts)
    assert not [s for s in shorts if s.startswith(("Tỉnh", "Thành phố"))]
    # Vietnamese order without diacritics: Đà Nẵng among the D's, not after Z.
    assert shorts[:3] == ["An Giang", "Bắc Ninh", "Cà Mau"]
    assert shorts.index("Đà Nẵng") < shorts.index("Gia Lai")
    # Special zones (islands) are units of their own.
    assert "Đặc khu Phú Quốc" in names(addresses.wards_of("91"))


@pytest.mark.parametrize(
    "text",
    ["Ninh Bình", "ninh binh", "NINH BÌNH", "Tỉnh Ninh Bình", "tinh ninh binh", " Ninh  Bình "],
)
def test_province_by_name_ignores_diacritics_case_and_type(text: str) -> None:
    found = addresses.province_by_name(text)
    assert found is not None and found.code == NINH_BINH


def test_province_by_other_names_and_codes() -> None:
    for text in ("Hồ Chí Minh", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "tp hcm"):
        found = addresses.province_by_name(text)
        assert found is not None and found.short == "Hồ Chí Minh", text
    assert addresses.province_by_name("Hà Nam") is None  # merged into Ninh Bình in 2025
    assert addresses.province_by_name("") is None
    assert addresses.find_province("37") == addresses.find_province("Ninh Bình")
    assert addresses.province("1") == addresses.province("01")
    assert addresses.province("99") is None and addresses.ward("99999") is None


# --- search ------------------------------------------------------------------------------------


def test_phu_ly_finds_phuong_phu_ly_first() -> None:
    found = addresses.search_wards(NINH_BINH, "phu ly")
    assert found[0].name == "Phường Phủ Lý"


def test_hoa_lu_finds_phuong_hoa_lu_before_names_that_only_contain_it() -> None:
    found = names(addresses.search_wards(NINH_BINH, "hoa lu"))
    assert found[0] == "Phường Hoa Lư"
    assert {"Phường Nam Hoa Lư", "Phường Đông Hoa Lư", "Phường Tây Hoa Lư"} <= set(found[1:])


@pytest.mark.parametrize(
    "query",
    ["Phủ Lý", "PHỦ LÝ", "phủ lý", "Phu Ly", "PHU LY", "phuong phu ly", "Phường Phủ", "phuly"],
)
def test_search_ignores_diacritics_case_and_the_type(query: str) -> None:
    assert addresses.search_wards(NINH_BINH, query)[0].code == PHU_LY


def test_every_word_must_begin_a_word_of_the_name() -> None:
    assert names(addresses.search_wards(NINH_BINH, "gia vien")) == ["Xã Gia Viễn"]
    assert "Phường Phủ Lý" not in names(addresses.search_wards(NINH_BINH, "hu ly"))
    assert addresses.search_wards(NINH_BINH, "khong co xa nay") == []
    # Only the wards of the province asked for.
    assert addresses.search_wards("01", "phu ly") == []
    assert addresses.search_wards("99", "phu ly") == []


def test_empty_query_lists_the_first_wards_alphabetically() -> None:
    first = addresses.search_wards(NINH_BINH, "", limit=10)
    assert len(first) == 10
    assert first == addresses.wards_of(NINH_BINH)[:10]
    keys = [fold(w.bare) for w in addresses.wards_of(NINH_BINH)]
    assert keys == sorted(keys)
    assert len(addresses.search_wards(NINH_BINH, "xa", limit=5)) == 5


# --- the dossier's delivery --------------------------------------------------------------------


def post_to(ward_code: str, province: str = "Ninh Bình") -> Delivery:
    return Delivery(
        method="post",
        recipient_name="Trần Văn Nhận",
        recipient_phone="0912 345 678",
        street="Số 1 đường Lê Hồng Phong",
        province=province,
        ward_code=ward_code,
    )


def test_clean_delivery_fills_the_ward_name_and_the_official_province() -> None:
    cleaned = clean_delivery(post_to(PHU_LY, "tinh ninh binh"), ["counter", "post"], strict=True)
    assert (cleaned.ward_code, cleaned.ward, cleaned.province) == (
        PHU_LY,
        "Phường Phủ Lý",
        "Ninh Bình",
    )
    assert cleaned.recipient_phone == "0912345678"
    # Whatever name was sent with the code, the official one is kept.
    forged = Delivery(**{**post_to(PHU_LY).__dict__, "ward": "Phường Bịa Đặt"})
    assert clean_delivery(forged, ["post"], strict=True).ward == "Phường Phủ Lý"


def test_clean_delivery_refuses_a_ward_of_another_province() -> None:
    with pytest.raises(FormErrors) as refused:
        clean_delivery(post_to(BA_DINH), ["counter", "post"], strict=True)
    errors = refused.value.by_field(lambda m: m)
    assert errors == {"ward_code": "Xã/phường này không thuộc tỉnh/thành phố đã chọn."}


def test_clean_delivery_wants_a_ward_and_a_province_from_the_list() -> None:
    for delivery, field, message in (
        (post_to(""), "ward_code", "Vui lòng chọn xã/phường trong danh sách."),
        (post_to("12345"), "ward_code", "Vui lòng chọn xã/phường trong danh sách."),
        (post_to(PHU_LY, "Hà Nam"), "province", "Vui lòng chọn tỉnh/thành phố trong danh sách."),
    ):
        with pytest.raises(FormErrors) as refused:
            clean_delivery(delivery, ["post"], strict=True)
        assert refused.value.by_field(lambda m: m)[field] == message


def test_a_draft_saves_what_it_can() -> None:
    """While typing (strict=False) nothing raises: a ward not in the province is dropped."""
    draft = clean_delivery(post_to(BA_DINH), ["post"], strict=False)
    assert (draft.ward_code, draft.ward, draft.province) == ("", "", "Ninh Bình")
    assert draft.street == "Số 1 đường Lê Hồng Phong"
    assert clean_delivery(post_to(""), ["post"], strict=False).ward_code == ""
    assert clean_delivery(post_to("", "Hà Nam"), ["post"], strict=False).province == "Hà Nam"
    # Counter delivery needs no address at all.
    assert clean_delivery(Delivery(), ["counter"], strict=True).method == "counter"


# --- the picker over HTTP ----------------------------------------------------------------------


async def test_ward_search_returns_radio_buttons(client: Client) -> None:
    r = await client.get("/addresses/wards", params={"province": "Ninh Bình", "q": "phu ly"})
    assert r.status_code == 200
    assert "public" in r.headers["cache-control"] and "max-age" in r.headers["cache-control"]
    radios = soup(r.text).select("label.choice input[type=radio][name=ward_code]")
    assert radios and radios[0]["value"] == PHU_LY
    assert "Phường Phủ Lý" in radios[0].parent.get_text()
    assert not any(radio.has_attr("checked") for radio in radios)
    status = soup(r.text).select_one("#ward_code-status")
    assert status is not None and "Tìm thấy" in status.get_text()

    # The code works as well as the name, and the field may have another name.
    r = await client.get(
        "/addresses/wards", params={"province": "37", "q": "HOA LU", "name": "new_ward_code"}
    )
    radios = soup(r.text).select("input[type=radio][name=new_ward_code]")
    assert radios[0]["value"] == HOA_LU


async def test_ward_search_keeps_the_chosen_ward_checked(client: Client) -> None:
    """Typing a new search never loses the ward chosen so far."""
    r = await client.get(
        "/addresses/wards",
        params={"province": "Ninh Bình", "q": "gia vien", "selected": PHU_LY},
    )
    radios = soup(r.text).select("input[type=radio][name=ward_code]")
    assert [(x["value"], x.has_attr("checked")) for x in radios] == [
        (PHU_LY, True),
        ("14464", False),
    ]
    # As htmx sends it: the picker's fields under their own names.
    r = await client.get(
        "/addresses/wards",
        params={"province": "Ninh Bình", "ward_q": "hoa", "ward_code": PHU_LY},
    )
    checked = soup(r.text).select("input[name=ward_code][checked]")
    assert [x["value"] for x in checked] == [PHU_LY]
    assert HOA_LU in [x["value"] for x in soup(r.text).select("input[name=ward_code]")]
    # Another province chosen: that ward is not offered any more.
    r = await client.get(
        "/addresses/wards", params={"province": "Hà Nội", "q": "", "selected": PHU_LY}
    )
    assert not soup(r.text).select("input[name=ward_code]")


async def test_ward_search_says_when_nothing_matches(client: Client) -> None:
    r = await client.get("/addresses/wards", params={"province": "Ninh Bình", "q": "Lam Hạ"})
    assert r.status_code == 200
    assert not soup(r.text).select("input[type=radio]")
    message = text_of(r.text, "p.empty")[0]
    assert message.startswith("Không tìm thấy xã/phường “Lam Hạ”")
    r = await client.get("/addresses/wards", params={"province": "Hà Nam", "q": "phu ly"})
    assert "Vui lòng chọn tỉnh/thành phố trước." in r.text


async def test_address_json(client: Client) -> None:
    r = await client.get("/api/v1/addresses/provinces")
    assert r.status_code == 200 and "public" in r.headers["cache-control"]
    provinces = r.json()
    assert len(provinces) == 34
    assert {"code": NINH_BINH, "name": "Tỉnh Ninh Bình", "short": "Ninh Bình"} in provinces

    r = await client.get("/api/v1/addresses/wards", params={"province": "ninh binh", "q": "phu ly"})
    assert r.status_code == 200
    assert r.json()[0] == {"code": PHU_LY, "name": "Phường Phủ Lý", "province_code": NINH_BINH}
    every = (await client.get("/api/v1/addresses/wards", params={"province": "37"})).json()
    assert len(every) == len(addresses.wards_of(NINH_BINH))
    r = await client.get("/api/v1/addresses/wards", params={"province": "Hà Nam"})
    assert r.status_code == 404 and r.json()["field"] == "province"


async def test_draft_to_submission_by_post_with_a_ward_from_the_list(client: Client) -> None:
    await register(client, name="Vũ Thị Lan")
    proc = await procedure_with_documents(client)
    dossier_id = await start_draft(client, proc["id"])

    page = soup((await client.get(f"/dossiers/{dossier_id}/edit")).text)
    province = page.select_one("select#f-province")
    assert province["hx-get"] == "/addresses/wards"
    assert len(province.select("option")) == 34
    assert province.select_one("option[selected]")["value"] == "Ninh Bình"
    search = page.select_one("input#f-ward_q[type=search]")
    assert search["hx-get"] == "/addresses/wards" and "#f-province" in search["hx-include"]
    assert page.select_one(f"label[for={search['id']}]").get_text() == "Xã/phường/đặc khu"
    assert not page.select("input[name=ward]")  # the name comes from the list, not typed

    # The autosave while the citizen fills in the address (what app.js posts).
    token = await csrf(client)
    autosave = {
        "delivery_method": "post",
        "recipient_name": "Vũ Thị Lan",
        "recipient_phone": "0912 000 222",
        "street": "Số 8 ngõ 3 đường Trường Chinh",
        "province": "Ninh Bình",
        "ward_q": "phu ly",
        "ward_code": PHU_LY,
    }
    saved = await client.post(
        f"/dossiers/{dossier_id}/delivery",
        data=autosave,
        headers={"x-csrftoken": token, "HX-Request": "true"},
    )
    assert saved.status_code == 200 and "Đã lưu nháp" in saved.text
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert (row["ward_code"], row["ward"], row["delivery_province"]) == (
        PHU_LY,
        "Phường Phủ Lý",
        "Ninh Bình",
    )

    # Reloaded: the chosen ward is there, checked.
    page = soup((await client.get(f"/dossiers/{dossier_id}/edit")).text)
    chosen = page.select_one("#ward-options input[name=ward_code][checked]")
    assert chosen["value"] == PHU_LY and "Phường Phủ Lý" in chosen.parent.get_text()

    # Changing the province while the old ward is still ticked: the draft drops the ward.
    moved = await client.post(
        f"/dossiers/{dossier_id}/delivery",
        data={**autosave, "province": "Hà Nội"},
        headers={"x-csrftoken": token, "HX-Request": "true"},
    )
    assert moved.status_code == 200
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert (row["ward_code"], row["ward"], row["delivery_province"]) == ("", "", "Hà Nội")

    # Submitting a ward of another province is refused beside the ward.
    await fill_required(client, dossier_id, proc)
    fields = {k: v for k, v in autosave.items() if k != "ward_q"}
    refused = await submit(client, dossier_id, **{**fields, "ward_code": BA_DINH})
    assert refused.status_code == 422
    assert "không thuộc tỉnh/thành phố đã chọn" in text_of(refused.text, "#e-ward_code")[0]

    ok = await submit(client, dossier_id, **{**fields, "ward_code": HOA_LU})
    assert ok.status_code == 303 and ok.headers["location"] == f"/dossiers/{dossier_id}/receipt"
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert (row["status"], row["delivery_method"], row["ward_code"], row["ward"]) == (
        1,
        "post",
        HOA_LU,
        "Phường Hoa Lư",
    )
    detail = await client.get(f"/dossiers/{dossier_id}")
    assert "Số 8 ngõ 3 đường Trường Chinh, Phường Hoa Lư, Ninh Bình" in detail.text


async def test_without_javascript_the_ward_is_chosen_from_a_plain_list(client: Client) -> None:
    await register(client)
    proc = await procedure_with_documents(client)
    dossier_id = await start_draft(client, proc["id"])
    page = soup((await client.get(f"/dossiers/{dossier_id}/edit")).text)
    # The search needs htmx: it is hidden until htmx shows it and removes the plain list.
    assert page.select_one(".ward-search").has_attr("hidden")
    listed = page.select(".ward-list select[name=ward_choice] option")
    assert len(listed) == 1 + len(addresses.wards_of(NINH_BINH))

    await fill_required(client, dossier_id, proc)
    ok = await submit(
        client,
        dossier_id,
        delivery_method="post",
        recipient_name="Lê Văn Test",
        recipient_phone="0912000333",
        street="Thôn Đông",
        province="Ninh Bình",
        ward_choice="14464",
    )
    assert ok.status_code == 303
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert (row["ward_code"], row["ward"]) == ("14464", "Xã Gia Viễn")
