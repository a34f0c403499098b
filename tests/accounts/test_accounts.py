"""Accounts as a citizen meets them: registration, sign-in, sessions, throttling, API tokens."""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar

from backend.access.roles import Role
from backend.accounts import passwords, services
from backend.accounts.tables import AuthSession, User
from tests.helpers import (
    Client,
    another_client,
    csrf,
    field_errors,
    form_value,
    new_phone,
    post_login,
    register,
)

PASSWORD = "matkhau-an-toan"
OTHER_IP = "198.51.100.9"

MSG_PHONE = "Số điện thoại không đúng. Số di động Việt Nam có 10 chữ số, ví dụ 0912 345 678."
MSG_PHONE_MISSING = "Vui lòng nhập số điện thoại di động."
MSG_NAME_MISSING = "Vui lòng nhập họ và tên."
MSG_PASSWORD_SHORT = "Mật khẩu cần ít nhất 8 ký tự."
MSG_PASSWORDS_DIFFER = "Hai mật khẩu không giống nhau."
MSG_CCCD_LENGTH = "Số định danh cá nhân gồm đúng 12 chữ số."
MSG_CCCD_PROVINCE = "Số định danh cá nhân không đúng: ba số đầu là mã tỉnh nơi đăng ký khai sinh."
MSG_DUPLICATE = "Số điện thoại hoặc tên đăng nhập này đã có tài khoản. Hãy đăng nhập."
MSG_BAD_LOGIN = "Số điện thoại/tên đăng nhập hoặc mật khẩu không đúng."
MSG_EMPTY_LOGIN = "Vui lòng nhập số điện thoại và mật khẩu."
# The wait is what the sliding window needs to drop below the limit: at most two windows.
MSG_LOCKED = re.compile(
    r"^Bạn đã nhập sai nhiều lần\. Vì an toàn, vui lòng thử lại sau (\d+) phút\.$"
)


def is_locked_message(text: str) -> bool:
    found = MSG_LOCKED.match(text)
    return found is not None and 1 <= int(found.group(1)) <= 30


MSG_SIGN_IN = "Vui lòng đăng nhập."


# --- helpers -----------------------------------------------------------------------------------


async def make_citizen(name: str = "Đỗ Thị Mai") -> str:
    """A citizen account made directly by the service (no session), its phone proven;
    returns the phone."""
    phone = new_phone()
    user = await services.create_user(
        role=Role.CITIZEN, login=phone, password=PASSWORD, full_name=name
    )
    await User.update({User.phone_verified_at: user.created_at}).where(User.id == user.id)
    return phone


async def login_token(client: Client, login: str, password: str = PASSWORD) -> str:
    r = await post_login(client, login, password)
    assert r.status_code == 303, r.text
    return r.cookies["mc_session"]


async def cookie_works(app: Litestar, token: str) -> bool:
    """Does a browser holding only this session cookie get "Hồ sơ của tôi"?"""
    async with another_client(app) as c:
        c.cookies.set("mc_session", token)
        r = await c.get("/my/dossiers", follow_redirects=False)
    if r.status_code == 303:
        assert r.headers["location"].startswith("/login")
        return False
    assert r.status_code == 200, r.text
    assert "Đăng xuất" in r.text
    return True


