"""Drafts: saved as the citizen goes, resumed on another device, limits per dossier."""

from __future__ import annotations

import dataclasses
import io
import os

import pytest
from litestar import Litestar
from PIL import Image

from backend.dossiers.tables import Dossier, DossierFile
from backend.settings import get_settings
from tests.dossiers.conftest import photo, procedure_with_documents, start_draft, upload
from tests.helpers import (
    CITIZEN_PASSWORD,
    Client,
    another_client,
    csrf,
    new_phone,
    register,
    sign_in,
    sign_in_admin,
    soup,
)


def noise_photo() -> bytes:
    """A JPEG of random pixels: it stays large after the server re-encodes it."""
    out = io.BytesIO()
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(out, "JPEG", quality=90)
    return out.getvalue()


async def test_draft_resumes_on_another_device(client: Client, app: Litestar) -> None:
    phone = await register(client, new_phone())
    proc = await procedure_with_documents(client)
    doc = next(d for d in proc["documents"] if d["required"])
    dossier_id = await start_draft(client, proc["id"])
    assert (await upload(client, dossier_id, doc["id"], photo())).status_code == 200
    token = await csrf(client)
    saved = await client.post(
        f"/dossiers/{dossier_id}/delivery",
        data={"delivery_method": "post", "recipient_name": "Đỗ Thị Mai", "street": "Số 3 ngõ 5"},
        headers={"x-csrftoken": token, "HX-Request": "true"},
    )
    assert saved.status_code == 200 and "Đã lưu nháp" in saved.text

    async with another_client(app, "198.51.100.30") as phone2:
        await sign_in(phone2, phone, CITIZEN_PASSWORD)
        mine = await phone2.get("/my/dossiers")
        assert f"/dossiers/{dossier_id}/edit" in mine.text and "Bản nháp" in mine.text
        # Starting the same procedure again opens the same draft, not a new empty one.
        assert await start_draft(phone2, proc["id"]) == dossier_id
        page = soup((await phone2.get(f"/dossiers/{dossier_id}/edit")).text)
        assert len(page.select(f"#slot-{doc['id']} .pages li")) == 1
        assert page.select_one("input[name=delivery_method][value=post]").has_attr("checked")
        assert page.select_one("#f-recipient_name")["value"] == "Đỗ Thị Mai"
        assert page.select_one("#f-street")["value"] == "Số 3 ngõ 5"


async def test_delete_a_page_from_the_draft(client: Client) -> None:
    await register(client)
    proc = await procedure_with_documents(client)
    doc = next(d for d in proc["documents"] if d["required"])
    dossier_id = await start_draft(client, proc["id"])
    await upload(client, dossier_id, doc["id"], photo(800, 1000))
    await upload(client, dossier_id, doc["id"], photo(900, 1100))
    files = await DossierFile.select(DossierFile.id).where(DossierFile.dossier == dossier_id)
    assert len(files) == 2
    token = await csrf(client)
    r = await client.post(
        f"/dossiers/{dossier_id}/files/{files[0]['id']}/delete",
        data={"slot": str(doc["id"])},
        headers={"x-csrftoken": token, "HX-Request": "true"},
    )
    assert r.status_code == 200
    assert len(soup(r.text).select(".pages li")) == 1
    assert await DossierFile.count().where(DossierFile.dossier == dossier_id) == 1


async def test_dossier_total_size_is_limited(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.dossiers import drafts

    small = dataclasses.replace(get_settings(), max_dossier_mb=1)
    monkeypatch.setattr(drafts, "get_settings", lambda: small)
    await register(client)
    proc = await procedure_with_documents(client)
    doc = next(d for d in proc["documents"] if d["required"])
    dossier_id = await start_draft(client, proc["id"])
    for _ in range(12):
        r = await upload(client, dossier_id, doc["id"], noise_photo())
        if r.status_code == 422:
            assert (
                "Tổng dung lượng hồ sơ vượt quá 1 MB"
                in soup(r.text).select_one(".error").get_text()
            )
            break
    else:
        pytest.fail("the per-dossier limit never applied")
    total = sum(
        f["size"]
        for f in await DossierFile.select(DossierFile.size).where(DossierFile.dossier == dossier_id)
    )
    assert 0 < total <= 1024 * 1024
    assert (await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first())[
        "status"
    ] == 0


async def test_staff_cannot_start_a_citizen_dossier(client: Client) -> None:
    await sign_in_admin(client)
    proc = await procedure_with_documents(client)
    # The token of the visit before sign-in ended with it: the session has its own.
    token = await csrf(client)
    r = await client.post(f"/procedures/{proc['id']}/start", data={"_csrf_token": token})
    assert r.status_code == 403
    assert "Chỉ tài khoản công dân" in r.text
