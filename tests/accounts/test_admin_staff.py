"""Staff accounts (/admin/staff/): created only here, with the right placement for each role;
deactivation signs the account out at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from backend.access.roles import Role
from backend.accounts.tables import AuthSession, User
from backend.catalog.tables import Agency, Counter
from tests.accounts.admin_helpers import new_login
from tests.helpers import (
    ADMIN_LOGIN,
    Client,
    field_errors,
    form_value,
    post_form,
    post_login,
    soup,
    text_of,
)

PASSWORD = "matkhau-ban-dau"
MSG_AGENCY_NEEDED = "Chuyên viên và lãnh đạo cơ quan phải thuộc một cơ quan. Hãy chọn cơ quan."
MSG_AGENCY_NOT_ALLOWED = "Chỉ chuyên viên và lãnh đạo cơ quan mới thuộc một cơ quan. Hãy bỏ chọn."
MSG_COUNTER_NEEDED = "Cán bộ Bộ phận Một cửa cần được xếp một quầy."
MSG_COUNTER_NOT_ALLOWED = "Chỉ cán bộ Bộ phận Một cửa mới ngồi quầy. Hãy bỏ chọn."
MSG_ROLE = "Vui lòng chọn vai trò."
MSG_PASSWORD = "Mật khẩu cần ít nhất 8 ký tự."
MSG_LOGIN_TAKEN = "Tên đăng nhập này đã có người dùng."
MSG_SIGN_IN_FAILED = "Số điện thoại/tên đăng nhập hoặc mật khẩu không đúng."


@pytest.fixture
async def counter_id() -> AsyncIterator[int]:
    await Counter.delete().where(Counter.number == 991)
    row = Counter(number=991, name="Quầy thử nghiệm", active=True)
    await row.save()
    yield int(row.id)
    await Counter.delete().where(Counter.id == row.id)


@pytest.fixture
async def agency_id() -> int:
    row = await Agency.select(Agency.id).where(Agency.code == "stp").first()
    assert row is not None
    return int(row["id"])


def staff_form(
    role: Role, agency_id: int, counter_id: int, extra: dict[str, str] | None = None
) -> dict[str, str]:
    form = {
        "login": new_login(role.value),
        "full_name": "Phạm Thị Hồng",
        "role": role.value,
        "agency": str(agency_id) if role.needs_agency else "",
        "counter": str(counter_id) if role is Role.COUNTER else "",
        "password": PASSWORD,
    }
    return {**form, **(extra or {})}


async def create(admin: Client, form: dict[str, str]) -> int:
    r = await post_form(admin, "/admin/staff/new", **form)
    assert r.status_code == 303, field_errors(r.text)
    location = httpx.URL(r.headers["location"])
    assert location.params["ok"] == "staff-created"
    return int(location.path.rsplit("/", 1)[1])


async def row(user_id: int) -> dict[str, Any]:
    found = await User.select().where(User.id == user_id).first()
    assert found is not None
    return found


# --- creating accounts -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.CITIZEN])
async def test_each_staff_role_can_be_created_and_signs_in(
    admin: Client,
    other_client: Client,
    role: Role,
    agency_id: int,
    counter_id: int,
    post_office_id: int,
) -> None:
    extra = {"login": f"  {new_login(role.value).upper()} "}
    if role is Role.POSTAL:
        extra["post_office"] = str(post_office_id)
    form = staff_form(role, agency_id, counter_id, extra)
    user_id = await create(admin, form)

    stored = await row(user_id)
    assert stored["login"] == form["login"].strip().lower()
    assert stored["role"] == role.value
    assert stored["full_name"] == "Phạm Thị Hồng"
    assert stored["agency"] == (agency_id if role.needs_agency else None)
    assert stored["counter"] == (counter_id if role is Role.COUNTER else None)
    assert stored["post_office"] == (post_office_id if role is Role.POSTAL else None)
    assert stored["active"] is True
    assert stored["password_hash"] != PASSWORD

    page = await admin.get(f"/admin/staff/{user_id}?ok=staff-created")
    assert text_of(page.text, "h1") == ["Phạm Thị Hồng"]
    assert text_of(page.text, ".alert.good")
    listing = await admin.get("/admin/staff/", params={"q": stored["login"]})
    items = text_of(listing.text, "ul.staff a.item")
    assert len(items) == 1 and stored["login"] in items[0]
    assert role.label in items[0]

    r = await post_login(other_client, form["login"], PASSWORD)
    assert r.status_code == 303, r.text


async def test_a_specialist_needs_an_agency(admin: Client, agency_id: int, counter_id: int) -> None:
    form = staff_form(Role.SPECIALIST, agency_id, counter_id, {"agency": ""})
    r = await post_form(admin, "/admin/staff/new", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == {"agency": MSG_AGENCY_NEEDED}
    # The form comes back as it was typed, except the password.
    for name in ("login", "full_name", "role", "agency", "counter"):
        assert form_value(r.text, name) == form[name], name
    assert form_value(r.text, "password") == ""
    assert not await User.exists().where(User.login == form["login"])


@pytest.mark.parametrize(
    ("role", "changes", "errors"),
    [
        pytest.param(Role.LEADER, {"agency": ""}, {"agency": MSG_AGENCY_NEEDED}, id="leader"),
        pytest.param(
            Role.COUNTER, {"agency": "AGENCY"}, {"agency": MSG_AGENCY_NOT_ALLOWED}, id="agency"
        ),
        pytest.param(Role.MANAGER, {"agency": "AGENCY"}, {"agency": MSG_AGENCY_NOT_ALLOWED}),
        pytest.param(Role.COUNTER, {"counter": ""}, {"counter": MSG_COUNTER_NEEDED}, id="desk"),
        pytest.param(
            Role.ADMIN, {"counter": "COUNTER"}, {"counter": MSG_COUNTER_NOT_ALLOWED}, id="admin"
        ),
        pytest.param(Role.ADMIN, {"role": "citizen"}, {"role": MSG_ROLE}, id="citizen"),
        pytest.param(Role.ADMIN, {"role": "root"}, {"role": MSG_ROLE}, id="unknown-role"),
        pytest.param(Role.MANAGER, {"password": "ngan"}, {"password": MSG_PASSWORD}),
        pytest.param(
            Role.MANAGER,
            {"login": "", "full_name": " "},
            {"login": "Vui lòng nhập tên đăng nhập.", "full_name": "Vui lòng nhập họ và tên."},
            id="blank",
        ),
        pytest.param(
            Role.MANAGER,
            {"login": "0912000111"},
            {
                "login": "Tên đăng nhập từ 3 đến 64 ký tự, bắt đầu bằng chữ cái, chỉ gồm chữ "
                "thường không dấu, chữ số và các dấu . _ -"
            },
            id="phone-like-login",
        ),
        pytest.param(Role.MANAGER, {"login": ADMIN_LOGIN}, {"login": MSG_LOGIN_TAKEN}),
    ],
)
async def test_refused_accounts(
    admin: Client,
    agency_id: int,
    counter_id: int,
    role: Role,
    changes: dict[str, str],
    errors: dict[str, str],
) -> None:
    replace = {"AGENCY": str(agency_id), "COUNTER": str(counter_id)}
    form = staff_form(
        role, agency_id, counter_id, {k: replace.get(v, v) for k, v in changes.items()}
    )
    before = await User.count()
    r = await post_form(admin, "/admin/staff/new", **form)
    assert r.status_code == 422
    assert field_errors(r.text) == errors
    assert await User.count() == before


# --- changing accounts -------------------------------------------------------------------------


async def test_edit_changes_name_role_and_placement(
    admin: Client, agency_id: int, counter_id: int
) -> None:
    user_id = await create(admin, staff_form(Role.COUNTER, agency_id, counter_id))
    page = await admin.get(f"/admin/staff/{user_id}")
    assert form_value(page.text, "role") == "counter"
    assert form_value(page.text, "counter") == str(counter_id)

    # Made a specialist while still at a counter: both placements are wrong at once.
    r = await post_form(
        admin,
        f"/admin/staff/{user_id}",
        full_name="Phạm Thị Hồng Nhung",
        role="specialist",
        agency="",
        counter=str(counter_id),
    )
    assert r.status_code == 422
    assert field_errors(r.text) == {
        "agency": MSG_AGENCY_NEEDED,
        "counter": MSG_COUNTER_NOT_ALLOWED,
    }
    assert form_value(r.text, "full_name") == "Phạm Thị Hồng Nhung"
    assert (await row(user_id))["role"] == "counter"

    r = await post_form(
        admin,
        f"/admin/staff/{user_id}",
        full_name="Phạm Thị Hồng Nhung",
        role="specialist",
        agency=str(agency_id),
        counter="",
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/admin/staff/{user_id}?ok=saved"
    stored = await row(user_id)
    assert (stored["full_name"], stored["role"], stored["agency"], stored["counter"]) == (
        "Phạm Thị Hồng Nhung",
        "specialist",
        agency_id,
        None,
    )


async def test_an_administrator_cannot_demote_or_lock_themselves(admin: Client) -> None:
    me = await User.select(User.id).where(User.login == ADMIN_LOGIN).first()
    assert me is not None
    r = await post_form(
        admin, f"/admin/staff/{me['id']}", full_name="Quản trị hệ thống", role="manager"
    )
    assert r.status_code == 422
    assert list(field_errors(r.text)) == ["role"]
    page = await admin.get(f"/admin/staff/{me['id']}")
    assert soup(page.text).select_one('form[action$="/deactivate"]') is None
    r = await post_form(admin, f"/admin/staff/{me['id']}/deactivate")
    assert r.status_code == 422
    assert text_of(r.text, ".alert.bad") == ["Bạn không thể tự khóa tài khoản của chính mình."]
    assert (await row(me["id"]))["active"] is True
    assert (await row(me["id"]))["role"] == "admin"


async def test_citizens_are_not_managed_here(admin: Client) -> None:
    citizen = await User.select(User.id).where(User.role == "citizen").first()
    assert citizen is not None
    assert (await admin.get(f"/admin/staff/{citizen['id']}")).status_code == 404
    r = await post_form(admin, f"/admin/staff/{citizen['id']}/deactivate")
    assert r.status_code == 404
    assert (await row(citizen["id"]))["active"] is True
    listing = await admin.get("/admin/staff/")
    assert "Công dân" not in " ".join(text_of(listing.text, "ul.staff .meta"))


# --- signing out and in ------------------------------------------------------------------------


async def test_deactivating_signs_out_and_blocks_sign_in(
    admin: Client, other_client: Client, agency_id: int, counter_id: int
) -> None:
    form = staff_form(Role.ADMIN, agency_id, counter_id)
    user_id = await create(admin, form)
    assert (await post_login(other_client, form["login"], PASSWORD)).status_code == 303
    assert (await other_client.get("/admin/", follow_redirects=False)).status_code == 200

    r = await post_form(admin, f"/admin/staff/{user_id}/deactivate")
    assert r.status_code == 303
    assert r.headers["location"] == f"/admin/staff/{user_id}?ok=deactivated"
    assert (await row(user_id))["active"] is False
    assert await AuthSession.count().where(AuthSession.user == user_id) == 0

    # The cookie the officer still holds no longer opens anything.
    r = await other_client.get("/admin/", follow_redirects=False)
    assert r.status_code == 303
    assert httpx.URL(r.headers["location"]).path == "/login"
    r = await post_login(other_client, form["login"], PASSWORD)
    assert r.status_code == 422
    assert field_errors(r.text) == {"login": MSG_SIGN_IN_FAILED}

    page = await admin.get(f"/admin/staff/{user_id}")
    assert "Đã khóa" in text_of(page.text, "main .meta")[0]
    listing = await admin.get("/admin/staff/", params={"q": form["login"]})
    assert "Đã khóa" in text_of(listing.text, "ul.staff a.item")[0]

    r = await post_form(admin, f"/admin/staff/{user_id}/activate")
    assert r.status_code == 303
    assert (await post_login(other_client, form["login"], PASSWORD)).status_code == 303


async def test_reset_password(
    admin: Client, other_client: Client, agency_id: int, counter_id: int
) -> None:
    form = staff_form(Role.LEADER, agency_id, counter_id)
    user_id = await create(admin, form)
    assert (await post_login(other_client, form["login"], PASSWORD)).status_code == 303

    r = await post_form(admin, f"/admin/staff/{user_id}/password", password="ngan")
    assert r.status_code == 422
    assert field_errors(r.text) == {"password": MSG_PASSWORD}

    r = await post_form(admin, f"/admin/staff/{user_id}/password", password="mat-khau-moi-2025")
    assert r.status_code == 303
    assert r.headers["location"] == f"/admin/staff/{user_id}?ok=password"
    assert await AuthSession.count().where(AuthSession.user == user_id) == 0
    other_client.cookies.clear()
    assert (await post_login(other_client, form["login"], PASSWORD)).status_code == 422
    assert (await post_login(other_client, form["login"], "mat-khau-moi-2025")).status_code == 303


async def test_an_inactive_counter_cannot_be_given(
    admin: Client, agency_id: int, counter_id: int
) -> None:
    await Counter.update({Counter.active: False}).where(Counter.id == counter_id)
    page = await admin.get("/admin/staff/new")
    offered = [str(o["value"]) for o in soup(page.text).select('select[name="counter"] option')]
    assert str(counter_id) not in offered
    r = await post_form(
        admin, "/admin/staff/new", **staff_form(Role.COUNTER, agency_id, counter_id)
    )
    assert r.status_code == 422
    assert field_errors(r.text) == {"counter": "Quầy này không có hoặc đã ngừng hoạt động."}


# --- a long list -------------------------------------------------------------------------------


async def test_the_list_has_pages_of_50(admin: Client) -> None:
    """The list used to stop silently at 1,000 accounts; now it says how many and pages on."""
    logins = [new_login("pg") for _ in range(55)]
    mark = logins[0].rstrip("0123456789")  # "pg<pid>x": in every one of them
    await User.insert(
        *[
            User(
                login=login,
                password_hash="!",
                full_name=f"Nguyễn Văn Phân Trang {i:02d}",
                role=Role.MANAGER.value,
                created_at=datetime.now(UTC),
            )
            for i, login in enumerate(logins, start=1)
        ]
    )
    first = await admin.get("/admin/staff/", params={"q": mark})
    assert text_of(first.text, "p.count") == ["55 tài khoản"]
    names = text_of(first.text, "ul.staff a.item strong")
    assert names == [f"Nguyễn Văn Phân Trang {i:02d}" for i in range(1, 51)]
    link = soup(first.text).select_one('nav.pager a[rel="next"]')
    assert link is not None and "Trang sau" in link.get_text()
    second = await admin.get("/admin/staff/" + str(link["href"]))
    assert text_of(second.text, "ul.staff a.item strong") == [
        f"Nguyễn Văn Phân Trang {i:02d}" for i in range(51, 56)
    ]
    assert soup(second.text).select_one('nav.pager a[rel="next"]') is None
    assert soup(second.text).select_one('nav.pager a[rel="prev"]') is not None
