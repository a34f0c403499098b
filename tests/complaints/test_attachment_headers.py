"""A complaint's attachments are served private, unsniffed and sandboxed (issue 11, item 12)."""

from __future__ import annotations

from backend.complaints.access import link_key
from backend.complaints.tables import Complaint, ComplaintFile
from tests.complaints.conftest import People, post_multipart
from tests.dossiers.test_upload_hardening import SANDBOX, photo
from tests.helpers import Client
from tests.lib.test_pdf_cleaning import hostile_pdf


async def test_attachments_carry_the_headers(client: Client, people: People) -> None:
    r = await post_multipart(
        client,
        "/complaints/new",
        [
            ("bien-lai.jpg", photo(), "image/jpeg"),
            ("thong-bao.pdf", hostile_pdf(), "application/pdf"),
        ],
        name="Phạm Thị Lan",
        phone="0912 345 678",
        kind="conduct",
        conduct="harassment",
        agency=str(people.agency("stp")),
        content="Cán bộ yêu cầu nộp thêm tiền ngoài quy định, không có biên lai. " * 2,
    )
    assert r.status_code == 303, r.text
    saved = await Complaint.select().order_by(Complaint.id, ascending=False).first()
    assert saved is not None
    files = await ComplaintFile.select().where(ComplaintFile.complaint == saved["id"])
    by_kind = {f["extension"]: f["id"] for f in files}
    base = f"/complaints/{saved['code']}/files"
    query = "?key=" + link_key(saved["code"], "0912345678")  # the filer's link

    image = await client.get(f"{base}/{by_kind['jpg']}{query}")
    assert image.status_code == 200 and SANDBOX.items() <= image.headers.items()
    assert image.headers["content-disposition"].startswith("inline")
    saved_image = await client.get(f"{base}/{by_kind['jpg']}{query}&download=1")
    assert saved_image.headers["content-disposition"].startswith("attachment")
    pdf = await client.get(f"{base}/{by_kind['pdf']}{query}")
    assert pdf.status_code == 200 and SANDBOX.items() <= pdf.headers.items()
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert b"app.alert" not in pdf.content
