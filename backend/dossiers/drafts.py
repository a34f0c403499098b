"""Drafts: started online or at the counter, filled slot by slot with photographed pages, and
the delivery choice; files may be added while the citizen is asked for papers.

Services take plain values and the signed-in user and never see a Request, so the pages and the
JSON API run the same checks.
"""

from __future__ import annotations

from typing import Any

from backend.access.user import CurrentUser
from backend.accounts.services import holder_account
from backend.catalog.tables import Procedure, RequiredDocument
from backend.dossiers.delivery import Delivery, clean_delivery
from backend.dossiers.files import file_row
from backend.dossiers.scope import may_edit_draft, may_view
from backend.dossiers.status import Status
from backend.dossiers.tables import Dossier, DossierFile
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.lib.files import StoredFile
from backend.lib.i18n import N_
from backend.lib.multipart import TOTAL_TOO_LARGE
from backend.lib.prepared import prepared
from backend.lib.validation import normalize_phone, require_text
from backend.settings import get_settings

NOT_FOUND = N_("Không tìm thấy hồ sơ này.")


NOT_IN_PROCEDURE = N_("Giấy tờ này không thuộc thủ tục của hồ sơ.")


async def procedure_for_submission(procedure_id: int) -> dict[str, Any]:
    row = (
        await Procedure.select(
            Procedure.id, Procedure.result_delivery, Procedure.processing_days, Procedure.agency
        )
        .where((Procedure.id == procedure_id) & Procedure.active.eq(True))
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy thủ tục này."))
    return row


async def start_walk_in(user: CurrentUser, procedure_id: int, phone: str, full_name: str) -> int:
    """A counter officer files a dossier for a citizen standing at the desk (channel 1).

    It belongs to an account made for it alone (nobody signs in to it) until the citizen
    claims it with its code and the claim code printed on the receipt (backend.dossiers.claims):
    a phone number alone never links a dossier to whoever registers with it.
    """
    if user.role.value != "counter":
        raise Forbidden(N_("Chỉ cán bộ Bộ phận Một cửa mới tiếp nhận hồ sơ trực tiếp."))
    errors: list[UserError] = []
    try:
        phone = normalize_phone(phone)
    except UserError as e:
        errors.append(e)
    try:
        full_name = require_text(full_name, "full_name", N_("Vui lòng nhập họ và tên."), 120)
    except UserError as e:
        errors.append(e)
    if errors:
        raise FormErrors(errors)
    await procedure_for_submission(procedure_id)
    citizen_id = await holder_account(full_name, phone)
    now = utcnow()
    draft = Dossier(
        procedure=procedure_id,
        citizen=citizen_id,
        status=Status.DRAFT,
        channel=1,
        applicant_name=full_name,
        applicant_phone=phone,
        created_at=now,
        updated_at=now,
        recipient_name=full_name,
        recipient_phone=phone,
    )
    await draft.save()
    return int(draft.id)


async def start_draft(
    user: CurrentUser, procedure_id: int, idempotency_key: str | None = None
) -> int:
    """The citizen's open draft for this procedure, or a new one: resuming beats starting over."""
    if not user.is_citizen:
        raise Forbidden(N_("Chỉ tài khoản công dân mới nộp được hồ sơ trực tuyến."))
    await procedure_for_submission(procedure_id)
    if idempotency_key is None:
        existing = (
            await Dossier.select(Dossier.id)
            .where(
                (Dossier.citizen == user.id)
                & (Dossier.procedure == procedure_id)
                & (Dossier.status == Status.DRAFT)
                & Dossier.idempotency_key.is_null()
            )
            .order_by(Dossier.id, ascending=False)
            .first()
        )
        if existing:
            return int(existing["id"])
    now = utcnow()
    draft = Dossier(
        procedure=procedure_id,
        citizen=user.id,
        status=Status.DRAFT,
        channel=2,
        applicant_name=user.full_name,
        applicant_phone=user.phone or "",
        created_at=now,
        updated_at=now,
        recipient_name=user.full_name,
        recipient_phone=user.phone or "",
        idempotency_key=f"{user.id}:{idempotency_key}" if idempotency_key else None,
    )
    await draft.save()
    return int(draft.id)


async def find_by_idempotency_key(user: CurrentUser, key: str) -> dict[str, Any] | None:
    return (
        await Dossier.select(Dossier.id, Dossier.code, Dossier.status)
        .where(Dossier.idempotency_key == f"{user.id}:{key}")
        .first()
    )


_DOSSIER = prepared(lambda dossier_id: Dossier.select().where(Dossier.id == dossier_id).first())


async def owned_dossier(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    """The dossier if this user may see it. A stranger gets the same answer as for no dossier."""
    row = await _DOSSIER(dossier_id)
    if row is None or not may_view(user, row):
        raise NotFound(NOT_FOUND)
    return row


async def _editable_draft(
    user: CurrentUser, dossier_id: int, states: frozenset[str] = frozenset({"draft"})
) -> dict[str, Any]:
    row = await owned_dossier(user, dossier_id)
    if not may_edit_draft(user, row):
        raise Forbidden(N_("Bạn không có quyền sửa hồ sơ này."))
    if row["state"] not in states:
        raise Conflict(N_("Hồ sơ đã nộp, không sửa được nữa."))
    return row


# While the citizen is asked for papers, they add pages to the dossier as they did to the draft.
UPLOAD_STATES = frozenset({"draft", "intake_supplement", "processing_supplement"})


async def save_delivery(user: CurrentUser, dossier_id: int, delivery: Delivery) -> Delivery:
    row = await _editable_draft(user, dossier_id)
    proc = await procedure_for_submission(row["procedure"])
    cleaned = clean_delivery(delivery, proc["result_delivery"].split(","), strict=False)
    await Dossier.update({**cleaned.as_columns(), Dossier.updated_at: utcnow()}).where(
        Dossier.id == dossier_id
    )
    return cleaned


async def add_file(
    user: CurrentUser, dossier_id: int, document_id: int, stored: StoredFile, original_name: str
) -> int:
    row = await _editable_draft(user, dossier_id, UPLOAD_STATES)
    belongs = await RequiredDocument.exists().where(
        (RequiredDocument.id == document_id) & (RequiredDocument.procedure == row["procedure"])
    )
    if not belongs:
        raise UserError(NOT_IN_PROCEDURE, field=f"doc-{document_id}")
    limit = get_settings().max_dossier_bytes
    async with write_transaction():
        used = await DossierFile.select(DossierFile.size).where(DossierFile.dossier == dossier_id)
        if sum(r["size"] for r in used) + stored.size > limit:
            raise UserError(
                TOTAL_TOO_LARGE,
                field=f"doc-{document_id}",
                limit=limit // (1024 * 1024),
            )
        f = file_row(
            dossier_id,
            stored,
            original_name,
            kind="submitted" if row["state"] == "draft" else "supplement",
            document_id=document_id,
        )
        await f.save()
        await Dossier.update({Dossier.updated_at: utcnow()}).where(Dossier.id == dossier_id)
    return int(f.id)


async def remove_file(user: CurrentUser, dossier_id: int, file_id: int) -> None:
    row = await _editable_draft(user, dossier_id, UPLOAD_STATES)
    # After submission only the supplementary pages not yet sent may be taken back.
    kinds = ["submitted"] if row["state"] == "draft" else ["supplement"]
    await DossierFile.delete().where(
        (DossierFile.id == file_id)
        & (DossierFile.dossier == dossier_id)
        & DossierFile.kind.is_in(kinds)
        & (DossierFile.uploaded_at >= (row["paused_at"] or row["created_at"]))
    )


async def remove_files(user: CurrentUser, dossier_id: int) -> None:
    """Every file of a draft (an API retry sends the whole submission again)."""
    await _editable_draft(user, dossier_id)
    await DossierFile.delete().where(DossierFile.dossier == dossier_id)


async def delete_draft(user: CurrentUser, dossier_id: int) -> None:
    """A draft its author no longer wants (never a submitted dossier: that is withdrawn). Its
    stored pages go with the cleanup of unreferenced files."""
    row = await _editable_draft(user, dossier_id)
    async with write_transaction():
        await DossierFile.delete().where(DossierFile.dossier == row["id"])
        await Dossier.delete().where((Dossier.id == row["id"]) & (Dossier.state == "draft"))


async def my_drafts(user: CurrentUser) -> list[dict[str, Any]]:
    return await (
        Dossier.select(
            Dossier.id,
            Dossier.created_at,
            Dossier.updated_at,
            Dossier.procedure,
            Dossier.procedure.name.as_alias("procedure_name"),
        )
        .where((Dossier.citizen == user.id) & (Dossier.state == "draft"))
        .order_by(Dossier.updated_at, ascending=False)
    )


_DOCUMENTS = prepared(
    lambda procedure_id: (
        RequiredDocument.select()
        .where(RequiredDocument.procedure == procedure_id)
        .order_by(RequiredDocument.position)
    )
)
_FILES = prepared(
    lambda dossier_id: (
        DossierFile.select(
            DossierFile.id,
            DossierFile.document,
            DossierFile.content_type,
            DossierFile.size,
            DossierFile.original_name,
            DossierFile.has_thumbnail,
            DossierFile.kind,
            DossierFile.uploaded_at,
        )
        .where(DossierFile.dossier == dossier_id)
        .order_by(DossierFile.id)
    )
)


async def draft_view(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    """What the submission page shows: the procedure's slots with the pages already uploaded."""
    row = await owned_dossier(user, dossier_id)
    docs = await _DOCUMENTS(row["procedure"])
    files = await _FILES(dossier_id)
    for d in docs:
        d["files"] = [f for f in files if f["document"] == d["id"]]
    row["documents"] = docs
    row["total_bytes"] = sum(f["size"] for f in files)
    return row


def missing_documents(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in view["documents"] if d["required"] and not d["files"]]
