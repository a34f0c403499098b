"""One dossier through the back office, in the real UI: a citizen on a phone submits it; the
counter officer (tablet) receives it; the Sở Tài chính specialist takes it and asks for one paper;
the citizen sends it from the phone; the specialist re-checks and drafts the result; the leader
signs and uploads the electronic result; the citizen downloads exactly that file.

Each person has a browser context of their own (their own cookies), all open at the same time.
axe-core checks the staff queue, the staff dossier page and the citizen's page with the
supplement request; its findings are reported at the end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import (
    CATALOG,
    DOSSIER_CODE,
    AxeChecker,
    ContextFactory,
    Shot,
    make_photo,
    required_documents,
    sign_up,
)
from tests.helpers import PDF, STAFF_PASSWORD, new_phone

pytestmark = pytest.mark.browser

# Sở Tài chính, 3 working days, three required papers, electronic result offered (catalog P009).
PROCEDURE = "Đăng ký thành lập công ty TNHH một thành viên"
SEARCH = "/procedures?q=thanh+lap+cong+ty+tnhh+mot+thanh+vien"
CITIZEN = "Trần Quốc Bảo"
COUNTER, SPECIALIST, LEADER = "motcua1", "taichinh.cv", "taichinh.ld"
REASON = "Ảnh giấy tờ về trụ sở bị mờ, không đọc được địa chỉ. Đề nghị chụp lại rõ nét."
TABLET: dict[str, Any] = {
    "viewport": {"width": 800, "height": 1100},
    "device_scale_factor": 1,
    "is_mobile": False,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {
    "viewport": {"width": 1280, "height": 860},
    "device_scale_factor": 1,
    "is_mobile": False,
    "has_touch": False,
}


def catalog_entry(name: str) -> dict[str, Any]:
    (proc,) = [p for p in json.loads(CATALOG.read_text())["procedures"] if p["name"] == name]
    return proc


# --------------------------------------------------------------------------- helpers


async def upload_photo(page: Any, slot_id: str, label: str) -> None:
    """A 12 MP camera photo chosen in the slot's gallery picker; waits for the new page's
    thumbnail (the slot is replaced by the server's answer)."""
    slot = page.locator(f"#slot-{slot_id}")
    before = await slot.locator(".pages img").count()
    gallery = slot.locator("input[type=file][data-upload]").nth(1)
    photo = {"name": f"IMG_{slot_id}.jpg", "mimeType": "image/jpeg", "buffer": make_photo(label)}
    async with page.expect_response(lambda r: r.request.method == "POST") as sent:
        await gallery.set_input_files(files=[photo])
    response = await sent.value
    assert re.search(r"/dossiers/\d+/edit$", response.url), f"photo sent to {response.url}"
    assert response.status == 200, await response.text()
    thumbs = page.locator(f"#slot-{slot_id} .pages img")
    await expect(thumbs).to_have_count(before + 1)
    await expect(page.locator(f"#slot-{slot_id}")).to_have_class(re.compile(r"\bdone\b"))
    await thumbs.last.scroll_into_view_if_needed()
    loaded = "img => img.complete && img.naturalWidth > 0"
    await page.wait_for_function(loaded, arg=await thumbs.last.element_handle())


# Thumbnails are lazy: a full-page screenshot would show grey boxes below the fold.
LOAD_ALL_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach(i => { i.loading = "eager"; });
  const loaded = i => new Promise(done => {
    i.addEventListener("load", done);
    i.addEventListener("error", done);
  });
  await Promise.all(images.filter(i => !i.complete).map(loaded));
  return images.filter(i => !i.naturalWidth).map(i => i.getAttribute("src"));
}"""


# The size of the picture Chromium shows when it opens an image URL.
IMAGE_SIZE = """() => {
  const i = document.querySelector("img");
  return i && [i.naturalWidth, i.naturalHeight];
}"""


async def all_images_shown(page: Any) -> None:
    broken = await page.evaluate(LOAD_ALL_IMAGES)
    assert not broken, f"images that did not load on {page.url}: {broken}"


async def staff_sign_in(new_context: ContextFactory, login: str, device: dict[str, Any]) -> Any:
    """A staff member signed in through the login form, on their queue."""
    page = await (await new_context(**device)).new_page()
    await page.goto("/login")
    await page.get_by_label(re.compile(r"^Số điện thoại")).fill(login)
    await page.get_by_label(re.compile(r"^Mật khẩu")).fill(STAFF_PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page).to_have_url(re.compile(r"/staff/queue"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ cần xử lý")
    return page


async def open_from_queue(page: Any, code: str, step: str) -> None:
    """The dossier's row in the queue shows its step; it opens the staff page."""
    row = page.locator("a.item").filter(has_text=code)
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(PROCEDURE)
    await expect(row).to_contain_text(CITIZEN)
    await expect(row.locator(".chip").first).to_have_text(step)
    await row.click()
    await expect(page).to_have_url(re.compile(r"/staff/dossiers/\d+$"))
    await expect_step(page, code, step)


