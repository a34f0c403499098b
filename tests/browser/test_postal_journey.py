"""The post in the real UI: the counter lists a ready result for the post office and prints
its label, the postal worker signs the handover on the phone and takes the parcel out; a paper
dossier is booked for pickup and collected with the citizen's signature; a citizen who chose
the counter switches to the post after the result is ready. axe-core checks each screen."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.async_api import expect

from backend.accounts.tables import User
from backend.dossiers import drafts
from backend.postal import pickups
from backend.postal.tables import Pickup
from tests.browser.conftest import (
    AxeChecker,
    ContextFactory,
    Shot,
    draw_signature,
    signed_in_context,
)
from tests.postal.conftest import PHU_LY, Postal, postal  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser
TABLET: dict[str, Any] = {"viewport": {"width": 800, "height": 1100}, "is_mobile": False}


async def test_handover_label_and_the_couriers_signature(
    new_context: ContextFactory,
    live_server: str,
    postal: Postal,  # noqa: F811 (the fixture imported above)
    shot: Shot,
    axe: AxeChecker,
) -> None:
    dossier_id = await postal.ready()
    parcel = await postal.shipment(dossier_id)

    counter = await (
        await signed_in_context(new_context, live_server, postal.counter.id, **TABLET)
    ).new_page()
    await counter.goto("/postal/handover/")
    row = counter.locator("label.choice", has_text=parcel["code"])
    await expect(row).to_be_visible()
    await axe(counter, "handover page")
    await shot(counter, "handover-page")
    # Only this parcel, to the test's post office A.
    for box in await counter.locator("input[name=shipment]").all():
        if await box.get_attribute("value") != str(parcel["id"]):
            await box.uncheck()
    await counter.get_by_label("Bưu điện nhận bàn giao").select_option(str(postal.office_a))
    await counter.get_by_role("button", name="Lập biên bản bàn giao").click()
    await expect(counter.get_by_role("heading", level=1)).to_contain_text("Biên bản bàn giao")
    await expect(counter.locator("table")).to_contain_text(parcel["code"])
    # The code column keeps a code on one line (issue 12, item 19: two characters per line).
    cell = counter.locator("table td.code").first
    lines = await cell.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return r.getClientRects().length; }"
    )
    assert lines == 1, lines
    await shot(counter, "handover-record")

    label = await counter.context.new_page()
    await label.goto(f"/postal/parcels/{parcel['id']}/label")
    await expect(label.locator(".parcel-label svg")).to_be_visible()
    await expect(label.locator(".parcel-label")).to_contain_text("Phường Phủ Lý")
    await axe(label, "parcel label")
    await shot(label, "label")

    phone = await (
        await signed_in_context(new_context, live_server, postal.courier_a.id)
    ).new_page()
    await phone.goto("/courier/")
    await phone.get_by_label("Số bưu gửi bạn đã đếm").first.fill("1")
    await phone.get_by_role("button", name="Xác nhận đã nhận đủ").first.click()
    await expect(phone.locator(".alert.good")).to_contain_text("Đã xác nhận nhận bàn giao")
    card = phone.locator(f"article[data-code='{parcel['code']}']")
    await expect(card).to_contain_text("Bưu điện đã nhận")
    await axe(phone, "courier round")
    await shot(phone, "courier-round")
    await card.get_by_role("button", name="Nhận đi phát").click()
    await expect(card.locator("summary", has_text="Đã giao")).to_be_visible()
    assert (await postal.shipment(dossier_id))["state"] == "out_for_delivery"

    # Typing the code on the label finds the parcel.
    await phone.get_by_label("Tìm bưu gửi theo mã hồ sơ").fill(parcel["code"].lower())
    await phone.get_by_role("button", name="Tìm", exact=True).click()
    await expect(card).to_have_class("card parcel found")
    axe.assert_clean()


async def test_a_paper_dossier_collected_with_the_citizens_signature(
    new_context: ContextFactory,
    live_server: str,
    postal: Postal,  # noqa: F811
    shot: Shot,
    axe: AxeChecker,
) -> None:
    proc = postal.factory.procedures["stp"]
    dossier_id = await drafts.start_draft(
        postal.owner, proc["id"], f"browser-pickup-{uuid.uuid4()}"
    )
    citizen = await (await signed_in_context(new_context, live_server, postal.owner.id)).new_page()
    await citizen.goto(f"/dossiers/{dossier_id}/edit")
    await citizen.get_by_role("link", name="Để bưu điện đến nhà lấy hồ sơ giấy").click()
    await expect(citizen.get_by_role("heading", level=1)).to_have_text(
        "Gửi hồ sơ giấy qua bưu điện"
    )
    await citizen.get_by_label("Số nhà, đường, thôn/xóm").fill("Số 9 ngõ 3 đường Trần Phú")
    await citizen.get_by_label("Xã/phường/đặc khu").fill("phu ly")
    await citizen.get_by_text("Phường Phủ Lý", exact=True).click()
    await axe(citizen, "pickup booking")
    await shot(citizen, "booking")
    await citizen.get_by_role("button", name="Đặt lịch và nộp hồ sơ").click()
    await expect(citizen.locator("#pickup")).to_contain_text("Nhân viên bưu điện sẽ đến lấy")
    await shot(citizen, "booked")

    row = await Pickup.select().where(Pickup.dossier == dossier_id).first()
    assert row is not None and row["state"] == "booked"
    courier = await User.select(User.id).where(User.post_office == row["post_office"]).first()
    assert courier is not None
    phone = await (await signed_in_context(new_context, live_server, courier["id"])).new_page()
    await phone.goto("/courier/")
    card = phone.locator(f"#pk-{row['id']}")
    await card.locator("summary", has_text="Nhận hồ sơ giấy").click()
    for box in await card.locator("input[name=documents]").all():
        await box.check()
    await draw_signature(phone, card.locator("canvas[data-signature]"))
    await axe(phone, "pickup card")
    await shot(phone, "pickup-card")
    await card.get_by_role("button", name="Xác nhận đã nhận hồ sơ").click()
    await expect(card.locator(".parcel-msg")).to_contain_text("Đã ghi nhận")
    picked = await Pickup.select(Pickup.state).where(Pickup.id == row["id"]).first()
    assert picked == {"state": pickups.COLLECTED}
    await citizen.reload()
    await expect(citizen.locator("#pickup")).to_contain_text("Bưu điện đã nhận hồ sơ giấy")

    # At the center: the courier lists the envelope, the counter counts and confirms.
    await phone.reload()
    hand_in = phone.locator("#hand-in")
    await expect(hand_in.locator(f"input[name=pickup][value='{row['id']}']")).to_be_checked()
    await shot(phone, "hand-in")
    await hand_in.get_by_role("button", name="Lập phiếu giao hồ sơ cho Trung tâm").click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Phiếu giao hồ sơ giấy cho Bộ phận Một cửa"
    )
    await axe(phone, "pickup handover record")
    await shot(phone, "pickup-handover-record")
    counter = await (
        await signed_in_context(new_context, live_server, postal.counter.id)
    ).new_page()
    await counter.goto("/postal/handover/")
    await counter.locator("#incoming a").first.click()
    await counter.get_by_label("Số hồ sơ bạn đã đếm").fill("1")
    await counter.get_by_role("button", name="Xác nhận đã nhận đủ hồ sơ").click()
    await expect(counter.locator(".alert.good")).to_contain_text("Đã xác nhận nhận đủ hồ sơ")
    await shot(counter, "pickup-handover-confirmed")
    assert await pickups.at_the_center(dossier_id)
    await citizen.reload()
    await expect(citizen.locator("#pickup")).to_contain_text("Bộ phận Một cửa đã nhận hồ sơ giấy")
    axe.assert_clean()


async def test_switching_to_the_post_after_the_result_is_ready(
    new_context: ContextFactory,
    live_server: str,
    postal: Postal,  # noqa: F811
    shot: Shot,
    axe: AxeChecker,
) -> None:
    dossier_id = await postal.ready(by_post=False)
    page = await (await signed_in_context(new_context, live_server, postal.owner.id)).new_page()
    await page.goto(f"/dossiers/{dossier_id}")
    panel = page.locator("#postal")
    await panel.locator("summary", has_text="Chuyển sang nhận qua bưu điện").click()
    await panel.get_by_label("Số nhà, đường, thôn/xóm").fill("Thôn Đông, số 12")
    await panel.get_by_label("Xã/phường/đặc khu").fill("phu ly")
    await panel.get_by_text("Phường Phủ Lý", exact=True).click()
    await expect(panel).to_contain_text("25.000")
    await axe(page, "switch to the post")
    await shot(page, "switch-form")
    await panel.get_by_role("button", name="Xác nhận gửi qua bưu điện").click()
    await expect(page.locator(".alert.good")).to_contain_text("Đã lưu địa chỉ")
    await expect(page.locator("#postal")).to_contain_text("Chờ bàn giao cho bưu điện")
    await shot(page, "switched")
    assert (await postal.shipment(dossier_id))["ward_code"] == PHU_LY
    axe.assert_clean()
