"""Through real HTTP: an image bomb is refused beside its slot while a normal photo passes; a
hostile PDF is stored cleaned; a dossier's files are served private, unsniffed and sandboxed,
as attachments when asked and always for PDFs (issue 11, items 4 and 12)."""

from __future__ import annotations

import io
import itertools
import os
import re
from typing import Any

import pikepdf
from PIL import Image

from tests.helpers import Client, csrf, register
from tests.lib.test_image_limits import the_bomb
from tests.lib.test_pdf_cleaning import hostile_pdf

_phones = itertools.count(1)
SANDBOX = {
    "cache-control": "private, no-store",
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; frame-ancestors 'none'",
}


def _phone() -> str:
    # Numbers of their own (0388…, the pid in them): other tests' helpers count from 0389….
    return f"0388{os.getpid() % 100:02d}{next(_phones):04d}"


async def citizen_with_a_draft(client: Client) -> tuple[int, int]:
    """A new citizen (registered through the form) and a draft; returns (dossier, slot)."""
    await register(client, _phone(), name="Trần Thị Ảnh")
    procedure = (await client.get("/api/v1/procedures")).json()[0]["id"]
    r = await client.post(
        f"/procedures/{procedure}/start",
        data={"_csrf_token": await csrf(client)},
        follow_redirects=False,
    )
    started = re.fullmatch(r"/dossiers/(\d+)/edit", r.headers["location"])
    assert started is not None, r.headers["location"]
    dossier = int(started[1])
    edit = (await client.get(f"/dossiers/{dossier}/edit")).text
    return dossier, int(re.findall(r'data-slot="(\d+)"', edit)[0])


async def send(client: Client, dossier: int, slot: int, name: str, content: bytes) -> Any:
    """What the page's script does for one chosen file: post it to its slot."""
    return await client.post(
        f"/dossiers/{dossier}/edit",
        data={"_csrf_token": await csrf(client), "slot": str(slot)},
        files={f"doc-{slot}": (name, content, "application/octet-stream")},
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )


def file_links(html: str, dossier: int) -> list[str]:
    return re.findall(rf'href="(/dossiers/{dossier}/files/\d+)"', html)


def photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((800, 600), 50).convert("RGB").save(out, format="JPEG")
    return out.getvalue()


async def test_the_bomb_is_refused_beside_its_slot_and_a_photo_passes(client: Client) -> None:
    dossier, slot = await citizen_with_a_draft(client)

    r = await send(client, dossier, slot, "bomb.png", the_bomb())
    assert r.status_code == 422
    message = re.search(rf'id="e-doc-{slot}">([^<]+)<', r.text)
    assert message is not None and message[1] == (
        "Ảnh “bomb.png” có độ phân giải quá lớn (trên 41 megapixel). "
        "Hãy chụp lại với độ phân giải thấp hơn."
    )
    assert file_links(r.text, dossier) == []

    r = await send(client, dossier, slot, "giay-to.jpg", photo())
    assert r.status_code == 200 and len(file_links(r.text, dossier)) == 1


async def test_files_are_served_private_unsniffed_and_sandboxed(client: Client) -> None:
    dossier, slot = await citizen_with_a_draft(client)
    await send(client, dossier, slot, "giay-to.jpg", photo())
    r = await send(client, dossier, slot, "to-khai.pdf", hostile_pdf())
    assert r.status_code == 200, r.text
    image_url, pdf_url = file_links(r.text, dossier)

    shown = await client.get(image_url)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert SANDBOX.items() <= shown.headers.items()
    assert shown.headers["content-disposition"].startswith("inline")
    thumbnail = await client.get(image_url + "/thumb")
    assert SANDBOX.items() <= thumbnail.headers.items()
    saved = await client.get(image_url + "?download=1")
    assert saved.headers["content-disposition"].startswith("attachment")
    assert SANDBOX.items() <= saved.headers.items()

    # A PDF is always a download: browsers refuse to show a sandboxed PDF.
    pdf = await client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert SANDBOX.items() <= pdf.headers.items()
    with pikepdf.open(io.BytesIO(pdf.content)) as cleaned:
        assert "/OpenAction" not in cleaned.Root
        assert "/EmbeddedFiles" not in cleaned.Root.Names
    assert b"app.alert" not in pdf.content