async def expect_step(page: Any, code: str, step: str) -> None:
    """The staff page of the dossier, at that step."""
    await expect(page.get_by_role("heading", level=1)).to_have_text(PROCEDURE)
    await expect(page.locator(".status-card .code")).to_have_text(code)
    await expect(page.locator(".status-card .badge")).to_have_text(step)


async def run_quick_action(page: Any, code: str, label: str, step: str) -> None:
    """An action without inputs: one button; the page comes back with the new step."""
    await page.get_by_role("button", name=label, exact=True).click()
    await expect(page).to_have_url(re.compile(r"/staff/dossiers/\d+\?done="))
    await expect(page.locator(".alert.good")).to_have_text(f"Đã thực hiện: {label}.")
    await expect_step(page, code, step)
    # Done actions are not offered again.
    await expect(page.get_by_role("button", name=label, exact=True)).to_have_count(0)


# --------------------------------------------------------------------------- the journey


async def test_dossier_through_counter_specialist_and_leader(
    page: Any, new_context: ContextFactory, shot: Shot, axe: AxeChecker, tmp_path: Path
) -> None:
    proc = catalog_entry(PROCEDURE)
    assert proc["agency"] == "stc" and proc["processing_days"] >= 1, proc
    assert "electronic" in proc["result_delivery"], proc
    required = required_documents(PROCEDURE)
    assert len(required) >= 2

    async def snap(target: Any, step: str) -> None:
        await all_images_shown(target)
        await shot(target, step)

    # 1. The citizen, on a phone: registers, photographs the papers, submits.
    citizen_phone = new_phone()
    await sign_up(page, citizen_phone, CITIZEN)
    await page.goto(SEARCH)
    await page.locator("#results a.item").filter(has=page.get_by_text(PROCEDURE, exact=True)).tap()
    await expect(page.get_by_role("heading", level=1)).to_have_text(PROCEDURE)
    await page.get_by_role("button", name="Nộp hồ sơ trực tuyến").tap()
    await expect(page).to_have_url(re.compile(r"/dossiers/\d+/edit$"))
    citizen_url = page.url.removesuffix("/edit")
    dossier_id = citizen_url.rsplit("/", 1)[1]
    slots = page.locator(".slot[data-required='1']")
    await expect(slots).to_have_count(len(required))
    slot_ids = [await s.get_attribute("data-slot") for s in await slots.all()]
    assert [await s.get_attribute("data-name") for s in await slots.all()] == required
    for n, slot_id in enumerate(slot_ids, start=1):
        await upload_photo(page, slot_id, f"GIAY TO SO {n}")
    await expect(page.locator("#checklist .ok")).to_have_text("Đã đủ giấy tờ bắt buộc.")
    await page.get_by_role("button", name="Nộp hồ sơ", exact=True).tap()
    await expect(page).to_have_url(re.compile(r"/dossiers/\d+/receipt$"))
    code = (await page.locator(".receipt strong.code").text_content() or "").strip()
    assert DOSSIER_CODE.match(code), code
    await expect(page.locator(".receipt")).to_contain_text(PROCEDURE)
    await snap(page, "citizen-receipt")

    # 2. The counter officer, on a tablet: the intake queue, the papers, "Tiếp nhận hồ sơ".
    counter = await staff_sign_in(new_context, COUNTER, TABLET)
    await expect(counter).to_have_url(re.compile(r"/staff/queue\?view=intake$"))
    await expect(counter.get_by_role("link", name="Hồ sơ chờ tiếp nhận")).to_have_attribute(
        "aria-current", "page"
    )
    await snap(counter, "counter-queue")
    await axe(counter, "counter's intake queue")
    await open_from_queue(counter, code, "Chờ tiếp nhận")
    assert counter.url.endswith(f"/staff/dossiers/{dossier_id}")
    await expect(counter.locator(".status-card")).to_contain_text(citizen_phone)
    for name in required:
        doc = counter.locator("section.slot").filter(has=counter.get_by_role("heading", name=name))
        await expect(doc.locator(".pages img")).to_have_count(1)
    await snap(counter, "counter-dossier")
    await axe(counter, "staff dossier page, counter")
    # The officer opens the first paper full size (a new tab).
    async with counter.context.expect_page() as opened:
        await counter.locator("section.slot .pages a").first.click()
    paper = await opened.value
    await paper.wait_for_load_state()
    assert re.search(rf"/dossiers/{dossier_id}/files/\d+$", paper.url), paper.url
    size = await paper.evaluate(IMAGE_SIZE)
    assert size and max(size) == 2000, f"the full-size paper is {size}"
    await paper.close()
    await run_quick_action(counter, code, "Tiếp nhận hồ sơ", "Đã tiếp nhận, chờ phân công")
    await expect(counter.locator(".status-card")).to_contain_text("Tiếp nhận lúc")
    await snap(counter, "counter-accepted")
    # Out of the counter's intake queue.
    await counter.get_by_role("link", name="Hàng đợi").click()
    await expect(counter).to_have_url(re.compile(r"/staff/queue\?view=intake$"))
    await expect(counter.locator("a.item").filter(has_text=code)).to_have_count(0)

    # 3. The specialist, on a desktop: the agency queue, "Nhận xử lý", "Yêu cầu bổ sung".
    specialist = await staff_sign_in(new_context, SPECIALIST, DESKTOP)
    await expect(specialist.get_by_role("link", name="Hồ sơ của cơ quan")).to_have_attribute(
        "aria-current", "page"
    )
    await snap(specialist, "specialist-queue")
    await axe(specialist, "agency queue")
    await open_from_queue(specialist, code, "Đã tiếp nhận, chờ phân công")
    staff_url = specialist.url
    await run_quick_action(specialist, code, "Nhận xử lý", "Đang xử lý")
    await expect(specialist.locator(".status-card")).to_contain_text("Ngô Thị Mai")
    # Now in "Hồ sơ tôi đang xử lý".
    await specialist.get_by_role("link", name="Hàng đợi").click()
    await specialist.get_by_role("link", name="Hồ sơ tôi đang xử lý").click()
    await expect(specialist).to_have_url(re.compile(r"/staff/queue\?view=mine$"))
    await open_from_queue(specialist, code, "Đang xử lý")
    asked = required[-1]
    form = specialist.locator("#action-request_supplement")
    await expect(form.locator("summary")).to_have_text("Yêu cầu bổ sung")
    await form.locator("summary").click()
    await expect(form).to_have_attribute("open", "")
    await form.get_by_label(asked).check()
    await form.get_by_label("Lý do").fill(REASON)
    await snap(specialist, "specialist-supplement-form")
    await axe(specialist, "staff dossier page, supplement form open")
    await form.get_by_role("button", name="Yêu cầu bổ sung").click()
    await expect(specialist).to_have_url(re.compile(r"\?done=request_supplement$"))
    await expect_step(specialist, code, "Chờ công dân bổ sung")
    request_card = specialist.locator("section.attention")
    await expect(request_card).to_contain_text(REASON)
    await expect(request_card.locator("li")).to_have_text([asked])
    await expect(specialist.locator("dl.facts div").filter(has_text="Số lần yêu cầu")).to_have_text(
        re.compile(r"1$")
    )
    await snap(specialist, "specialist-supplement-requested")

    # 4. The citizen, on the phone: the request, one new photo, "Gửi giấy tờ bổ sung".
    await page.goto("/my/dossiers")
    item = page.locator("a.item").filter(has_text=code)
    await expect(item.locator(".badge")).to_have_text("Yêu cầu bổ sung giấy tờ")
    await item.tap()
    await expect(page).to_have_url(citizen_url)
    request = page.locator("#supplement")
    await expect(request.get_by_role("heading", level=2)).to_have_text("Cần bổ sung giấy tờ")
    await expect(request).to_contain_text(REASON)
    asked_slot = request.locator(".slot")
    await expect(asked_slot).to_have_count(1)
    await expect(asked_slot).to_have_attribute("data-name", asked)
    await snap(page, "citizen-supplement-request")
    await axe(page, "citizen's dossier page with the supplement request")
    slot_id = await asked_slot.get_attribute("data-slot")
    assert slot_id == slot_ids[-1]
    await upload_photo(page, slot_id, "GIAY TO TRU SO (CHUP LAI)")
    await snap(page, "citizen-supplement-ready")
    await request.get_by_role("button", name="Gửi giấy tờ bổ sung").tap()
    await expect(page).to_have_url(f"{citizen_url}?done=supplement")
    await expect(page.locator(".alert.good")).to_have_text(
        "Đã gửi giấy tờ bổ sung. Cơ quan sẽ kiểm tra và báo cho bạn."
    )
    await expect(page.locator("#supplement")).to_have_count(0)
    await snap(page, "citizen-supplement-sent")

    # 5. The specialist: the new page is there; re-check, then the draft result to the leader.
    await specialist.goto(staff_url)
    await expect_step(specialist, code, "Công dân đã bổ sung, chờ kiểm tra")
    asked_doc = specialist.locator("section.slot").filter(
        has=specialist.get_by_role("heading", name=asked)
    )
    await expect(asked_doc.locator(".pages img")).to_have_count(2)
    await expect(asked_doc.locator(".pages li").last).to_contain_text("bổ sung")
    await snap(specialist, "specialist-supplemented")
    await run_quick_action(specialist, code, "Kiểm tra lại hồ sơ đã bổ sung", "Đang xử lý")
    await run_quick_action(specialist, code, "Trình ký kết quả", "Chờ lãnh đạo ký duyệt")
    await snap(specialist, "specialist-sent-to-leader")

    # 6. The leader, on a desktop: signs and attaches the electronic result.
    leader = await staff_sign_in(new_context, LEADER, DESKTOP)
    await open_from_queue(leader, code, "Chờ lãnh đạo ký duyệt")
    approve = leader.locator("#action-approve")
    await expect(approve.locator("summary")).to_have_text("Ký duyệt kết quả")
    await approve.locator("summary").click()
    await expect(approve).to_have_attribute("open", "")
    await approve.get_by_label("Văn bản kết quả (PDF hoặc ảnh)").set_input_files(
        files=[{"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await approve.get_by_role("radio", name=re.compile(r"Bản điện tử")).check()
    await snap(leader, "leader-approve-form")
    await approve.get_by_role("button", name="Ký duyệt kết quả").click()
    await expect(leader).to_have_url(re.compile(r"\?done=approve$"))
    # An electronic result is in the citizen's account at once (status 10).
    await expect_step(leader, code, "Đã trả kết quả")
    await expect(leader.get_by_role("link", name="ket-qua.pdf")).to_be_visible()
    await snap(leader, "leader-approved")

    # 7. The citizen: the result is theirs, and it downloads (as qpdf rewrote it on upload).
    await page.goto(citizen_url)
    await expect(page.locator(".status-card .badge")).to_have_text("Đã trả kết quả")
    link = page.get_by_role("link", name=re.compile(r"Tải kết quả"))
    await expect(link).to_have_count(1)
    await expect(link).to_contain_text("PDF")
    await snap(page, "citizen-result")
    async with page.expect_download() as downloading:
        await link.tap()
    download = await downloading.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    saved = tmp_path / "result.pdf"
    await download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-") and b"/Count 1" in saved.read_bytes()
    axe.assert_clean()
