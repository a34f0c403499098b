"""Only administrators use /admin/: anonymous visitors are sent to sign in, others get 403."""

from __future__ import annotations

import httpx
import pytest

from backend.access.roles import Role
from backend.accounts.services import create_user
from tests.accounts.admin_helpers import MSG_FORBIDDEN, new_login
from tests.helpers import Client, post_form, post_login, register, soup, text_of

GET_URLS = [
    "/admin/",
    "/admin/staff/",
    "/admin/staff/new",
    "/admin/staff/1",
    "/admin/staff/1/password",
    "/admin/counters/",
    "/admin/counters/1",
    "/admin/agencies/",
    "/admin/agencies/new",
    "/admin/agencies/1",
    "/admin/procedures/",
    "/admin/procedures/?q=ho+tich",
    "/admin/procedures/new",
    "/admin/procedures/1",
    "/admin/procedures/1/documents",
    "/admin/procedures/1/documents/1",
    "/admin/post-offices/",
    "/admin/post-offices/new",
    "/admin/post-offices/1",
    "/admin/postal-tariff/",
    "/admin/rating-scale/",
]
POST_URLS = [
    "/admin/staff/new",
    "/admin/staff/1",
    "/admin/staff/1/password",
    "/admin/staff/1/deactivate",
    "/admin/staff/1/activate",
    "/admin/counters/",
    "/admin/counters/1",
    "/admin/counters/1/deactivate",
    "/admin/counters/1/activate",
    "/admin/agencies/new",
    "/admin/agencies/1",
    "/admin/procedures/new",
    "/admin/procedures/1",
    "/admin/procedures/1/documents",
    "/admin/procedures/1/documents/1",
    "/admin/procedures/1/documents/1/up",
    "/admin/procedures/1/documents/1/down",
    "/admin/procedures/1/documents/1/delete",
    "/admin/post-offices/new",
    "/admin/post-offices/1",
    "/admin/postal-tariff/",
    "/admin/rating-scale/",
]
REQUESTS = [("GET", u) for u in GET_URLS] + [("POST", u) for u in POST_URLS]
# What a request would change if it got through: enough to notice a leak.
FORM = {
    "login": "khongduoc",
    "full_name": "Không được tạo",
    "role": "admin",
    "password": "matkhau-bi-mat",
    "number": "1",
    "name": "Đổi tên trái phép",
    "code": "khongduoc",
    "kind": "department",
}


async def send(client: Client, method: str, url: str) -> httpx.Response:
    if method == "GET":
        return await client.get(url, follow_redirects=False)
    return await post_form(client, url, FORM)


@pytest.mark.parametrize(("method", "url"), REQUESTS)
async def test_anonymous_is_sent_to_sign_in(client: Client, method: str, url: str) -> None:
    r = await send(client, method, url)
    assert r.status_code == 303
    location = httpx.URL(r.headers["location"])
    assert location.path == "/login"
    if method == "GET":  # (after a refused POST, sign-in leads back to the page it came from)
        assert location.params["next"].rstrip("/") == httpx.URL(url).path.rstrip("/")


@pytest.mark.parametrize(("method", "url"), REQUESTS)
async def test_citizen_is_refused(client: Client, method: str, url: str) -> None:
    await register(client)
    r = await send(client, method, url)
    assert r.status_code == 403
    assert text_of(r.text, "h1") == ["Không có quyền"]
    assert MSG_FORBIDDEN in text_of(r.text, "main p")


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.CITIZEN, Role.ADMIN)])
async def test_other_staff_are_refused(client: Client, role: Role) -> None:
    login = new_login(role.value)
    agency = "stp" if role.needs_agency else None
    await create_user(
        role=role, login=login, password="matkhau-can-bo", full_name="Cán bộ", agency_code=agency
    )
    assert (await post_login(client, login, "matkhau-can-bo")).status_code == 303
    for method, url in [("GET", "/admin/"), ("GET", "/admin/staff/"), ("POST", "/admin/staff/new")]:
        r = await send(client, method, url)
        assert r.status_code == 403, (method, url)


async def test_the_index_links_every_section(admin: Client) -> None:
    r = await admin.get("/admin/")
    assert r.status_code == 200
    assert text_of(r.text, "h1") == ["Quản trị"]
    links = [str(a["href"]) for a in soup(r.text).select("main a.item")]
    assert links == [
        "/admin/staff/",
        "/admin/counters/",
        "/admin/agencies/",
        "/admin/procedures/",
        "/admin/post-offices/",
        "/admin/postal-tariff/",
        "/admin/rating-scale/",
        "/admin/calendar/",
    ]
    for link in links:
        page = await admin.get(link)
        assert page.status_code == 200, link
