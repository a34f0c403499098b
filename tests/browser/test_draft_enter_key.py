"""Pressing Enter in a text field of a draft must not delete a page (the form's first submit
button used to be a page's "Xóa")."""

from __future__ import annotations

import pytest

from backend.dossiers.tables import DossierFile
from tests.browser.conftest import ContextFactory, signed_in_context
from tests.dossiers.factory import Factory

pytestmark = pytest.mark.browser


async def test_enter_in_a_field_keeps_the_pages(
    new_context: ContextFactory, live_server: str, database: None
) -> None:
    factory = await Factory().setup()
    dossier_id = await factory.draft("stp")
    pages = await DossierFile.count().where(DossierFile.dossier == dossier_id)
    assert pages > 0
    context = await signed_in_context(new_context, live_server, factory.people["owner"].id)
    page = await context.new_page()
    await page.goto(f"/dossiers/{dossier_id}/edit")
    await page.get_by_label("Gửi về nhà qua bưu điện").check()
    street = page.get_by_label("Số nhà, đường, thôn/xóm")
    await street.fill("Số 3 phố Lê Lợi")
    await street.press("Enter")
    await page.wait_for_timeout(800)
    assert page.url.endswith(f"/dossiers/{dossier_id}/edit")
    assert await DossierFile.count().where(DossierFile.dossier == dossier_id) == pages
