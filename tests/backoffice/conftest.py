"""Back-office helpers: staff sign-in, a submitted dossier of a given agency, running actions."""

from __future__ import annotations

import re
from typing import Any

import httpx

from backend.catalog.tables import Procedure
from backend.dossiers.tables import Dossier
from tests.dossiers.conftest import fill_required, photo, start_draft, submit
from tests.helpers import Client, csrf, register


async def submitted_dossier(
    client: Client, agency: str = "stp", days_min: int = 1
) -> dict[str, Any]:
    """A citizen (signed in on `client`) submits a dossier for a procedure of `agency`."""
    phone = await register(client)
    procs = await Procedure.select(Procedure.id, Procedure.processing_days).where(
        Procedure.agency.code == agency
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
    token = await csrf(client)
    data: dict[str, Any] = {"_csrf_token": token, **fields}
    files = fields.pop("files", None) or {"unused": ("", b"", "application/octet-stream")}
    data.pop("files", None)
    return await client.post(
        f"/dossiers/{dossier_id}/actions/{action}", data=data, files=files, follow_redirects=False
    )


def alert_text(html: str) -> str:
    from tests.helpers import soup

    return " ".join(el.get_text(" ", strip=True) for el in soup(html).select(".alert, .error"))


# One page (a PDF is rewritten by qpdf when uploaded; one without pages is refused).
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
__all__ = ["PDF", "act", "alert_text", "photo", "submitted_dossier"]
_ = re
