"""Shared steps over real HTTP: the citizen's path (a draft, its pages, submitting) and the back
office's (a submitted dossier of a given agency, running an action on it)."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from PIL import ExifTags, Image

from backend.catalog.tables import Procedure
from backend.dossiers.tables import Dossier
from tests.helpers import Client, csrf, register, soup


def photo(width: int = 1200, height: int = 1600, gps: bool = True) -> bytes:
    """A real JPEG as a phone writes it, with a GPS position in its EXIF."""
    image = Image.new("RGB", (width, height), (240, 236, 230))
    image.paste((30, 30, 30), (width // 10, height // 10, width // 2, height // 8))
    exif = Image.Exif()
    if gps:
        g = exif.get_ifd(ExifTags.IFD.GPSInfo)
        g[ExifTags.GPS.GPSLatitudeRef] = "N"
        g[ExifTags.GPS.GPSLatitude] = (20.0, 15.0, 3.0)
        g[ExifTags.GPS.GPSLongitudeRef] = "E"
        g[ExifTags.GPS.GPSLongitude] = (105.0, 58.0, 30.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=80)
    return out.getvalue()


async def procedure_with_documents(client: Client, min_required: int = 1) -> dict[str, Any]:
    """A demo procedure offering postal delivery, with its required documents (API)."""
    for p in (await client.get("/api/v1/procedures")).json():
        detail = (await client.get(f"/api/v1/procedures/{p['id']}")).json()
        required = [d for d in detail["documents"] if d["required"]]
        if len(required) >= min_required and "post" in detail["delivery_options"]:
            return detail
    raise AssertionError("no suitable demo procedure")


async def start_draft(client: Client, procedure_id: int) -> int:
    token = await csrf(client)
    r = await client.post(
        f"/procedures/{procedure_id}/start", data={"_csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    match = re.fullmatch(r"/dossiers/(\d+)/edit", r.headers["location"])
    assert match, r.headers["location"]
    return int(match.group(1))


async def upload(
    client: Client,
    dossier_id: int,
    document_id: int,
    content: bytes,
    name: str = "anh.jpg",
    slot: bool = True,
) -> Any:
    """What the page's script does for one chosen photo: post it to the slot."""
    token = await csrf(client)
    data = {"_csrf_token": token}
    if slot:
        data["slot"] = str(document_id)
    return await client.post(
        f"/dossiers/{dossier_id}/edit",
        data=data,
        files={f"doc-{document_id}": (name, content, "image/jpeg")},
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )


async def fill_required(client: Client, dossier_id: int, procedure: dict[str, Any]) -> None:
    for d in procedure["documents"]:
        if d["required"]:
            r = await upload(client, dossier_id, d["id"], photo())
            assert r.status_code == 200, r.text


async def submit(client: Client, dossier_id: int, **fields: str) -> Any:
    token = await csrf(client)
    data = {"_csrf_token": token, "action": "submit", "delivery_method": "counter", **fields}
    # The page posts multipart (it may carry files); an empty file part is what a browser
    # sends for an input left empty.
    return await client.post(
        f"/dossiers/{dossier_id}/edit",
        data=data,
        files={"unused": ("", b"", "application/octet-stream")},
        follow_redirects=False,
    )


# --- the back office ---------------------------------------------------------------------------


async def code_of(dossier_id: int) -> str:
    """The dossier's code (it has one once submitted)."""
    row = await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first()
    assert row is not None and row["code"]
    return str(row["code"])


async def submitted_dossier(
    client: Client, agency: str = "stp", days_min: int = 1
) -> dict[str, Any]:
    """A citizen (signed in on `client`) submits a dossier for a procedure of `agency`."""
    phone = await register(client)
    procs = await Procedure.select(Procedure.id, Procedure.processing_days).where(
        # Not one decided by communes: it would leave the agency at receipt.
        (Procedure.agency.code == agency) & Procedure.decided_by_commune.eq(False)
    )
    proc_id = next(p["id"] for p in procs if p["processing_days"] >= days_min)
    detail = (await client.get(f"/api/v1/procedures/{proc_id}")).json()
    dossier_id = await start_draft(client, proc_id)
    await fill_required(client, dossier_id, detail)
    r = await submit(client, dossier_id)
    assert r.status_code == 303, r.text
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None
    return {**row, "phone": phone, "procedure_detail": detail}


async def act(client: Client, dossier_id: int, action: str, **fields: Any) -> httpx.Response:
    """A staff action's form on the dossier page (multipart, as the page posts it)."""
    token = await csrf(client)
    data: dict[str, Any] = {"_csrf_token": token, **fields}
    files = fields.pop("files", None) or {"unused": ("", b"", "application/octet-stream")}
    data.pop("files", None)
    return await client.post(
        f"/dossiers/{dossier_id}/actions/{action}", data=data, files=files, follow_redirects=False
    )


def alert_text(html: str) -> str:
    """The messages a page shows (alerts and errors beside fields), as one text."""
    return " ".join(el.get_text(" ", strip=True) for el in soup(html).select(".alert, .error"))
