"""Without JavaScript (old phones, data savers, a script that failed to load) a citizen can still
send a dossier: the submission page is a plain multipart form."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import (
    DOSSIER_CODE,
    ContextFactory,
    Shot,
    make_photo,
    photo_info,
    required_documents,
    sign_up,
)
from tests.helpers import new_phone

pytestmark = pytest.mark.browser

PROCEDURE = "Thủ tục đăng ký khai sinh"


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF (what a scanner app would make), with a correct xref table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


async def test_submission_form_works_without_javascript(
    new_context: ContextFactory, shot: Shot
) -> None:
    context = await new_context(java_script_enabled=False)
    page = await context.new_page()
    phone = new_phone()
    required = required_documents(PROCEDURE)

    await sign_up(page, phone, "Đỗ Văn Hùng")
    await expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    await page.goto("/procedures?q=dang+ky+khai+sinh")
    await page.get_by_role("link").filter(has=page.get_by_text(PROCEDURE, exact=True)).click()
    await page.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
    await expect(page).to_have_url(re.compile(r"/dossiers/\d+/edit$"))
    dossier_url = page.url.removesuffix("/edit")

    # One file per required paper, chosen in the slot's own file inputs: a 12 MP photo with
    # GPS in its EXIF, a smaller photo, and a PDF.
    slots = page.locator(".slot[data-required='1']")
    await expect(slots).to_have_count(len(required))
    files = [
        ("to-khai.jpg", "image/jpeg", make_photo("TO KHAI")),
        ("giay-chung-sinh.jpg", "image/jpeg", make_photo("GIAY CHUNG SINH", (1200, 1600))),
        ("cccd.pdf", "application/pdf", tiny_pdf("CAN CUOC")),
    ]
    for n, slot in enumerate(await slots.all()):
        name, mime, data = files[n % len(files)]
        picker = slot.locator("input[type=file][data-upload]").nth(1)
        await picker.set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    await expect(page.get_by_label("Nhận tại Bộ phận Một cửa")).to_be_checked()
    await shot(page, "files-chosen")

    await page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/dossiers/\d+/receipt$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận nộp hồ sơ trực tuyến")
    code = (await page.locator(".receipt strong.code").text_content() or "").strip()
    assert DOSSIER_CODE.match(code), code
    await expect(page.locator(".qr svg")).to_be_visible()
    await expect(page.locator(".receipt table tbody tr")).to_have_count(len(required))
    await shot(page, "receipt")

    # What the server kept: photos at most 2000 px without their GPS position, the PDF as is.
    await page.goto(dossier_url)
    await expect(page.locator(".status-card .badge")).to_have_text("Mới đăng ký")
    links = page.locator("section.slot .pages a")
    await expect(links).to_have_count(len(required))
    kinds = []
    for href in [await a.get_attribute("href") for a in await links.all()]:
        response = await page.request.get(href)
        assert response.ok, href
        kind = response.headers["content-type"]
        kinds.append(kind)
        if kind == "image/jpeg":
            (width, height), gps = photo_info(await response.body())
            assert max(width, height) <= 2000, (width, height)
            assert not gps, f"GPS position kept in {href}: {gps}"
        else:
            assert kind == "application/pdf"
            assert (await response.body()).startswith(b"%PDF-")
    assert sorted(kinds) == sorted(mime for _, mime, _ in files[: len(required)])
    await shot(page, "dossier")
