"""The citizen's path over HTTP: draft, upload, completeness, submit, receipt, tracking."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import datetime

from litestar import Litestar
from PIL import Image

from backend.dossiers.codes import CODE_PATTERN
from backend.dossiers.tables import Dossier, DossierEvent, DossierFile
from backend.settings import get_settings
from tests.dossiers.conftest import (
    fill_required,
    photo,
    procedure_with_documents,
    start_draft,
    submit,
    upload,
)
from tests.helpers import (
    CITIZEN_PASSWORD,
    Client,
    another_client,
    api_headers,
    csrf,
    new_phone,
    register,
    soup,
    text_of,
)


async def test_full_path_draft_upload_submit_receipt_track(client: Client) -> None:
    phone = await register(client, name="Phạm Thị Hoa")
    proc = await procedure_with_documents(client)
    dossier_id = await start_draft(client, proc["id"])

    page = await client.get(f"/dossiers/{dossier_id}/edit")
    assert page.status_code == 200
    required = [d for d in proc["documents"] if d["required"]]
    slots = soup(page.text).select(".slot")
    assert len(slots) == len(proc["documents"])
    assert soup(page.text).select_one(
        f"#slot-{required[0]['id']} input[type=file][accept='image/*,application/pdf'][multiple]"
    )

    await fill_required(client, dossier_id, proc)
    r = await submit(client, dossier_id)
    assert r.status_code == 303
    assert r.headers["location"] == f"/dossiers/{dossier_id}/receipt"

    receipt = await client.get(r.headers["location"])
    html = soup(receipt.text)
    # Online and not yet received: a confirmation of submission; form 01 comes at receipt.
    assert html.select_one("h1").text == "Xác nhận nộp hồ sơ trực tuyến"
    code = html.select_one(".receipt strong.code").get_text(strip=True)
    assert CODE_PATTERN.match(code) and code.startswith(get_settings().unit_code + "-")
    local_day = datetime.now(get_settings().time_zone).strftime("%y%m%d")
    assert f"-{local_day}-" in code
    assert html.select_one(".qr svg") is not None
    assert "Phạm Thị Hoa" in receipt.text

    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row["status"] == 1 and row["code"] == code and row["appointment_date"] is not None
    assert row["applicant_phone"] == phone
    events = await DossierEvent.select().where(DossierEvent.dossier == dossier_id)
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [("submit", 0, 1)]

    mine = await client.get("/my/dossiers")
    assert code in mine.text and "Mới đăng ký" in text_of(mine.text, ".badge")

    detail = await client.get(f"/dossiers/{dossier_id}")
    assert detail.status_code == 200
    assert len(soup(detail.text).select(".timeline li")) == 1
    assert len(soup(detail.text).select(".pages img")) == len(required)

    # Public lookup, from a browser that is not signed in.
    client.cookies.clear()
    token = await csrf(client)
    found = await client.post("/track", data={"_csrf_token": token, "code": code, "phone": phone})
    assert found.status_code == 200
    assert "Mới đăng ký" in text_of(found.text, ".badge")


async def test_api_submission_is_idempotent_and_returns_code(client: Client) -> None:
    phone = new_phone()
    await register(client, phone)
    headers = {
        **await api_headers(client, phone, CITIZEN_PASSWORD),
        "Idempotency-Key": "mobile-abc-123",
    }
    proc = await procedure_with_documents(client)
    files = [
        (f"doc-{d['id']}", ("p.jpg", photo(), "image/jpeg"))
        for d in proc["documents"]
        if d["required"]
    ]
    data = {
        "procedure_id": str(proc["id"]),
        "delivery_method": "post",
        "recipient_name": "Phạm Hoa",
        "recipient_phone": phone,
        "street": "12 Trần Hưng Đạo",
        "ward_code": "14329",  # Phường Hoa Lư
        "province": "ninh binh",  # written any way: stored as the official short name
    }
    client.cookies.clear()
    first = await client.post("/api/v1/dossiers", data=data, files=files, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert CODE_PATTERN.match(body["code"]) and body["status"] == 1 and body["appointment_date"]
    assert body["delivery_method"] == "post"
    row = await Dossier.select().where(Dossier.code == body["code"]).first()
    assert (row["ward_code"], row["ward"], row["delivery_province"]) == (
        "14329",
        "Phường Hoa Lư",
        "Ninh Bình",
    )
    again = await client.post("/api/v1/dossiers", data=data, files=files, headers=headers)
    assert again.status_code == 200
    assert again.json()["code"] == body["code"]
    assert await Dossier.count().where(Dossier.idempotency_key.like("%:mobile-abc-123")) == 1

    listed = await client.get("/api/v1/dossiers", headers=headers)
    assert [d["code"] for d in listed.json()] == [body["code"]]
    one = await client.get(f"/api/v1/dossiers/{body['code']}", headers=headers)
    assert one.json()["events"][0]["to_status"] == 1

    tracked = await client.get("/api/v1/track", params={"code": body["code"], "phone": phone})
    assert tracked.status_code == 200
    assert tracked.json()["status"] == 1 and tracked.json()["status_label"] == "Mới đăng ký"
    wrong = await client.get("/api/v1/track", params={"code": body["code"], "phone": "0911111111"})
    assert wrong.status_code == 404 and "status" not in wrong.json()


async def test_api_submission_without_required_document_says_what_is_missing(
    client: Client,
) -> None:
    phone = new_phone()
    await register(client, phone)
    signed_in = await api_headers(client, phone, CITIZEN_PASSWORD)
    proc = await procedure_with_documents(client, min_required=2)
    first_required = next(d for d in proc["documents"] if d["required"])
    r = await client.post(
        "/api/v1/dossiers",
        data={"procedure_id": str(proc["id"])},
        files=[(f"doc-{first_required['id']}", ("p.jpg", photo(), "image/jpeg"))],
        headers={**signed_in, "Idempotency-Key": "missing-docs-1"},
    )
    assert r.status_code == 422
    missing = {d["id"] for d in r.json()["missing"]}
    assert missing == {d["id"] for d in proc["documents"] if d["required"]} - {first_required["id"]}


async def test_double_submit_makes_one_dossier(client: Client) -> None:
    await register(client)
    proc = await procedure_with_documents(client)
    dossier_id = await start_draft(client, proc["id"])
    await fill_required(client, dossier_id, proc)
    first, second = await asyncio.gather(submit(client, dossier_id), submit(client, dossier_id))
    assert first.status_code == second.status_code == 303
    third = await submit(client, dossier_id)  # a retry after a dropped connection
    assert third.status_code == 303
    row = await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first()
    assert await Dossier.count().where(Dossier.code == row["code"]) == 1
    assert await DossierEvent.count().where(DossierEvent.dossier == dossier_id) == 1


async def test_completeness_check_names_exactly_what_is_missing(client: Client) -> None:
    await register(client)
    proc = await procedure_with_documents(client, min_required=2)
    required = [d for d in proc["documents"] if d["required"]]
    dossier_id = await start_draft(client, proc["id"])
    r = await upload(client, dossier_id, required[0]["id"], photo())
    assert r.status_code == 200
    refused = await submit(client, dossier_id)
    assert refused.status_code == 422
    listed = text_of(refused.text, "#missing li")
    assert listed == [d["name"] for d in required[1:]]
    assert "còn thiếu" in soup(refused.text).select_one("#missing").get_text().lower()
    assert (await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first())[
        "status"
    ] == 0


async def test_postal_delivery_needs_a_complete_address_and_keeps_typed_values(
    client: Client,
) -> None:
    await register(client)
    proc = await procedure_with_documents(client)
    dossier_id = await start_draft(client, proc["id"])
    await fill_required(client, dossier_id, proc)
    r = await submit(
        client,
        dossier_id,
        delivery_method="post",
        recipient_name="Ngô Văn Bình",
        recipient_phone="0123",
        street="",
        ward_code="14464",  # Xã Gia Viễn
        province="Ninh Bình",
    )
    assert r.status_code == 422
    page = soup(r.text)
    assert page.select_one("#f-recipient_name")["value"] == "Ngô Văn Bình"
    chosen = page.select_one("input[name=ward_code][checked]")
    assert chosen["value"] == "14464" and "Xã Gia Viễn" in chosen.parent.get_text()
    errors = {e["id"]: e.get_text() for e in page.select(".field .error")}
    assert "Số điện thoại không đúng" in errors["e-recipient_phone"]
    assert "số nhà" in errors["e-street"]
    # What was typed is saved on the draft too: nothing is lost if the phone dies now.
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert (
        row["status"] == 0
        and row["delivery_method"] == "post"
        and row["recipient_name"] == "Ngô Văn Bình"
    )

    ok = await submit(
        client,
        dossier_id,
        delivery_method="post",
        recipient_name="Ngô Văn Bình",
        recipient_phone="0912 000 111",
        street="Số 5, thôn Đông",
        ward_code="14464",
        province="Ninh Bình",
    )
    assert ok.status_code == 303
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert (row["status"], row["recipient_phone"], row["street"], row["ward"]) == (
        1,
        "0912000111",
        "Số 5, thôn Đông",
        "Xã Gia Viễn",
    )


async def test_refused_file_leaves_draft_and_other_files_intact(client: Client) -> None:
    await register(client)
    proc = await procedure_with_documents(client)
    doc = next(d for d in proc["documents"] if d["required"])
    dossier_id = await start_draft(client, proc["id"])
    assert (await upload(client, dossier_id, doc["id"], photo())).status_code == 200

    exe = b"MZ\x90\x00" + b"\x00" * 4000
    r = await upload(client, dossier_id, doc["id"], exe, name="giay-to.jpg")
    assert r.status_code == 422
    assert "không phải ảnh" in soup(r.text).select_one(f"#e-doc-{doc['id']}").get_text()
    assert len(soup(r.text).select(".pages li")) == 1

    limit = get_settings().max_file_bytes
    oversize = photo(400, 400) + b"\x00" * limit  # a real image that is simply too big
    r = await upload(client, dossier_id, doc["id"], oversize, name="rat-lon.png")
    assert r.status_code == 422
    message = soup(r.text).select_one(f"#e-doc-{doc['id']}").get_text()
    assert "rat-lon.png" in message and f"{get_settings().max_file_mb} MB" in message
    assert await DossierFile.count().where(DossierFile.dossier == dossier_id) == 1


async def test_gps_is_removed_from_uploaded_photo(client: Client) -> None:
    await register(client)
    proc = await procedure_with_documents(client)
    doc = next(d for d in proc["documents"] if d["required"])
    dossier_id = await start_draft(client, proc["id"])
    original = photo(gps=True)
    assert b"Exif" in original
    await upload(client, dossier_id, doc["id"], original)
    f = await DossierFile.select().where(DossierFile.dossier == dossier_id).first()
    served = await client.get(f"/dossiers/{dossier_id}/files/{f['id']}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert "no-store" in served.headers["cache-control"]
    assert b"Exif" not in served.content
    assert not Image.open(io.BytesIO(served.content)).getexif()


async def test_another_citizen_sees_nothing(client: Client, app: Litestar) -> None:
    await register(client)
    proc = await procedure_with_documents(client)
    dossier_id = await start_draft(client, proc["id"])
    await fill_required(client, dossier_id, proc)
    await submit(client, dossier_id)
    code = (await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first())["code"]
    file_id = (
        await DossierFile.select(DossierFile.id).where(DossierFile.dossier == dossier_id).first()
    )["id"]

    async with another_client(app, "198.51.100.20") as other:
        await register(other)
        for path in (
            f"/dossiers/{dossier_id}",
            f"/dossiers/{dossier_id}/edit",
            f"/dossiers/{dossier_id}/receipt",
            f"/dossiers/{dossier_id}/files/{file_id}",
            f"/dossiers/{dossier_id}/files/{file_id}/thumb",
        ):
            r = await other.get(path, follow_redirects=False)
            assert r.status_code == 404, path
            assert code not in r.text
        r = await upload(other, dossier_id, proc["documents"][0]["id"], photo())
        assert r.status_code == 404
        assert code not in (await other.get("/my/dossiers")).text
        # Anonymous: sent to sign in, never shown the file.
        other.cookies.clear()
        r = await other.get(f"/dossiers/{dossier_id}/files/{file_id}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_public_lookup_with_wrong_phone_reveals_nothing(client: Client) -> None:
    phone = await register(client)
    proc = await procedure_with_documents(client)
    dossier_id = await start_draft(client, proc["id"])
    await fill_required(client, dossier_id, proc)
    await submit(client, dossier_id)
    code = (await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first())["code"]
    client.cookies.clear()
    token = await csrf(client)
    wrong_phone = await client.post(
        "/track", data={"_csrf_token": token, "code": code, "phone": "0911111111"}
    )
    unknown_code = await client.post(
        "/track", data={"_csrf_token": token, "code": code[:-4] + "9999", "phone": phone}
    )
    assert wrong_phone.status_code == unknown_code.status_code == 404
    for r in (wrong_phone, unknown_code):
        assert not soup(r.text).select(".status-card")
        assert "Mới đăng ký" not in r.text and proc["name"] not in r.text
    assert text_of(wrong_phone.text, ".alert") == text_of(unknown_code.text, ".alert")


async def test_public_lookup_is_rate_limited(client: Client) -> None:
    for i in range(31):
        r = await client.get(
            "/api/v1/track", params={"code": f"X-000000-{i:04d}", "phone": "0911111111"}
        )
    assert r.status_code == 429
    assert "quá nhiều" in r.json()["detail"]


async def test_fifty_concurrent_submissions_get_unique_codes(client: Client) -> None:
    """The real submit service, 50 citizens at once: codes unique and consecutive."""
    from backend.accounts.services import start_session, user_for_token
    from backend.dossiers import drafts, submission
    from backend.dossiers.uploads import file_store

    proc = await procedure_with_documents(client)
    stored_tmp = get_settings().upload_dir / "tmp" / "concurrency.jpg"
    stored_tmp.parent.mkdir(parents=True, exist_ok=True)
    stored_tmp.write_bytes(photo(400, 600))
    stored = file_store().accept(stored_tmp, "a.jpg")
    users = []
    for _ in range(50):
        async with __import__("httpx").AsyncClient(
            transport=client._transport, base_url="http://testserver.local"
        ) as c:
            phone = await register(c)
        from backend.accounts.tables import User

        user_id = (await User.select(User.id).where(User.login == phone).first())["id"]
        users.append(await user_for_token(await start_session(user_id, "api"), "api"))
    made = []
    for user in users:
        dossier_id = await drafts.start_draft(user, proc["id"])
        for d in proc["documents"]:
            if d["required"]:
                await drafts.add_file(user, dossier_id, d["id"], stored, "a.jpg")
        made.append((user, dossier_id))
    results = await asyncio.gather(*(submission.submit(u, d) for u, d in made))
    codes = [r["code"] for r in results]
    assert len(set(codes)) == 50
    prefix = {c.rsplit("-", 1)[0] for c in codes}
    assert len(prefix) == 1
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(numbers[0], numbers[0] + 50))
    assert all(re.fullmatch(r".+-\d{6}-\d{4}", c) for c in codes)
