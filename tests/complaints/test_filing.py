"""Filing a complaint over HTTP: signed in or by phone number, errors in Vietnamese beside
their fields with nothing saved, attachments, the receipt, the per-IP limit."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.complaints.access import link_key
from backend.complaints.tables import Complaint, ComplaintFile
from backend.dossiers.tables import Dossier
from tests.complaints.conftest import CONTENT, People, post_multipart
from tests.dossiers.conftest import photo
from tests.helpers import PDF, Client, another_client, sign_in_as, soup, text_of

CODE = re.compile(r"^PAKN-\d{6}-\d{4}$")


def form(people: People, **over: str) -> dict[str, str]:
    return {
        "name": "Phạm Thị Lan",
        "phone": "0912 345 678",
        "kind": "conduct",
        "conduct": "harassment",
        "agency": str(people.agency("stp")),
        "content": CONTENT,
        **over,
    }


async def newest() -> dict[str, Any]:
    found = await Complaint.select().order_by(Complaint.id, ascending=False).first()
    assert found is not None
    return found


async def test_the_form_for_someone_without_an_account(client: Client, people: People) -> None:
    r = await client.get("/complaints/new")
    assert r.status_code == 200
    page = soup(r.text)
    assert page.select_one("h1").get_text() == "Gửi phản ánh, kiến nghị"
    labels = text_of(r.text, "label")
    assert "Quy định, chính sách, thủ tục hành chính" in " ".join(labels)
    assert "Hành vi của cán bộ, công chức" in " ".join(labels)
    for sub in ("Nhũng nhiễu, gây phiền hà", "Thu phí, lệ phí ngoài quy định", "Chậm trễ"):
        assert any(sub in label for label in labels), sub
    assert page.select_one("input[name=name]") and page.select_one("input[name=phone]")
    assert page.select_one("input[name=dossier_code]")
    assert page.select_one("form")["enctype"] == "multipart/form-data"


async def test_filing_by_phone_number(client: Client, people: People) -> None:
    r = await post_multipart(client, "/complaints/new", **form(people))
    assert r.status_code == 303, r.text
    saved = await newest()
    assert CODE.match(saved["code"])
    assert saved["filer"] is None
    assert (saved["filer_name"], saved["filer_phone"]) == ("Phạm Thị Lan", "0912345678")
    assert (saved["kind"], saved["conduct"], saved["state"]) == (
        "conduct",
        "harassment",
        "received",
    )
    assert saved["agency"] == people.agency("stp")
    key = link_key(saved["code"], "0912345678")
    assert r.headers["location"] == f"/complaints/{saved['code']}/receipt?key={key}"
    assert "0912345678" not in r.headers["location"]  # never in an address or a log

    receipt = await client.get(r.headers["location"])
    assert receipt.status_code == 200
    text = " ".join(text_of(receipt.text, "main"))
    assert saved["code"] in text
    assert "Trả lời chậm nhất" in text and saved["answer_due"].strftime("%d/%m/%Y") in text
    assert saved["accept_due"].strftime("%d/%m/%Y") in text
    # The receipt gives the link that opens the complaint again (code + signed key).
    assert f"/complaints/{saved['code']}?key={key}" in text


async def test_filing_signed_in_about_ones_own_dossier(client: Client, people: People) -> None:
    await sign_in_as(client, people.citizen)
    page = await client.get(f"/complaints/new?dossier={people.dossier_id}")
    chosen = soup(page.text).select_one("select[name=dossier_id] option[selected]")
    assert chosen is not None and chosen["value"] == str(people.dossier_id)
    assert soup(page.text).select_one("input[name=phone]") is None  # the account's number is used
    r = await post_multipart(
        client,
        "/complaints/new",
        kind="policy",
        content="Thủ tục yêu cầu bản sao chứng thực giấy khai sinh là không cần thiết nữa.",
        dossier_id=str(people.dossier_id),
        agency="",
    )
    assert r.status_code == 303, r.text
    saved = await newest()
    assert r.headers["location"] == f"/complaints/{saved['code']}/receipt"
    assert saved["filer"] == people.citizen.id
    assert saved["filer_phone"] == people.citizen.phone
    assert saved["dossier"] == people.dossier_id
    dossier = await Dossier.select(Dossier.agency).where(Dossier.id == people.dossier_id).first()
    assert dossier is not None and saved["agency"] == dossier["agency"]  # from the dossier
    assert saved["conduct"] == ""
    assert (await client.get(r.headers["location"])).status_code == 200


async def test_someone_elses_dossier_is_not_offered(client: Client, people: People) -> None:
    await sign_in_as(client, people.other_citizen)
    page = await client.get(f"/complaints/new?dossier={people.dossier_id}")
    assert soup(page.text).select_one("select[name=dossier_id] option[selected]") is None
    before = await Complaint.count()
    r = await post_multipart(
        client, "/complaints/new", **form(people, dossier_id=str(people.dossier_id))
    )
    assert r.status_code == 422
    assert text_of(r.text, "#e-dossier_id") == ["Chọn một hồ sơ của bạn trong danh sách."]
    assert await Complaint.count() == before


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ({"name": ""}, "#e-name", "Vui lòng nhập họ và tên."),
        ({"phone": ""}, "#e-phone", "Vui lòng nhập số điện thoại di động."),
        (
            {"phone": "12345"},
            "#e-phone",
            "Số điện thoại không đúng. Số di động Việt Nam có 10 chữ số",
        ),
        ({"kind": ""}, "#e-kind", "Chọn nội dung bạn muốn phản ánh."),
        ({"conduct": ""}, ".conduct-choices .error", "Chọn hành vi bạn muốn phản ánh."),
        ({"content": "Quá ngắn"}, "#e-content", "Vui lòng mô tả rõ sự việc (ít nhất 20 ký tự)."),
        ({"agency": "999999"}, "#e-agency", "Chọn cơ quan trong danh sách."),
        (
            {"dossier_code": "000.00.20.H42-260101-9999"},
            "#e-dossier_code",
            "Không tìm thấy hồ sơ có mã này với số điện thoại của bạn.",
        ),
    ],
)
async def test_errors_beside_their_fields_and_nothing_saved(
    client: Client, people: People, fields: dict[str, str], where: str, message: str
) -> None:
    before = await Complaint.count()
    files_before = await ComplaintFile.count()
    r = await post_multipart(
        client, "/complaints/new", [("anh.jpg", photo(), "image/jpeg")], **form(people, **fields)
    )
    assert r.status_code == 422
    assert any(message in t for t in text_of(r.text, where)), text_of(r.text, ".error")
    assert text_of(r.text, ".alert.bad") == ["Vui lòng kiểm tra lại các ô được đánh dấu."]
    # What was typed is kept; the file must be chosen again (a browser cannot keep it).
    assert soup(r.text).select_one("#f-content").get_text() == form(people, **fields)["content"]
    assert text_of(r.text, "#e-files") == ["Vui lòng chọn lại tệp đính kèm."]
    assert await Complaint.count() == before
    assert await ComplaintFile.count() == files_before


async def test_several_errors_at_once(client: Client, people: People) -> None:
    r = await post_multipart(
        client, "/complaints/new", **form(people, name="", phone="abc", kind="", content="")
    )
    assert r.status_code == 422
    assert {e["id"] for e in soup(r.text).select("p.error[id]")} >= {
        "e-name",
        "e-phone",
        "e-kind",
        "e-content",
    }


async def test_a_dossier_by_its_code_needs_the_applicants_phone(
    client: Client, people: People
) -> None:
    dossier = await Dossier.select().where(Dossier.id == people.dossier_id).first()
    assert dossier is not None
    wrong = await post_multipart(
        client, "/complaints/new", **form(people, dossier_code=dossier["code"].lower())
    )
    assert wrong.status_code == 422
    right = await post_multipart(
        client,
        "/complaints/new",
        **form(people, dossier_code=dossier["code"].lower(), phone=dossier["applicant_phone"]),
    )
    assert right.status_code == 303, right.text
    assert (await newest())["dossier"] == people.dossier_id


async def test_attachments_are_checked_and_cleaned(client: Client, people: People) -> None:
    r = await post_multipart(
        client,
        "/complaints/new",
        [
            ("bien-lai.jpg", photo(gps=True), "image/jpeg"),
            ("thong-bao.pdf", PDF, "application/pdf"),
        ],
        **form(people),
    )
    assert r.status_code == 303, r.text
    saved = await newest()
    files = await ComplaintFile.select().where(ComplaintFile.complaint == saved["id"])
    assert sorted(f["extension"] for f in files) == ["jpg", "pdf"]
    assert all(f["kind"] == "filed" for f in files)
    jpg = next(f for f in files if f["extension"] == "jpg")
    # The filer sees it through their link; a stranger without the phone number does not.
    url = f"/complaints/{saved['code']}/files/{jpg['id']}"
    shown = await client.get(url + "?key=" + link_key(saved["code"], "0912345678"))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert b"GPS" not in shown.content and shown.headers["cache-control"] == "private, no-store"
    assert (await client.get(url)).status_code == 404
    assert (
        await client.get(url + "?key=" + link_key(saved["code"], "0987654321"))
    ).status_code == 404
    assert (await client.get(url + "?phone=0912345678")).status_code == 404  # the number alone


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("virus.exe", b"MZ\x90\x00 not a document", "image/jpeg")], "không phải ảnh"),
        ([(f"anh{i}.jpg", photo(200, 200), "image/jpeg") for i in range(6)], "tối đa 5 tệp"),
    ],
)
async def test_refused_attachments_save_nothing(
    client: Client, people: People, files: list[tuple[str, bytes, str]], message: str
) -> None:
    before = await Complaint.count()
    r = await post_multipart(client, "/complaints/new", files, **form(people))
    assert r.status_code == 422
    assert message in " ".join(text_of(r.text, "#e-files"))
    assert await Complaint.count() == before


async def test_the_officials_of_the_chosen_agency(client: Client, people: People) -> None:
    r = await client.get(
        f"/complaints/new/officials?agency={people.agency('stp')}", headers={"HX-Request": "true"}
    )
    names = text_of(r.text, "#f-official_id option")
    assert any("Đỗ Quang Vinh" in n for n in names)  # the demo leader of Sở Tư pháp
    assert not any("Hoàng Văn Nam" in n for n in names)  # Sở Xây dựng's
    counter = await client.get("/complaints/new/officials?agency=center")
    assert any("Phạm Thu Hà" in n for n in text_of(counter.text, "option"))

    # Chosen from one agency's list but filed about another: refused.
    other = await post_multipart(
        client,
        "/complaints/new",
        **form(people, agency=str(people.agency("sxd")), official_id=str(people.stp_leader.id)),
    )
    assert other.status_code == 422
    assert "không thuộc cơ quan đã chọn" in " ".join(text_of(other.text, "#e-official_id"))
    ok = await post_multipart(
        client, "/complaints/new", **form(people, official_id=str(people.stp_leader.id))
    )
    assert ok.status_code == 303
    assert (await newest())["official"] == people.stp_leader.id


async def test_anonymous_filing_is_limited_per_address(app: Any, people: People) -> None:
    async with another_client(app, "198.51.100.23") as c:
        for _ in range(10):
            r = await post_multipart(c, "/complaints/new", **form(people, content="ngắn"))
            assert r.status_code == 422
        r = await post_multipart(c, "/complaints/new", **form(people))
        assert r.status_code == 429
        assert "quá nhiều phản ánh" in r.text
    async with another_client(app, "198.51.100.24") as c:  # another address is not affected
        assert (await post_multipart(c, "/complaints/new", **form(people))).status_code == 303


async def test_the_receipt_is_the_filers_only(client: Client, people: People) -> None:
    await post_multipart(client, "/complaints/new", **form(people))
    saved = await newest()
    r = await client.get(f"/complaints/{saved['code']}/receipt")
    assert r.status_code == 303
    assert r.headers["location"] == f"/complaints/track?code={saved['code']}"
    wrong_key = link_key(saved["code"], "0987654321")
    wrong = await client.get(f"/complaints/{saved['code']}/receipt?key={wrong_key}")
    assert wrong.status_code == 303 and wrong.headers["location"].startswith("/complaints/track")
