"""Signing in with the national electronic identity, end to end against the real npm
`oidc-provider` (tests/accounts/oidc/provider.mjs): the app in this process, the provider on a
loopback port, the person's browser played by httpx on both sides."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlsplit

import httpx
from litestar import Litestar

from backend.access.roles import Role
from backend.accounts.oidc import flow
from backend.accounts.oidc.linking import LOGIN_PREFIX, personal_id_hash
from backend.accounts.oidc.pages import STATE_COOKIE
from backend.accounts.tables import AuthSession, OidcIdentity, OidcLogin, OidcSession, User
from backend.lib.clock import utcnow
from backend.settings import Settings
from tests.accounts.oidc.provider import (
    RunningProvider,
    log_in_at_provider,
    path_of,
    provider_sign_out,
)
from tests.helpers import Client, another_client, make_user, new_phone, post_form, soup, text_of

BUTTON = "Đăng nhập bằng tài khoản định danh điện tử"
_ids = itertools.count(1)


def new_personal_id() -> str:
    return f"0371{next(_ids):08d}"


def international(phone: str) -> str:
    """How providers write a phone number (E.164)."""
    return "+84" + phone[1:]


async def start(client: Client, next_url: str = "") -> str:
    r = await client.get(
        "/auth/oidc/start", params={"next": next_url} if next_url else None, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


async def come_back(client: Client, settings: Settings, login: str, next_url: str = "") -> str:
    """Start at the app, log in at the provider; the callback URL the provider sends back."""
    authorization_url = await start(client, next_url)
    return await log_in_at_provider(authorization_url, login, settings.base_url)


async def sign_in_with_identity(
    client: Client, settings: Settings, login: str, next_url: str = ""
) -> httpx.Response:
    callback = await come_back(client, settings, login, next_url)
    return await client.get(path_of(callback), follow_redirects=False)


async def signed_in_user(client: Client) -> int:
    token = client.cookies.get("mc_session")
    assert token, "not signed in"
    from backend.accounts.services import user_for_token

    user = await user_for_token(token, "web")
    assert user is not None
    return user.id


def refusal(r: httpx.Response) -> str:
    assert r.status_code in (400, 403, 502), (r.status_code, r.text[:500])
    assert text_of(r.text, "h1") == ["Chưa đăng nhập được"]
    (message,) = text_of(r.text, ".alert.bad")
    assert soup(r.text).select_one('a[href="/login"]') is not None
    return message


# --- configuration -----------------------------------------------------------------------------


async def test_nothing_shows_without_an_issuer(client: Client) -> None:
    for page in ("/login", "/register"):
        r = await client.get(page)
        assert BUTTON not in r.text
        assert soup(r.text).select_one('a[href^="/auth/oidc/"]') is None
    for route in ("/auth/oidc/start", "/auth/oidc/callback?state=x&code=y"):
        assert (await client.get(route, follow_redirects=False)).status_code == 404


async def test_the_button_on_the_sign_in_and_register_pages(
    client: Client, oidc_settings: Settings
) -> None:
    for page, href in (
        ("/login?next=/inbox", "/auth/oidc/start?next=/inbox"),
        ("/register", "/auth/oidc/start"),
    ):
        r = await client.get(page)
        link = soup(r.text).select_one("a.oidc")
        assert link is not None, page
        assert " ".join(link.get_text().split()) == BUTTON
        assert link["href"] == href
        # The provider is another site: a boosted (XHR) navigation could not follow it.
        assert link["hx-boost"] == "false"


async def test_start_sends_the_browser_to_the_provider_with_pkce(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    location = await start(client)
    assert location.startswith(oidc_provider.issuer + "/")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == oidc_provider.client_id
    assert query["redirect_uri"] == oidc_settings.base_url + "/auth/oidc/callback"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert set(query["scope"].split()) == {"openid", "profile", "phone"}
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    # The browser holds its half of the state; the server keeps only a hash of it.
    assert client.cookies.get(STATE_COOKIE) == query["state"]
    assert await flow.is_pending(query["state"])
    assert not await OidcLogin.exists().where(OidcLogin.state_hash == query["state"])


# --- accounts ----------------------------------------------------------------------------------


async def test_first_sign_in_creates_an_account_and_the_next_one_reuses_it(
    app: Litestar, client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    phone, number = new_phone(), new_personal_id()
    login = oidc_provider.add(
        f"person-{next(_ids)}",
        name="Nguyễn Thị Định Danh",
        personal_id=number,
        phone_number=international(phone),
        phone_number_verified=True,
    )
    r = await sign_in_with_identity(client, oidc_settings, login, next_url="/inbox")
    assert r.status_code == 303, r.text
    # A phone verified by the provider is proven: no code to type.
    assert r.headers["location"] == "/inbox"
    assert STATE_COOKIE not in client.cookies
    user_id = await signed_in_user(client)
    page = await client.get("/my/dossiers")
    assert page.status_code == 200
    assert "Đăng xuất" in page.text

    user = await User.select().where(User.id == user_id).first()
    assert user is not None
    assert user["role"] == Role.CITIZEN.value
    assert user["login"] == phone and user["phone"] == phone
    assert user["phone_verified_at"] is not None
    assert user["full_name"] == "Nguyễn Thị Định Danh"
    assert user["citizen_id"] is None  # not kept in full
    identity = await OidcIdentity.select().where(OidcIdentity.user == user_id).first()
    assert identity is not None
    assert identity["issuer"] == oidc_provider.issuer and identity["subject"] == login
    assert identity["personal_id_last4"] == number[-4:]
    assert identity["personal_id_hash"] == personal_id_hash(number, oidc_settings.secret_key)
    assert number not in str(identity)

    async with another_client(app, "203.0.113.8") as other:
        again = await sign_in_with_identity(other, oidc_settings, login)
        assert again.status_code == 303
        assert again.headers["location"] == "/my/dossiers"
        assert await signed_in_user(other) == user_id
    assert await OidcIdentity.count().where(OidcIdentity.subject == login) == 1
    assert await User.count().where(User.phone == phone) == 1


async def test_a_personal_id_given_by_the_provider_finds_the_account_again(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    number, phone = new_personal_id(), new_phone()
    existing = await make_user(Role.CITIZEN, phone, phone_verified_at=utcnow())
    first = oidc_provider.add(
        f"id-{number}",
        name="Trần Văn B",
        personal_id=number,
        phone_number=international(phone),
        phone_number_verified=True,
    )
    await sign_in_with_identity(client, oidc_settings, first)
    assert await signed_in_user(client) == existing.id  # by the verified phone
    # A second identity (another subject) asserting the number finds the account again.
    other = oidc_provider.add(f"id2-{number}", personal_id=number)
    client.cookies.clear()
    r = await sign_in_with_identity(client, oidc_settings, other)
    assert r.status_code == 303
    assert await signed_in_user(client) == existing.id


async def test_an_id_number_typed_at_registration_is_never_believed(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    """Somebody who typed another person's number and proved a phone of their own must not
    receive that person's first sign-in."""
    number = new_personal_id()
    squatter = await make_user(
        Role.CITIZEN, new_phone(), citizen_id=number, phone_verified_at=utcnow()
    )
    login = oidc_provider.add(f"squat-{number}", personal_id=number)
    await sign_in_with_identity(client, oidc_settings, login)
    signed = await signed_in_user(client)
    assert signed is not None and signed != squatter.id


