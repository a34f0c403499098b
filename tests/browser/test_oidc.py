"""Signing in with the national electronic identity on a 360 px phone, through the real npm
`oidc-provider` (tests/accounts/oidc/provider.mjs): the button, the provider's login page, back
signed in; then signing out ends the provider's session too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import expect

from backend.accounts.oidc.linking import personal_id_hash
from backend.accounts.tables import OidcIdentity, User
from backend.settings import get_settings
from tests.accounts.oidc.fixtures import (  # noqa: F401 (fixtures)
    oidc_app_port,
    oidc_provider,
)
from tests.accounts.oidc.provider import RunningProvider
from tests.browser.conftest import ARTIFACTS, ENGINE, PHONE, AxeChecker, Shot, serve
from tests.helpers import new_phone

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def oidc_server(
    database: None,
    oidc_provider: RunningProvider,  # noqa: F811
    oidc_app_port: int,  # noqa: F811
) -> Iterator[str]:
    """The app served by granian with OIDC_* pointing at the test provider."""
    with serve(
        oidc_app_port,
        ARTIFACTS / f"server-oidc-{ENGINE}.log",
        OIDC_ISSUER=oidc_provider.issuer,
        OIDC_CLIENT_ID=oidc_provider.client_id,
        OIDC_CLIENT_SECRET=oidc_provider.client_secret,
        OIDC_ID_CLAIM="personal_id",
    ) as base_url:
        yield base_url


@pytest.fixture
async def oidc_page(browser: Any, oidc_server: str) -> AsyncIterator[Any]:
    context = await browser.new_context(base_url=oidc_server, **PHONE)
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def test_sign_in_with_the_national_identity_on_a_phone(
    oidc_page: Any,
    oidc_server: str,
    oidc_provider: RunningProvider,  # noqa: F811
    shot: Shot,
    axe: AxeChecker,
) -> None:
    page = oidc_page
    phone, number = new_phone(), "036199000123"
    oidc_provider.add(
        "chromium-person",
        name="Phạm Thị Chromium",
        personal_id=number,
        phone_number="+84" + phone[1:],
        phone_number_verified=True,
    )
    await page.goto("/login")
    button = page.get_by_role("link", name="Đăng nhập bằng tài khoản định danh điện tử")
    await expect(button).to_be_visible()
    box = await button.bounding_box()
    assert box is not None and box["width"] <= 360 and box["height"] >= 44  # a thumb's target
    await shot(page, "sign-in-page")
    await axe(page, "sign-in page with the identity button")

    await button.tap()
    # At the provider (another site): its own sign-in form.
    await expect(page.locator('input[name="login"]')).to_be_visible()
    assert page.url.startswith(oidc_provider.issuer + "/interaction/")
    await page.locator('input[name="login"]').fill("chromium-person")
    await page.locator('input[name="password"]').fill("mat-khau-vneid")
    await shot(page, "provider-login")
    await page.get_by_role("button", name="Sign-in").click()

    await expect(page).to_have_url(f"{oidc_server}/my/dossiers")
    await expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    await shot(page, "signed-in")
    axe.assert_clean()
    user = await User.select(User.id, User.full_name).where(User.login == phone).first()
    assert user is not None and user["full_name"] == "Phạm Thị Chromium"
    identity = await OidcIdentity.select().where(OidcIdentity.user == user["id"]).first()
    assert identity is not None
    assert identity["personal_id_hash"] == personal_id_hash(number, get_settings().secret_key)

    # Signing out here sends the browser to the provider, which asks, then sends it home.
    await page.get_by_role("button", name="Đăng xuất").click()
    await page.get_by_role("button", name="Yes, sign me out").click()
    await expect(page).to_have_url(f"{oidc_server}/")
    await expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    await shot(page, "signed-out")
