"""Weak passwords are refused, and the form says why (issue 11, item 10)."""

from __future__ import annotations

import pytest

from tests.helpers import Client, new_phone, post_form, soup

COMMON = "Mật khẩu này quá phổ biến hoặc trùng số điện thoại, kẻ gian đoán được ngay. Hãy ghép vài từ dễ nhớ với nhau, ví dụ: hoa-mai-no-som-2026."


async def register(client: Client, phone: str, password: str) -> tuple[int, str]:
    r = await post_form(
        client,
        "/register",
        phone=phone,
        full_name="Người Thử Mật Khẩu",
        citizen_id="",
        password=password,
        password_again=password,
    )
    error = soup(r.text).select_one("#e-password")
    return r.status_code, error.get_text(strip=True) if error else ""


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345678", COMMON),
        ("PASSWORD", COMMON),  # case does not make it rarer
        ("iloveyou", COMMON),
        ("matkhau123", COMMON),
        ("        ", "Mật khẩu không được chỉ gồm dấu cách."),
        ("abc1234", "Mật khẩu cần ít nhất 8 ký tự."),
    ],
)
async def test_weak_passwords_are_refused_beside_the_field(
    client: Client, password: str, message: str
) -> None:
    assert await register(client, new_phone(), password) == (422, message)


async def test_the_phone_number_is_not_a_password(client: Client) -> None:
    phone = new_phone()
    assert await register(client, phone, phone) == (422, COMMON)


async def test_a_passphrase_is_accepted(client: Client) -> None:
    assert (await register(client, new_phone(), "hoa-mai-no-som-2026"))[0] == 303