async def test_linked_to_the_account_with_the_same_verified_phone(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    phone = new_phone()
    existing = await make_user(Role.CITIZEN, phone, phone_verified_at=utcnow())
    login = oidc_provider.add(
        f"phone-{phone}",
        personal_id=new_personal_id(),
        phone_number=international(phone),
        phone_number_verified=True,
    )
    r = await sign_in_with_identity(client, oidc_settings, login)
    assert r.status_code == 303
    assert await signed_in_user(client) == existing.id


async def test_an_unverified_phone_links_nothing(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    phone = new_phone()
    existing = await make_user(Role.CITIZEN, phone, phone_verified_at=utcnow())
    login = oidc_provider.add(
        f"unverified-{phone}", phone_number=international(phone), phone_number_verified=False
    )
    r = await sign_in_with_identity(client, oidc_settings, login)
    assert r.status_code == 303
    user_id = await signed_in_user(client)
    assert user_id != existing.id
    created = await User.select().where(User.id == user_id).first()
    assert created is not None
    # A new account, whose number is not proven (and whose login leaves the number free).
    assert created["login"].startswith(LOGIN_PREFIX)
    assert created["phone"] == phone and created["phone_verified_at"] is None
    assert r.headers["location"].startswith("/verify-phone")


async def test_staff_accounts_are_never_linked(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    phone = new_phone()
    officer = await make_user(Role.MANAGER, f"quanly-{phone}")
    await User.update({User.phone: phone, User.phone_verified_at: utcnow()}).where(
        User.id == officer.id
    )
    login = oidc_provider.add(
        f"staff-{phone}", phone_number=international(phone), phone_number_verified=True
    )
    await sign_in_with_identity(client, oidc_settings, login)
    assert await signed_in_user(client) != officer.id


# --- refusals ----------------------------------------------------------------------------------


async def test_a_replayed_state_is_refused(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    login = oidc_provider.add(f"replay-{next(_ids)}", personal_id=new_personal_id())
    callback = await come_back(client, oidc_settings, login)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    assert (await client.get(path_of(callback), follow_redirects=False)).status_code == 303
    sessions = await AuthSession.count()
    # The same answer again, cookie and all (a copied URL, a captured request).
    client.cookies.set(STATE_COOKIE, state, path="/auth/oidc")
    replay = await client.get(path_of(callback), follow_redirects=False)
    assert "đã được dùng" in refusal(replay)
    assert await AuthSession.count() == sessions


async def test_a_state_from_another_browser_is_refused(
    app: Litestar, client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    login = oidc_provider.add(f"elsewhere-{next(_ids)}", personal_id=new_personal_id())
    callback = await come_back(client, oidc_settings, login)
    async with another_client(app, "198.51.100.9") as victim:
        r = await victim.get(path_of(callback), follow_redirects=False)
        refusal(r)
        assert "mc_session" not in victim.cookies
    # Nor may it be used afterwards by the browser that started it, with a wrong state.
    r = await client.get(path_of(callback).replace("state=", "state=x"), follow_redirects=False)
    refusal(r)


async def test_a_token_for_another_nonce_is_refused(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    """The provider signs a real ID token with the nonce it was given; the app expects
    another one (as if an ID token of another sign-in was injected)."""
    login = oidc_provider.add(f"nonce-{next(_ids)}", personal_id=new_personal_id())
    authorization_url = await start(client)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    await OidcLogin.update({OidcLogin.nonce: "not-the-nonce-sent"}).where(
        OidcLogin.state_hash == flow._sha256(state)
    )
    callback = await log_in_at_provider(authorization_url, login, oidc_settings.base_url)
    r = await client.get(path_of(callback), follow_redirects=False)
    assert "không hợp lệ" in refusal(r)
    assert "mc_session" not in client.cookies


async def test_the_provider_s_error_is_explained(client: Client, oidc_settings: Settings) -> None:
    authorization_url = await start(client)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    r = await client.get(
        "/auth/oidc/callback",
        params={"state": state, "error": "access_denied", "error_description": "cancelled"},
        follow_redirects=False,
    )
    assert refusal(r) == "Bạn đã huỷ đăng nhập bằng tài khoản định danh điện tử."
    authorization_url = await start(client)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    r = await client.get(
        "/auth/oidc/callback",
        params={"state": state, "error": "temporarily_unavailable"},
        follow_redirects=False,
    )
    assert "temporarily_unavailable" in refusal(r)


async def test_a_forged_code_is_refused(client: Client, oidc_settings: Settings) -> None:
    authorization_url = await start(client)
    state = parse_qs(urlsplit(authorization_url).query)["state"][0]
    r = await client.get(
        "/auth/oidc/callback", params={"state": state, "code": "forged"}, follow_redirects=False
    )
    refusal(r)


async def test_a_provider_that_does_not_answer(
    client: Client, oidc_settings: Settings, monkeypatch: object
) -> None:
    import dataclasses

    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    gone = dataclasses.replace(oidc_settings, oidc_issuer="http://127.0.0.1:9")
    monkeypatch.setattr(flow, "get_settings", lambda: gone)
    r = await client.get("/auth/oidc/start", follow_redirects=False)
    assert r.status_code == 502
    assert "Chưa kết nối được" in refusal(r)


# --- signing out -------------------------------------------------------------------------------


async def test_sign_out_ends_the_provider_s_session_too(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    login = oidc_provider.add(f"out-{next(_ids)}", personal_id=new_personal_id())
    await sign_in_with_identity(client, oidc_settings, login)
    token = client.cookies["mc_session"]
    assert await OidcSession.count().where(OidcSession.session.token_hash.is_not_null()) >= 1
    r = await post_form(client, "/logout")
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith(oidc_provider.issuer + "/session/end?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["post_logout_redirect_uri"] == oidc_settings.base_url + "/"
    assert query["id_token_hint"].count(".") == 2
    # The local session has ended (and the kept ID token with it).
    from backend.accounts.services import _digest

    assert not await AuthSession.exists().where(AuthSession.token_hash == _digest(token))
    assert not await OidcSession.exists().where(OidcSession.id_token == query["id_token_hint"])
    mine = await client.get("/my/dossiers", follow_redirects=False)
    assert mine.headers["location"].startswith("/login")
    # The provider recognises its token and sends the browser back to the home page.
    back = await provider_sign_out(location, oidc_settings.base_url)
    assert back == oidc_settings.base_url + "/"


def test_the_sign_out_form_may_lead_to_the_provider() -> None:
    """Browsers check form-action on each redirect of a form's navigation: the sign-out form's
    answer goes to the provider's end-session page, so its origin is allowed (and nothing else
    the setting could smuggle into the policy)."""
    from backend.lib.web import content_security_policy

    assert b"form-action 'self' https://id.example.gov.vn;" in content_security_policy(
        "https://id.example.gov.vn/realms/vneid"
    )
    assert b"form-action 'self';" in content_security_policy("")
    assert b"evil" not in content_security_policy("https://a;script-src evil")


async def test_a_phone_verified_by_the_provider_brings_its_walk_in_dossiers(
    app: Litestar, client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    """As good as a code typed back: what the counter filed for that number becomes the
    account's; a number the provider did not verify brings nothing."""
    from tests.dossiers.test_claims import walk_in

    verified, unverified = new_phone(), new_phone()
    async with another_client(app, "198.51.100.83") as counter:
        mine = await walk_in(counter, verified)
        not_yet = await walk_in(counter, unverified)
    login = oidc_provider.add(
        f"walkin-{next(_ids)}", phone_number=international(verified), phone_number_verified=True
    )
    await sign_in_with_identity(client, oidc_settings, login)
    assert mine["code"] in (await client.get("/my/dossiers")).text

    client.cookies.clear()
    other = oidc_provider.add(
        f"walkin-{next(_ids)}", phone_number=international(unverified), phone_number_verified=False
    )
    await sign_in_with_identity(client, oidc_settings, other)
    assert not_yet["code"] not in (await client.get("/my/dossiers")).text


async def test_a_deactivated_account_is_not_signed_in(
    client: Client, oidc_settings: Settings, oidc_provider: RunningProvider
) -> None:
    login = oidc_provider.add(f"locked-{next(_ids)}", personal_id=new_personal_id())
    await sign_in_with_identity(client, oidc_settings, login)
    user_id = await signed_in_user(client)
    await User.update({User.active: False}).where(User.id == user_id)
    client.cookies.clear()
    r = await sign_in_with_identity(client, oidc_settings, login)
    assert r.status_code == 403
    assert "đã bị khoá" in refusal(r)
    assert "mc_session" not in client.cookies
