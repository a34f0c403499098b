"""A parcel's label (printed at the counter, read by the courier's camera) and its proof of
delivery (the recipient's photo or signature)."""

from __future__ import annotations

import segno
from litestar import Controller, Response, get
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from backend.access.guards import SignedIn, signed_in
from backend.access.roles import Role
from backend.dossiers.uploads import file_store
from backend.lib.errors import NotFound
from backend.lib.i18n import N_
from backend.lib.web import USER_FILE_HEADERS, render
from backend.postal import queries
from backend.postal.tariff import PAYMENT_LABELS

PROOF_TYPES = {"png": "image/png", "webp": "image/webp", "jpg": "image/jpeg"}


class ParcelController(Controller):
    path = "/postal/parcels"
    include_in_schema = False
    guards = [signed_in]

    @get("/{shipment_id:int}/label")
    async def label(self, request: HTMXRequest, user: SignedIn, shipment_id: int) -> Template:
        if user.role not in (*queries.CENTER_ROLES, Role.POSTAL):
            raise NotFound(N_("Không tìm thấy bưu gửi này."))
        row = await queries.parcel_for(user, shipment_id)
        qr = segno.make(row["code"], error="m").svg_inline(scale=4, border=2, title=row["code"])
        return render(
            request, "postal/label.html", parcel=row, qr=qr, payment_labels=PAYMENT_LABELS
        )

    @get("/{shipment_id:int}/proof")
    async def proof(self, user: SignedIn, shipment_id: int) -> Response[bytes]:
        """The citizen it was for, the center's staff and the post office see it."""
        row = await queries.parcel_for(user, shipment_id)
        if not row["proof_sha256"]:
            raise NotFound(N_("Bưu gửi này chưa có ảnh xác nhận."))
        with file_store().open(row["proof_sha256"], row["proof_extension"]) as f:
            content = f.read()
        kind = PROOF_TYPES.get(row["proof_extension"], "image/jpeg")
        return Response(content, media_type=kind, headers=USER_FILE_HEADERS)
