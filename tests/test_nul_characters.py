"""A NUL character in what a client sends is the client's mistake: 400 (or the usual refusal),
never 500. PostgreSQL refuses NUL in text, so without care the login, a search or a form would
fail the server there (found by schemathesis on the API token route)."""

from __future__ import annotations

from tests.helpers import Client, post_form, post_login, register


async def test_a_login_with_nul_is_refused_not_failed(client: Client, engine_name: str) -> None:
    r = await client.post("/api/v1/auth/token", json={"login": "\x00u09", "password": "x"})
    assert r.status_code in (400, 401), r.text
    assert r.json()["detail"]
    if engine_name == "postgres":
        assert r.status_code == 400
        assert r.json()["detail"] == "Dữ liệu gửi lên có ký tự hoặc giá trị không hợp lệ."


async def test_the_login_form_with_nul_answers_a_page(client: Client) -> None:
    r = await post_login(client, "09\x0012", "x")
    assert r.status_code in (200, 400, 422), r.text[:300]
    assert "Hệ thống đang gặp sự cố" not in r.text


async def test_a_search_with_nul_is_not_a_server_error(client: Client) -> None:
    r = await client.get("/procedures", params={"q": "ho\x00chieu"})
    assert r.status_code in (200, 400)
    r = await client.get("/api/v1/procedures", params={"q": "\x00"})
    assert r.status_code in (200, 400), r.text


async def test_a_form_field_with_nul_answers_in_vietnamese(client: Client) -> None:
    await register(client)
    r = await post_form(client, "/account", full_name="Lê\x00Văn", email="")
    assert r.status_code in (200, 303, 400, 404, 405), r.text[:300]
    assert "Hệ thống đang gặp sự cố" not in r.text
