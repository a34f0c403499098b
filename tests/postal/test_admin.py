"""The postal service's administration: post offices (/admin/post-offices/), postal workers'
accounts (each belongs to one post office) and the tariff (/admin/postal-tariff/)."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backend.access.roles import Role
from backend.accounts.tables import User
from backend.catalog.tables import Counter, PostOffice
from backend.postal import tariff
from backend.postal.offices import ward_names
from backend.postal.tables import PostalTariff
from tests.accounts import admin_helpers
from tests.accounts.admin_helpers import MSG_FORBIDDEN, new_login
from tests.helpers import (
    Client,
    field_errors,
    form_value,
    post_form,
    post_login,
    register,
    soup,
    text_of,
)

# The administration's fixtures (tests/postal/conftest.py holds the postal pages' own).
_forget_staff = admin_helpers._forget_staff
admin = admin_helpers.admin
other_client = admin_helpers.other_client
post_office_id = admin_helpers.post_office_id

PASSWORD = "matkhau-ban-dau"
MSG_OFFICE_NEEDED = "Nhân viên bưu điện phải thuộc một bưu điện. Hãy chọn bưu điện."
MSG_OFFICE_NOT_ALLOWED = "Chỉ nhân viên bưu điện mới thuộc một bưu điện. Hãy bỏ chọn."
MSG_OFFICE_UNUSABLE = "Bưu điện này không có hoặc đã ngừng hoạt động."
MSG_FEE = "Cước là số tiền bằng đồng, từ 0 trở lên, ví dụ 25.000. Nhập 0 nếu miễn cước."

# Phường Phủ Lý, Phường Phù Vân (tỉnh Ninh Bình) in the official list.
PHU_LY, PHU_VAN = "13285", "13291"

_codes = itertools.count(1)
PREFIX = f"T{os.getpid()}-"


def new_code() -> str:
    return f"{PREFIX}{next(_codes)}"


@pytest.fixture(autouse=True)
async def _clean() -> AsyncIterator[None]:
    yield
    await PostOffice.delete().where(PostOffice.code.like(f"{PREFIX}%"))


@pytest.fixture
async def keep_tariff() -> AsyncIterator[None]:
    """The tariff the other tests (and the citizens' pages) see is put back afterwards."""
    before = await PostalTariff.select(*PostalTariff.all_columns(exclude=[PostalTariff.id]))
    yield
    await PostalTariff.delete(force=True)
    for row in before:
        await PostalTariff.insert(PostalTariff(**row))


def office_form(**changes: str) -> dict[str, str]:
    form = {
        "code": new_code(),
        "name": "Bưu điện Thử nghiệm",
        "address": "Số 5 Lê Hồng Phong, phường Phủ Lý, tỉnh Ninh Bình",
        "phone": "0226 385 1234",
        "ward_codes": f"{PHU_LY}, {PHU_VAN}",
        "active": "1",
    }
    return {**form, **changes}


async def office(code: str) -> dict[str, Any]:
    row = await PostOffice.select().where(PostOffice.code == code).first()
    assert row is not None
    return row


async def make_office(admin: Client, **changes: str) -> dict[str, Any]:
    form = office_form(**changes)
    r = await post_form(admin, "/admin/post-offices/new", **form)
    assert r.status_code == 303, field_errors(r.text)
    return await office(form["code"])


# --- post offices ------------------------------------------------------------------------------


async def test_add_and_edit_a_post_office(admin: Client) -> None:
    code = new_code()
    r = await post_form(
        admin,
        "/admin/post-offices/new",
        **office_form(
            code=f" {code.lower()} ",
            name=" Bưu điện  Thử nghiệm ",
            phone="0226.385.1234",
            # Commas, spaces and line breaks all separate codes; a repeated one counts once.
            ward_codes=f"{PHU_LY},\n{PHU_VAN} {PHU_LY}",
        ),
    )
    assert r.status_code == 303, field_errors(r.text)
    assert r.headers["location"] == "/admin/post-offices/?ok=created"
    row = await office(code)
    assert (row["name"], row["phone"], row["ward_codes"], row["active"]) == (
        "Bưu điện Thử nghiệm",
        "02263851234",
        f"{PHU_LY},{PHU_VAN}",
        True,
    )

    page = await admin.get(r.headers["location"])
    assert text_of(page.text, ".alert.good") == ["Đã thêm."]
    item = next(i for i in text_of(page.text, "ul.post-offices a.item") if f"Mã: {code}" in i)
    assert "Phục vụ: Phường Phủ Lý, Phường Phù Vân" in item
    assert "Đang hoạt động" in item

    page = await admin.get(f"/admin/post-offices/{row['id']}")
    assert page.status_code == 200
    assert form_value(page.text, "code") == code
    assert form_value(page.text, "ward_codes") == f"{PHU_LY}, {PHU_VAN}"
    assert form_value(page.text, "active") == "1"

    # Serving anywhere (the fallback office), and stopped.
    r = await post_form(
        admin,
        f"/admin/post-offices/{row['id']}",
        code=code,
        name="Bưu điện Thử nghiệm 2",
        address="",
        phone="",
        ward_codes=" ",
    )
    assert r.status_code == 303, field_errors(r.text)
    assert r.headers["location"] == "/admin/post-offices/?ok=saved"
    row = await office(code)
    assert (row["name"], row["address"], row["phone"], row["ward_codes"], row["active"]) == (
        "Bưu điện Thử nghiệm 2",
        "",
        "",
        "",
        False,
    )
    page = await admin.get("/admin/post-offices/")
    link = soup(page.text).select_one(f'a.item[href="/admin/post-offices/{row["id"]}"]')
    assert link is not None and "off" in link["class"]
    assert "Nhận mọi địa chỉ (bưu điện dự phòng)" in link.get_text()
    assert "Đã ngừng" in link.get_text()


async def test_an_unknown_ward_code_is_refused(admin: Client) -> None:
    form = office_form(ward_codes=f"{PHU_LY}, 99999; PL1")
    r = await post_form(admin, "/admin/post-offices/new", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == {
        "ward_codes": "Không có phường, xã nào mang mã 99999, PL1. Mã gồm 5 chữ số, "
        "theo danh mục phường, xã hiện hành."
    }
    # The form comes back as it was typed.
    for name in ("code", "name", "address", "phone", "ward_codes"):
        assert form_value(r.text, name) == form[name], name
    assert not await PostOffice.exists().where(PostOffice.code == form["code"])

    # Nor can an existing office be given one.
    row = await make_office(admin)
    r = await post_form(
        admin, f"/admin/post-offices/{row['id']}", **office_form(code=row["code"], ward_codes="1")
    )
    assert r.status_code == 422
    assert list(field_errors(r.text)) == ["ward_codes"]
    assert (await office(row["code"]))["ward_codes"] == f"{PHU_LY},{PHU_VAN}"


async def test_a_code_is_used_once(admin: Client) -> None:
    r = await post_form(admin, "/admin/post-offices/new", **office_form(code="bd-nb"))
    assert r.status_code == 422
    assert field_errors(r.text) == {"code": "Đã có bưu điện mang mã BD-NB."}
    assert await PostOffice.count().where(PostOffice.code == "BD-NB") == 1

    # Nor can another office take it by being renamed; keeping its own code is fine.
    row = await make_office(admin)
    r = await post_form(admin, f"/admin/post-offices/{row['id']}", **office_form(code="BD-NB"))
    assert r.status_code == 422
    assert field_errors(r.text) == {"code": "Đã có bưu điện mang mã BD-NB."}
    r = await post_form(
        admin, f"/admin/post-offices/{row['id']}", **office_form(code=row["code"], name="Mới")
    )
    assert r.status_code == 303
    assert (await office(row["code"]))["name"] == "Mới"


async def test_every_field_is_checked_at_once(admin: Client) -> None:
    before = await PostOffice.count()
    r = await post_form(
        admin,
        "/admin/post-offices/new",
        code="BĐ NB",
        name=" ",
        address="x" * 301,
        phone="12345",
        ward_codes="",
    )
    assert r.status_code == 422
    assert field_errors(r.text) == {
        "code": "Mã bưu điện gồm 2 đến 20 chữ cái không dấu, chữ số hoặc dấu gạch ngang, "
        "ví dụ: BD-NB.",
        "name": "Vui lòng nhập tên bưu điện.",
        "address": "Nội dung quá dài (tối đa 300 ký tự).",
        "phone": "Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0, ví dụ 0229 387 1234.",
    }
    assert await PostOffice.count() == before


async def test_unknown_post_office(admin: Client) -> None:
    assert (await admin.get("/admin/post-offices/987654")).status_code == 404
    form = office_form()
    r = await post_form(admin, "/admin/post-offices/987654", **form)
    assert r.status_code == 404
    assert not await PostOffice.exists().where(PostOffice.code == form["code"])


# --- postal workers' accounts ------------------------------------------------------------------


def staff_form(role: Role, **changes: str) -> dict[str, str]:
    form = {
        "login": new_login(role.value),
        "full_name": "Đinh Văn Khoa",
        "role": role.value,
        "agency": "",
        "counter": "",
        "post_office": "",
        "password": PASSWORD,
    }
    return {**form, **changes}


async def create(admin: Client, form: dict[str, str]) -> int:
    r = await post_form(admin, "/admin/staff/new", **form)
    assert r.status_code == 303, field_errors(r.text)
    return int(httpx.URL(r.headers["location"]).path.rsplit("/", 1)[1])


async def stored(user_id: int) -> dict[str, Any]:
    row = await User.select().where(User.id == user_id).first()
    assert row is not None
    return row


async def test_a_postal_worker_belongs_to_a_post_office(
    admin: Client, other_client: Client, post_office_id: int
) -> None:
    page = await admin.get("/admin/staff/new")
    assert "postal" in [str(i["value"]) for i in soup(page.text).select('input[name="role"]')]
    offered = [str(o["value"]) for o in soup(page.text).select('select[name="post_office"] option')]
    assert str(post_office_id) in offered

    form = staff_form(Role.POSTAL, post_office=str(post_office_id))
    user_id = await create(admin, form)
    row = await stored(user_id)
    assert (row["role"], row["post_office"], row["counter"], row["agency"]) == (
        "postal",
        post_office_id,
        None,
        None,
    )
    assert (await post_login(other_client, form["login"], PASSWORD)).status_code == 303

    listing = await admin.get("/admin/staff/", params={"q": form["login"]})
    [item] = text_of(listing.text, "ul.staff a.item")
    assert "Nhân viên bưu điện" in item
    assert "Bưu điện tỉnh Ninh Bình" in item
    listing = await admin.get("/admin/staff/", params={"role": "postal"})
    assert form["login"] in " ".join(text_of(listing.text, "ul.staff a.item"))

    page = await admin.get(f"/admin/staff/{user_id}")
    assert form_value(page.text, "role") == "postal"
    assert form_value(page.text, "post_office") == str(post_office_id)

    # Moved to another post office.
    other = await make_office(admin)
    r = await post_form(
        admin,
        f"/admin/staff/{user_id}",
        full_name="Đinh Văn Khoa",
        role="postal",
        post_office=str(other["id"]),
    )
    assert r.status_code == 303, field_errors(r.text)
    assert (await stored(user_id))["post_office"] == other["id"]
    offices = await admin.get("/admin/post-offices/")
    item = next(i for i in text_of(offices.text, "ul.post-offices a.item") if other["code"] in i)
    assert "Đinh Văn Khoa" in item


async def test_a_postal_worker_without_a_post_office_is_refused(admin: Client) -> None:
    form = staff_form(Role.POSTAL)
    r = await post_form(admin, "/admin/staff/new", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == {"post_office": MSG_OFFICE_NEEDED}
    for name in ("login", "full_name", "role", "post_office"):
        assert form_value(r.text, name) == form[name], name
    assert not await User.exists().where(User.login == form["login"])

    r = await post_form(admin, "/admin/staff/new", **{**form, "post_office": "987654"})
    assert r.status_code == 422
    assert field_errors(r.text) == {"post_office": MSG_OFFICE_UNUSABLE}
    assert not await User.exists().where(User.login == form["login"])


@pytest.mark.parametrize("role", [Role.COUNTER, Role.SPECIALIST, Role.MANAGER, Role.ADMIN])
async def test_other_roles_are_refused_a_post_office(
    admin: Client, role: Role, post_office_id: int
) -> None:
    counter = await Counter.select(Counter.id).where(Counter.number == 1).first()
    assert counter is not None
    form = staff_form(
        role,
        post_office=str(post_office_id),
        agency="1" if role.needs_agency else "",
        counter=str(counter["id"]) if role is Role.COUNTER else "",
    )
    r = await post_form(admin, "/admin/staff/new", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == {"post_office": MSG_OFFICE_NOT_ALLOWED}
    assert not await User.exists().where(User.login == form["login"])


async def test_changing_a_postal_worker_s_role_needs_the_post_office_dropped(
    admin: Client, post_office_id: int
) -> None:
    user_id = await create(admin, staff_form(Role.POSTAL, post_office=str(post_office_id)))
    r = await post_form(
        admin,
        f"/admin/staff/{user_id}",
        full_name="Đinh Văn Khoa",
        role="manager",
        post_office=str(post_office_id),
    )
    assert r.status_code == 422
    assert field_errors(r.text) == {"post_office": MSG_OFFICE_NOT_ALLOWED}
    assert (await stored(user_id))["role"] == "postal"

    r = await post_form(
        admin, f"/admin/staff/{user_id}", full_name="Đinh Văn Khoa", role="manager", post_office=""
    )
    assert r.status_code == 303
    row = await stored(user_id)
    assert (row["role"], row["post_office"]) == ("manager", None)


async def test_a_stopped_post_office_is_not_given_but_stays_with_its_staff(
    admin: Client,
) -> None:
    row = await make_office(admin)
    user_id = await create(admin, staff_form(Role.POSTAL, post_office=str(row["id"])))
    await PostOffice.update({PostOffice.active: False}).where(PostOffice.id == row["id"])

    page = await admin.get("/admin/staff/new")
    offered = [str(o["value"]) for o in soup(page.text).select('select[name="post_office"] option')]
    assert str(row["id"]) not in offered
    r = await post_form(
        admin, "/admin/staff/new", **staff_form(Role.POSTAL, post_office=str(row["id"]))
    )
    assert r.status_code == 422
    assert field_errors(r.text) == {"post_office": MSG_OFFICE_UNUSABLE}

    # The worker who already has it keeps it while their name is corrected.
    page = await admin.get(f"/admin/staff/{user_id}")
    assert form_value(page.text, "post_office") == str(row["id"])
    r = await post_form(
        admin,
        f"/admin/staff/{user_id}",
        full_name="Đinh Văn Khoa Mới",
        role="postal",
        post_office=str(row["id"]),
    )
    assert r.status_code == 303, field_errors(r.text)
    assert (await stored(user_id))["full_name"] == "Đinh Văn Khoa Mới"


# --- the tariff --------------------------------------------------------------------------------


def tariff_form(**changes: str) -> dict[str, str]:
    form = {
        "delivery_in_province_fee": "30.000",
        "delivery_in_province_payment": "on_delivery",
        "delivery_in_province_note": "",
        "delivery_other_province_fee": "45000",
        "delivery_other_province_payment": "in_advance",
        "delivery_other_province_note": " Chưa gồm  phí thu hộ ",
        "pickup_fee": "0",
        "pickup_payment": "in_advance",
        "pickup_note": "",
    }
    return {**form, **changes}


@pytest.mark.usefixtures("keep_tariff")
async def test_the_tariff_is_edited_and_read_back(admin: Client) -> None:
    await PostalTariff.delete(force=True)
    page = await admin.get("/admin/postal-tariff/")
    assert page.status_code == 200
    assert text_of(page.text, "h2") == [
        "Gửi kết quả trong tỉnh",
        "Gửi kết quả đến tỉnh khác",
        "Thu gom hồ sơ giấy tại địa chỉ",
    ]
    # With no row yet, the defaults are shown.
    assert form_value(page.text, "delivery_in_province_fee") == "25.000"
    assert form_value(page.text, "pickup_payment") == "in_advance"
    assert "trả khi nhận (thu hộ)" in page.text

    r = await post_form(admin, "/admin/postal-tariff/", **tariff_form())
    assert r.status_code == 303, field_errors(r.text)
    assert r.headers["location"] == "/admin/postal-tariff/?ok=saved"
    quotes = await tariff.tariff()
    assert {s: (q.fee_vnd, q.payment) for s, q in quotes.items()} == {
        tariff.DELIVERY_IN_PROVINCE: (30_000, "on_delivery"),
        tariff.DELIVERY_OTHER_PROVINCE: (45_000, "in_advance"),
        tariff.PICKUP: (0, "in_advance"),
    }
    note = await PostalTariff.select(PostalTariff.note).where(
        PostalTariff.service == tariff.DELIVERY_OTHER_PROVINCE
    )
    assert note == [{"note": "Chưa gồm phí thu hộ"}]

    page = await admin.get(r.headers["location"])
    assert text_of(page.text, ".alert.good") == ["Đã lưu thay đổi."]
    assert form_value(page.text, "delivery_other_province_fee") == "45.000"
    assert form_value(page.text, "delivery_other_province_payment") == "in_advance"
    assert form_value(page.text, "delivery_other_province_note") == "Chưa gồm phí thu hộ"

    # Saved again: still one row per service.
    r = await post_form(
        admin, "/admin/postal-tariff/", **tariff_form(delivery_in_province_fee="1.250.000 đ")
    )
    assert r.status_code == 303, field_errors(r.text)
    assert (await tariff.tariff())[tariff.DELIVERY_IN_PROVINCE].fee_vnd == 1_250_000
    assert await PostalTariff.count() == 3


@pytest.mark.parametrize("fee", ["", "-5", "abc", "25,5", "25.00", "2.5", "99.999.999.999"])
@pytest.mark.usefixtures("keep_tariff")
async def test_a_bad_fee_is_refused(admin: Client, fee: str) -> None:
    before = await tariff.tariff()
    form = tariff_form(pickup_fee=fee, delivery_in_province_payment="later")
    r = await post_form(admin, "/admin/postal-tariff/", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == {
        "pickup_fee": MSG_FEE,
        "delivery_in_province_payment": "Vui lòng chọn cách trả cước.",
    }
    # The form comes back as typed, and nothing is saved, not even the right fields.
    assert form_value(r.text, "pickup_fee") == fee
    assert form_value(r.text, "delivery_other_province_fee") == "45000"
    assert await tariff.tariff() == before


# --- who may -----------------------------------------------------------------------------------

URLS = [
    ("GET", "/admin/post-offices/"),
    ("GET", "/admin/post-offices/new"),
    ("GET", "/admin/post-offices/1"),
    ("GET", "/admin/postal-tariff/"),
    ("POST", "/admin/post-offices/new"),
    ("POST", "/admin/post-offices/1"),
    ("POST", "/admin/postal-tariff/"),
]


async def send(client: Client, method: str, url: str) -> httpx.Response:
    if method == "GET":
        return await client.get(url, follow_redirects=False)
    form = {**office_form(code="BD-NB", name="Đổi tên trái phép"), **tariff_form(pickup_fee="1")}
    return await post_form(client, url, form)


@pytest.mark.usefixtures("keep_tariff")
async def test_only_administrators(client: Client, other_client: Client) -> None:
    before = (await tariff.tariff(), await PostOffice.select().order_by(PostOffice.id))
    for method, url in URLS:
        r = await send(client, method, url)
        assert r.status_code == 303, (method, url)
        assert httpx.URL(r.headers["location"]).path == "/login"

    await register(client)
    assert (await post_login(other_client, "buudien1", "canbo123")).status_code == 303
    for c in (client, other_client):
        for method, url in URLS:
            r = await send(c, method, url)
            assert r.status_code == 403, (method, url)
            assert MSG_FORBIDDEN in text_of(r.text, "main p")
    assert (await tariff.tariff(), await PostOffice.select().order_by(PostOffice.id)) == before


async def test_the_index_links_the_postal_pages(admin: Client) -> None:
    page = await admin.get("/admin/")
    links = [str(a["href"]) for a in soup(page.text).select("main a.item")]
    assert "/admin/post-offices/" in links
    assert "/admin/postal-tariff/" in links
    item = text_of(page.text, 'a.item[href="/admin/post-offices/"]')[0]
    assert "bưu điện đang hoạt động" in item


async def test_the_demo_post_offices_and_workers(admin: Client) -> None:
    fallback, phu_ly = await office("BD-NB"), await office("BD-HN")
    assert fallback["ward_codes"] == ""
    assert ward_names(phu_ly["ward_codes"]) == [
        "Phường Phủ Lý",
        "Phường Phù Vân",
        "Phường Châu Sơn",
        "Phường Hà Nam",
        "Phường Liêm Tuyền",
    ]
    workers = await User.select(User.login, User.role, User.post_office).where(
        User.login.is_in(["buudien1", "buudien2"])
    )
    assert sorted((w["login"], w["role"], w["post_office"]) for w in workers) == [
        ("buudien1", "postal", fallback["id"]),
        ("buudien2", "postal", phu_ly["id"]),
    ]