def session_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_cookie_header(response: httpx.Response, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


class _AsyncioWithoutSleep:
    """Stands in for `asyncio` inside backend.accounts.services: records the slow-downs."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        self.delays.append(delay)
        return result


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> _AsyncioWithoutSleep:
    """Throttling tests stay quick: no waiting between attempts."""
    fake = _AsyncioWithoutSleep()
    monkeypatch.setattr(services, "asyncio", fake)
    return fake


# --- registration ------------------------------------------------------------------------------


def registration_form(**overrides: str) -> dict[str, str]:
    form = {
        "phone": new_phone(),
        "full_name": "Phạm Thị Hoa",
        "citizen_id": "037190000123",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        pytest.param({"phone": "0123"}, "phone", MSG_PHONE, id="phone-too-short"),
        pytest.param({"phone": "0229 3871 234"}, "phone", MSG_PHONE, id="landline-ninh-binh"),
        pytest.param({"phone": "024 3825 1234"}, "phone", MSG_PHONE, id="landline-ha-noi"),
        pytest.param({"phone": "0912 345 67"}, "phone", MSG_PHONE, id="mobile-9-digits"),
        pytest.param({"phone": ""}, "phone", MSG_PHONE_MISSING, id="phone-missing"),
        pytest.param({"full_name": "   "}, "full_name", MSG_NAME_MISSING, id="name-blank"),
        pytest.param(
            {"password": "abc1234", "password_again": "abc1234"},
            "password",
            MSG_PASSWORD_SHORT,
            id="password-7-chars",
        ),
        pytest.param(
            {"password_again": "matkhau-khac-han"},
            "password_again",
            MSG_PASSWORDS_DIFFER,
            id="passwords-differ",
        ),
        pytest.param({"citizen_id": "03719000012"}, "citizen_id", MSG_CCCD_LENGTH, id="cccd-11"),
        pytest.param({"citizen_id": "0371900001234"}, "citizen_id", MSG_CCCD_LENGTH, id="cccd-13"),
        pytest.param(
            {"citizen_id": "03719000012A"}, "citizen_id", MSG_CCCD_LENGTH, id="cccd-letter"
        ),
        pytest.param(
            {"citizen_id": "000190000123"}, "citizen_id", MSG_CCCD_PROVINCE, id="cccd-province-000"
        ),
        pytest.param(
            {"citizen_id": "097190000123"}, "citizen_id", MSG_CCCD_PROVINCE, id="cccd-province-097"
        ),
    ],
)
async def test_registration_error_is_shown_beside_its_field(
    client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    form = registration_form(**overrides)
    users_before = await User.count()
    r = await client.post(
        "/register", data={"_csrf_token": await csrf(client), **form}, follow_redirects=False
    )
    assert r.status_code == 422
    assert field_errors(r.text, marked_invalid=True) == {field: message}
    # What was typed is kept, except the passwords.
    for kept in ("phone", "full_name", "citizen_id"):
        assert form_value(r.text, kept) == form[kept]
    assert form_value(r.text, "password") == ""
    assert form_value(r.text, "password_again") == ""
    assert PASSWORD not in r.text
    assert "mc_session" not in r.cookies
    assert await User.count() == users_before


async def test_registration_shows_every_error_at_once(client: Client) -> None:
    form = registration_form(
        phone="0123", full_name="", citizen_id="000190000123", password="ngan", password_again="x"
    )
    r = await client.post(
        "/register", data={"_csrf_token": await csrf(client), **form}, follow_redirects=False
    )
    assert r.status_code == 422
    errors = field_errors(r.text, marked_invalid=True)
    assert errors.keys() >= {"phone", "full_name", "citizen_id", "password"}
    assert errors["phone"] == MSG_PHONE
    assert errors["citizen_id"] == MSG_CCCD_PROVINCE
    assert errors["password"] == MSG_PASSWORD_SHORT


async def test_registration_refuses_a_phone_that_already_has_an_account(
    client: Client, app: Litestar
) -> None:
    phone = await register(client)
    written_otherwise = f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}"
    async with another_client(app) as second:
        form = registration_form(phone=written_otherwise, full_name="Người Khác")
        r = await second.post(
            "/register", data={"_csrf_token": await csrf(second), **form}, follow_redirects=False
        )
    assert r.status_code == 422
    assert field_errors(r.text, marked_invalid=True) == {"phone": MSG_DUPLICATE}
    assert form_value(r.text, "phone") == written_otherwise
    assert form_value(r.text, "full_name") == "Người Khác"
    assert "mc_session" not in r.cookies
    assert await User.count().where(User.login == phone) == 1
    row = await User.select(User.full_name).where(User.login == phone).first()
    assert row == {"full_name": "Lê Văn Test"}


@pytest.mark.parametrize(
    "written",
    [
        "+84 {a} {b} {c}",
        "0{a}.{b}.{c}",
        "84{a}{b}{c}",
        "+84{a}{b}{c}",
        "(0{a}) {b}-{c}",
        " 0{a} {b} {c} ",
    ],
)
async def test_registration_normalises_the_phone_number(
    client: Client, app: Litestar, written: str
) -> None:
    phone = new_phone()
    typed = written.format(a=phone[1:4], b=phone[4:7], c=phone[7:])
    r = await client.post(
        "/register",
        data={"_csrf_token": await csrf(client), **registration_form(phone=typed)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    row = (
        await User.select(User.login, User.phone, User.role, User.citizen_id)
        .where(User.login == phone)
        .first()
    )
    # The ID number typed (037190000123) is kept masked: nothing needs it in full.
    assert row == {
        "login": phone,
        "phone": phone,
        "role": "citizen",
        "citizen_id": "********0123",
    }
    # Signing in later works with the number written plainly.
    async with another_client(app) as second:
        assert (await post_login(second, phone)).status_code == 303


async def test_password_is_stored_as_an_argon2_hash(client: Client) -> None:
    phone = await register(client)
    row = await User.select(User.password_hash).where(User.login == phone).first()
    assert row is not None
    stored = row["password_hash"]
    assert stored.startswith("$argon2")
    assert "matkhau-an-toan" not in stored
    assert PasswordHasher().verify(stored, "matkhau-an-toan")


def test_production_hashing_keeps_the_full_argon2_cost() -> None:
    """The suite runs with PASSWORD_HASH_COST=test; production must keep argon2id at 64 MiB
    and 3 passes, and a cheap hash is upgraded at the next sign-in."""
    stored = passwords.PRODUCTION.hash("matkhau-an-toan")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.PRODUCTION.verify(stored, "matkhau-an-toan")
    assert passwords.PRODUCTION.check_needs_rehash(passwords.CHEAP.hash("matkhau-an-toan"))
    assert passwords.hasher() is passwords.CHEAP


async def test_registration_signs_the_citizen_in(client: Client) -> None:
    await register(client, name="Vũ Thị Thu")
    assert "mc_session" in client.cookies
    r = await client.get("/my/dossiers")
    assert r.status_code == 200
    assert "Đăng xuất" in r.text


# --- signing in and out ------------------------------------------------------------------------


async def test_login_sets_an_httponly_session_cookie(client: Client) -> None:
    phone = await make_citizen()
    r = await post_login(client, phone)
    assert r.status_code == 303
    assert r.headers["location"] == "/my/dossiers"
    header = set_cookie_header(r, "mc_session").lower()
    assert "httponly" in header
    assert "samesite=lax" in header
    assert "path=/" in header
    page = await client.get("/my/dossiers")
    assert page.status_code == 200
    assert "Đăng xuất" in page.text


@pytest.mark.parametrize(
    ("login", "password", "message"),
    [
        pytest.param("{phone}", "mat-khau-sai", MSG_BAD_LOGIN, id="wrong-password"),
        pytest.param("0389999999", PASSWORD, MSG_BAD_LOGIN, id="unknown-phone"),
        pytest.param("nguoi-la", PASSWORD, MSG_BAD_LOGIN, id="unknown-staff-login"),
        pytest.param("{phone}", "", MSG_EMPTY_LOGIN, id="empty-password"),
        pytest.param("", PASSWORD, MSG_EMPTY_LOGIN, id="empty-login"),
    ],
)
async def test_failed_login_says_why_beside_the_login_field(
    client: Client, login: str, password: str, message: str
) -> None:
    phone = await make_citizen()
    typed = login.format(phone=phone)
    sessions_before = await AuthSession.count()
    r = await post_login(client, typed, password)
    assert r.status_code == 422
    assert field_errors(r.text, marked_invalid=True) == {"login": message}
    assert form_value(r.text, "login") == typed
    assert form_value(r.text, "password") == ""
    assert "mc_session" not in r.cookies
    assert await AuthSession.count() == sessions_before


async def test_session_id_changes_at_every_login(client: Client, app: Litestar) -> None:
    phone = await make_citizen()
    first = await login_token(client, phone)
    async with another_client(app) as phone_two:
        second = await login_token(phone_two, phone)
    assert first != second
    assert await cookie_works(app, first)
    assert await cookie_works(app, second)

    r = await client.post(
        "/logout", data={"_csrf_token": await csrf(client)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert not await cookie_works(app, first)
    assert await cookie_works(app, second)  # the other device stays signed in

    third = await login_token(client, phone)
    assert third not in (first, second)
    # Signing in again while signed in (a fixated or shared cookie) replaces the session.
    fourth = await login_token(client, phone)
    assert fourth != third
    assert not await cookie_works(app, third)
    assert await cookie_works(app, fourth)


async def test_logout_deletes_the_session_row(client: Client) -> None:
    phone = await make_citizen()
    token = await login_token(client, phone)
    digest = session_digest(token)
    assert await AuthSession.count().where(AuthSession.token_hash == digest) == 1
    assert await AuthSession.count().where(AuthSession.token_hash == token) == 0  # only a hash

    r = await client.post(
        "/logout", data={"_csrf_token": await csrf(client)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert await AuthSession.count().where(AuthSession.token_hash == digest) == 0
    assert "mc_session" not in client.cookies
    page = await client.get("/")
    assert "Đăng xuất" not in page.text
    assert "Đăng nhập" in page.text


@pytest.mark.parametrize(
    ("method", "path", "form"),
    [
        ("GET", "/", None),
        ("GET", "/login", None),
        ("GET", "/register", None),
        ("GET", "/procedures?q=ho+chieu", None),
        ("GET", "/offline", None),
        ("POST", "/login", {"login": "0389999998", "password": "sai-mat-khau"}),
        ("POST", "/register", {"phone": "0123", "full_name": "", "password": "x"}),
    ],
)
async def test_anonymous_visits_create_no_session(
    client: Client, method: str, path: str, form: dict[str, str] | None
) -> None:
    before = await AuthSession.count()
    if form is None:
        r = await client.get(path)
        assert r.status_code == 200
    else:
        r = await client.post(path, data={"_csrf_token": await csrf(client), **form})
        assert r.status_code == 422
    assert "mc_session" not in r.cookies
    assert "mc_session" not in client.cookies
    assert await AuthSession.count() == before


# --- throttling --------------------------------------------------------------------------------


async def test_five_failures_lock_that_phone_but_not_others(
    client: Client, no_sleep: _AsyncioWithoutSleep
) -> None:
    victim, neighbour = await make_citizen(), await make_citizen()
    for _ in range(5):
        r = await post_login(client, victim, "doan-mo-sai")
        assert r.status_code == 422
        assert field_errors(r.text, marked_invalid=True) == {"login": MSG_BAD_LOGIN}
    # Each failure made the next try slower.
    assert len(no_sleep.delays) == 4
    assert all(a < b for a, b in zip(no_sleep.delays, no_sleep.delays[1:], strict=False))

    r = await post_login(client, victim, PASSWORD)  # the right password, too late
    assert r.status_code == 429
    assert is_locked_message(field_errors(r.text, marked_invalid=True)["login"])
    assert form_value(r.text, "login") == victim
    assert "mc_session" not in r.cookies

    # Written another way, it is still the same phone.
    r = await post_login(client, f"+84 {victim[1:]}", PASSWORD)
    assert r.status_code == 429

    # The API refuses it too.
    r = await client.post("/api/v1/auth/token", json={"login": victim, "password": PASSWORD})
    assert r.status_code == 429
    assert is_locked_message(r.json()["detail"])

    # Someone else signing in from the same address is not affected.
    r = await post_login(client, neighbour, PASSWORD)
    assert r.status_code == 303
    assert "mc_session" in r.cookies


async def test_a_successful_login_forgets_earlier_failures(
    client: Client, app: Litestar, no_sleep: _AsyncioWithoutSleep
) -> None:
    phone = await make_citizen()
    for _ in range(4):
        assert (await post_login(client, phone, "doan-mo-sai")).status_code == 422
    assert (await post_login(client, phone)).status_code == 303
    async with another_client(app) as c:
        for _ in range(4):
            assert (await post_login(c, phone, "doan-mo-sai")).status_code == 422
        assert (await post_login(c, phone)).status_code == 303


async def test_thirty_failures_lock_the_address_only(
    client: Client, app: Litestar, no_sleep: _AsyncioWithoutSleep
) -> None:
    phone = await make_citizen()
    for _ in range(29):
        r = await post_login(client, new_phone(), "doan-mo-sai")  # a different phone each time
        assert r.status_code == 422
    # 29 failures: the address is still allowed; a good sign-in does not reset the address count.
    assert (await post_login(client, phone)).status_code == 303
    async with another_client(app) as same_ip:
        assert (await post_login(same_ip, new_phone(), "doan-mo-sai")).status_code == 422
        r = await post_login(same_ip, phone)
        assert r.status_code == 429
        assert is_locked_message(field_errors(r.text, marked_invalid=True)["login"])
        r = await same_ip.post("/api/v1/auth/token", json={"login": phone, "password": PASSWORD})
        assert r.status_code == 429
    async with another_client(app, ip=OTHER_IP) as elsewhere:
        r = await post_login(elsewhere, phone)
        assert r.status_code == 303
        assert "mc_session" in r.cookies


# --- where to go after signing in --------------------------------------------------------------

FOREIGN_NEXT = [
    "//evil.example",
    "//evil.example/my/dossiers",
    "https://evil.example",
    "http://evil.example/login",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("next_url", FOREIGN_NEXT)
async def test_login_does_not_follow_next_to_another_site(client: Client, next_url: str) -> None:
    phone = await make_citizen()
    r = await post_login(client, phone, next=next_url)
    assert r.status_code == 303
    assert r.headers["location"] == "/my/dossiers"
    # Already signed in, the login page redirects too: still not off-site.
    r = await client.get("/login", params={"next": next_url}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/my/dossiers"


@pytest.mark.parametrize("next_url", FOREIGN_NEXT[:3])
async def test_registration_does_not_follow_next_to_another_site(
    client: Client, next_url: str
) -> None:
    form = registration_form(next=next_url)
    r = await client.post(
        "/register", data={"_csrf_token": await csrf(client), **form}, follow_redirects=False
    )
    assert r.status_code == 303
    # The next screen asks for the code, then goes on to the citizen's own page.
    assert r.headers["location"] == "/verify-phone?next=/my/dossiers"


async def test_login_follows_next_on_this_site(client: Client) -> None:
    phone = await make_citizen()
    page = await client.get("/login", params={"next": "/procedures?q=ho+chieu"})
    assert form_value(page.text, "next") == "/procedures?q=ho+chieu"
    r = await post_login(client, phone, next="/procedures?q=ho+chieu")
    assert r.status_code == 303
    assert r.headers["location"] == "/procedures?q=ho+chieu"


# --- API tokens --------------------------------------------------------------------------------


async def api_token(client: Client, login: str, password: str = PASSWORD) -> str:
    r = await client.post("/api/v1/auth/token", json={"login": login, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def test_api_token_lifecycle(client: Client) -> None:
    phone = await make_citizen(name="Hoàng Văn Nam")
    r = await client.post(
        "/api/v1/auth/token", json={"login": f"+84 {phone[1:]}", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "citizen"
    assert body["full_name"] == "Hoàng Văn Nam"
    assert body["expires_in"] > 0
    assert "mc_session" not in r.cookies
    bearer = {"Authorization": f"Bearer {body['access_token']}"}

    r = await client.get("/api/v1/dossiers", headers=bearer)
    assert r.status_code == 200
    assert r.json() == []

    r = await client.post("/api/v1/auth/logout", headers=bearer)
    assert r.status_code == 204
    r = await client.get("/api/v1/dossiers", headers=bearer)
    assert r.status_code == 401
    assert r.json()["detail"] == MSG_SIGN_IN


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer khong-phai-token"}, id="made-up-token"),
        pytest.param({"Authorization": "Bearer "}, id="empty-token"),
        pytest.param({"Authorization": "Bearer " + "x" * 500}, id="huge-token"),
    ],
)
async def test_api_refuses_requests_without_a_valid_token(
    client: Client, headers: dict[str, str]
) -> None:
    r = await client.get("/api/v1/dossiers", headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["detail"] == MSG_SIGN_IN


@pytest.mark.parametrize(
    ("login", "password"),
    [
        pytest.param("{phone}", "mat-khau-sai", id="wrong-password"),
        pytest.param("0389999997", PASSWORD, id="unknown-phone"),
    ],
)
async def test_api_wrong_credentials_answer_401_in_vietnamese(
    client: Client, login: str, password: str
) -> None:
    phone = await make_citizen()
    r = await client.post(
        "/api/v1/auth/token", json={"login": login.format(phone=phone), "password": password}
    )
    assert r.status_code == 401
    assert r.json()["detail"] == MSG_BAD_LOGIN
    assert "access_token" not in r.json()


async def test_web_and_api_tokens_are_not_interchangeable(client: Client, app: Litestar) -> None:
    phone = await make_citizen()
    web = await login_token(client, phone)
    async with another_client(app) as c:
        api = await api_token(c, phone)
        r = await c.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {web}"})
        assert r.status_code == 401
    assert not await cookie_works(app, api)
    assert await cookie_works(app, web)
