""" "Quên mật khẩu?" on a 360 px phone: the number, the code from the SMS, a new password; the
other signed-in browser is signed out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from backend.access.roles import Role
from backend.accounts import services
from backend.accounts.tables import User
from tests.browser.conftest import AxeChecker, ContextFactory, Shot, signed_in_context
from tests.helpers import new_phone, sms_code

pytestmark = pytest.mark.browser


async def test_forgot_password_on_a_phone(
    page: Any, new_context: ContextFactory, live_server: str, shot: Shot, axe: AxeChecker
) -> None:
    phone = new_phone()
    user = await services.create_user(
        role=Role.CITIZEN, login=phone, password="mat-khau-cu-da-quen", full_name="Bà Sáu"
    )
    other = await signed_in_context(new_context, live_server, user.id)
    other_page = await other.new_page()
    await other_page.goto("/my/dossiers")
    await expect(other_page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    await page.goto("/login")
    await page.get_by_role("link", name="Quên mật khẩu?").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Quên mật khẩu")
    await page.get_by_label("Số điện thoại").fill(phone.replace("0", "+84 ", 1))
    await page.get_by_role("button", name="Gửi mã").tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Đặt mật khẩu mới")
    code_field = page.get_by_label("Mã xác nhận (6 chữ số)")
    assert await code_field.get_attribute("inputmode") == "numeric"
    assert await code_field.get_attribute("autocomplete") == "one-time-code"
    await code_field.fill(await sms_code(phone))
    await page.get_by_label(re.compile(r"^Mật khẩu mới")).fill("hoa-sen-no-giua-ho")
    await page.get_by_label("Nhập lại mật khẩu mới").fill("hoa-sen-no-giua-ho")
    await shot(page, "code-and-new-password")
    await axe(page, "reset password")
    await page.get_by_role("button", name="Đặt mật khẩu mới").tap()
    await expect(page).to_have_url(f"{live_server}/my/dossiers")
    await expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    await shot(page, "signed-in-again")
    axe.assert_clean()

    # The other browser was signed out; the code proved the phone.
    await other_page.reload()
    await expect(other_page.get_by_role("button", name="Đăng xuất")).to_have_count(0)
    row = await User.select(User.phone_verified_at).where(User.id == user.id).first()
    assert row is not None and row["phone_verified_at"] is not None
