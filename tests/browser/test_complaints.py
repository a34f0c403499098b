"""A complaint in the real UI, on phones: a citizen complains that an official asked for money
to take her dossier (nhũng nhiễu); the center's manager accepts it, answers and publishes the
answer; the public page shows it without her name, the official's name or phone numbers.
axe-core checks the form, the manager's page and the public page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from backend.access.roles import Role
from backend.accounts.tables import User
from backend.complaints.tables import Complaint
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import State
from tests.browser.conftest import AxeChecker, ContextFactory, Shot, make_photo, signed_in_context
from tests.complaints.conftest import People, people  # noqa: F401 (the fixture)
from tests.helpers import make_user, new_phone

pytestmark = pytest.mark.browser

CITIZEN = "Nguyễn Thị Hằng"
OFFICIAL = "Đỗ Quang Vinh"  # the demo leader of Sở Tư pháp
ANSWER = (
    "Sở Tư pháp đã làm việc với cán bộ tiếp nhận: việc thu thêm tiền là sai quy định. Cán bộ "
    "đã bị kiểm điểm, khoản tiền được hoàn trả đầy đủ. Lệ phí của thủ tục được niêm yết tại "
    "quầy và trên Cổng dịch vụ công; công dân không phải nộp thêm bất kỳ khoản nào khác."
)


async def test_a_harassment_complaint_from_filing_to_the_public_page(
    new_context: ContextFactory,
    live_server: str,
    people: People,  # noqa: F811 (the fixture imported above)
    shot: Shot,
    axe: AxeChecker,
) -> None:
    phone = new_phone()
    citizen = await make_user(Role.CITIZEN, phone)
    await User.update({User.full_name: CITIZEN}).where(User.id == citizen.id)
    dossier_id = await people.factory.create(State.RECEIVED, "stp", owner=citizen)
    dossier = await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first()
    assert dossier is not None
    content = (
        f"Sáng 20/11 tôi là {CITIZEN} (điện thoại {phone[:4]} {phone[4:7]} {phone[7:]}) đến "
        f"quầy Sở Tư pháp bổ sung giấy tờ. Ông {OFFICIAL} nói phải nộp thêm 300.000 đồng "
        "“phí làm nhanh” mới nhận hồ sơ, không có biên lai. Đề nghị làm rõ và hoàn trả."
    )

    # The citizen, from her dossier's low rating (?dossier=), on her phone.
    page = await (await signed_in_context(new_context, live_server, citizen.id)).new_page()
    await page.goto(f"/complaints/new?dossier={dossier_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Gửi phản ánh, kiến nghị")
    await expect(page.get_by_label("Hồ sơ", exact=True)).to_have_value(str(dossier_id))
    # Sent too early: every problem beside its field, what was chosen kept.
    await page.get_by_role("button", name="Gửi phản ánh").click()
    await expect(page.locator("#e-kind")).to_have_text("Chọn nội dung bạn muốn phản ánh.")
    await expect(page.locator("#e-content")).to_contain_text("Vui lòng mô tả rõ sự việc")
    await expect(page.get_by_label("Hồ sơ", exact=True)).to_have_value(str(dossier_id))
    await shot(page, "form-errors")
    behaviour = page.get_by_role("radio", name="Nhũng nhiễu, gây phiền hà")
    await expect(behaviour).to_be_hidden()  # until the type is chosen
    await page.get_by_role("radio", name="Hành vi của cán bộ, công chức").check()
    await behaviour.check()
    # The list of officials follows the agency chosen (htmx swaps it in).
    officials = page.get_by_label("Cán bộ bị phản ánh")
    await page.get_by_label("Cơ quan").select_option(label="Bộ phận Một cửa của Trung tâm")
    await expect(officials).to_contain_text("Phạm Thu Hà")
    await expect(officials).not_to_contain_text(OFFICIAL)
    await page.get_by_label("Cơ quan").select_option(label="Sở Tư pháp tỉnh Ninh Bình")
    await expect(officials).to_contain_text(OFFICIAL)
    await officials.select_option(label=f"{OFFICIAL} (Sở Tư pháp)")
    await page.get_by_label("Nội dung phản ánh, kiến nghị").fill(content)
    await page.get_by_label("Ảnh hoặc tài liệu kèm theo").set_input_files(
        files=[{"name": "IMG_2011.jpg", "mimeType": "image/jpeg", "buffer": make_photo("BIEN LAI")}]
    )
    # The 12 MP photo is shrunk in the browser before it is sent.
    await expect(page.locator(".chosen-files li")).to_contain_text("IMG_2011.jpg")
    await axe(page, "complaint form")
    await shot(page, "form")
    await page.get_by_role("button", name="Gửi phản ánh").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Phiếu tiếp nhận phản ánh, kiến nghị"
    )
    saved = await Complaint.select().where(Complaint.filer == citizen.id).first()
    assert saved is not None
    assert (saved["kind"], saved["conduct"], saved["dossier"]) == (
        "conduct",
        "harassment",
        dossier_id,
    )
    await expect(page.locator(".receipt .code")).to_have_text(saved["code"])
    await axe(page, "receipt")
    await shot(page, "receipt")

    # The center's manager, on a phone too.
    manager = await (
        await signed_in_context(new_context, live_server, people.manager.id)
    ).new_page()
    await manager.goto("/staff/queue")
    await manager.get_by_role("link", name="Phản ánh", exact=True).click()
    item = manager.locator("a.item", has_text=saved["code"])
    await expect(item).to_contain_text("Nhũng nhiễu, gây phiền hà")
    await shot(manager, "queue")
    await item.click()
    await expect(manager.locator(".status-card .code")).to_have_text(saved["code"])
    await expect(manager.locator(".complaint-files img")).to_have_count(1)
    await manager.get_by_role("button", name="Tiếp nhận phản ánh").click()
    await expect(manager.locator(".alert.good")).to_contain_text("Tiếp nhận phản ánh")
    await manager.locator("summary", has_text="Trả lời").click()
    await manager.get_by_label("Nội dung trả lời").fill(ANSWER)
    await axe(manager, "staff complaint page")
    await manager.get_by_role("button", name="Trả lời").click()
    await expect(manager.locator(".badge")).to_have_text("Đã trả lời")
    await manager.locator("summary", has_text="Công khai câu trả lời").click()
    question = manager.get_by_label("Câu hỏi công khai")
    await expect(question).to_contain_text("Ông [đã ẩn] nói phải nộp thêm 300.000 đồng")
    await shot(manager, "publish")
    await manager.get_by_role("button", name="Công khai", exact=True).click()
    await expect(manager.locator(".badge")).to_have_text("Đã trả lời và công khai")
    await shot(manager, "published")

    # Anybody, on the public page.
    public = await (await new_context()).new_page()
    await public.goto("/")
    await public.locator("footer").get_by_role("link", name="Phản ánh, kiến nghị").click()
    card = public.locator(f"#pakn-{saved['id']}")
    await expect(card).to_contain_text("nộp thêm 300.000 đồng")
    await expect(card).to_contain_text("[đã ẩn]")
    await expect(card).to_contain_text("hoàn trả đầy đủ")
    text = await card.inner_text()
    for secret in (CITIZEN, OFFICIAL, "Hằng", "Vinh", phone[:4] + " " + phone[4:7], saved["code"]):
        assert secret not in text, secret
    assert dossier["code"] not in text
    await axe(public, "public answers")
    await shot(public, "public")

    # The citizen reads the answer and finds it useful.
    await page.goto(f"/complaints/{saved['code']}")
    await page.get_by_role("button", name="Hữu ích", exact=True).click()
    await expect(page.get_by_role("button", name="Hữu ích", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    await axe(page, "filer's complaint page")
    await shot(page, "answer")
    await public.reload()
    await expect(card).to_contain_text("Hữu ích: 1")
    axe.assert_clean()
