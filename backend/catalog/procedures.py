"""Procedures and their required documents, as the administrator adds and changes them."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from piccolo.columns import Column

from backend.catalog.queries import (
    agency_names,
    get_document,
    get_procedure_for_admin,
    list_documents,
)
from backend.catalog.schemas import DELIVERY_OPTIONS, DocumentInput, ProcedureInput
from backend.catalog.services import procedure_search_text
from backend.catalog.tables import Procedure, RequiredDocument
from backend.lib.db import is_referenced, write_transaction
from backend.lib.errors import FormErrors, NotFound, UserError
from backend.lib.forms import RawForm, attempt, first, has_error, to_int
from backend.lib.i18n import N_

# The procedure columns the edit form shows as plain text fields.
PROCEDURE_TEXT_FIELDS = (
    "name",
    "national_code",
    "field",
    "level",
    "agency",
    "processing_days",
    "processing_note",
    "fee_vnd",
    "fee_text",
    "assign_days",
    "sign_days",
    "online_level",
    "legal_basis",
)


def procedure_form_values(row: dict[str, Any]) -> dict[str, str]:
    """A stored procedure as the strings its edit form shows."""
    values = {k: "" if row.get(k) is None else str(row[k]) for k in PROCEDURE_TEXT_FIELDS}
    for d in (row.get("result_delivery") or "").split(","):
        if d in DELIVERY_OPTIONS:
            values[f"delivery_{d}"] = "1"
    values["active"] = "1" if row.get("active") else ""
    values["same_day_cutoff"] = "1" if row.get("same_day_cutoff") else ""
    values["decided_by_commune"] = "1" if row.get("decided_by_commune") else ""
    return values


async def _read_procedure(data: RawForm) -> dict[str, Any]:
    """Every column the form saves, its search text included; the agency must exist."""
    agencies = await agency_names()
    form, errors = attempt(ProcedureInput, data)
    # An unknown agency is refused like a missing one, with the other fields' errors.
    if not has_error(errors, "agency") and to_int(first(data, "agency")) not in agencies:
        errors.append(UserError(N_("Vui lòng chọn cơ quan."), field="agency"))
    if errors:
        raise FormErrors(errors)
    assert form is not None
    values = dataclasses.asdict(form)
    values["search_text"] = procedure_search_text(
        form.name, form.national_code, form.field, agencies[form.agency]
    )
    values["national_code"] = form.national_code or None
    return values


async def save_procedure(procedure_id: int | None, data: RawForm) -> int:
    """Add (None) or change a procedure; its search text always follows its name, code, field
    and agency."""
    values = await _read_procedure(data)
    if procedure_id is not None:
        await get_procedure_for_admin(procedure_id)
        columns: dict[Column | str, Any] = {
            Procedure._meta.get_column_by_name(k): v for k, v in values.items()
        }
        await Procedure.update(columns).where(Procedure.id == procedure_id)
        return procedure_id
    async with write_transaction():
        # Procedures added here get catalog ids of their own ("ADM12"): the demo loader's are
        # "P001"... and the two never meet.
        row = Procedure(catalog_id=f"tmp-{secrets.token_hex(6)}", **values)
        await row.save()
        await Procedure.update({Procedure.catalog_id: f"ADM{row.id}"}).where(Procedure.id == row.id)
    return int(row.id)


# --- required documents ------------------------------------------------------------------------


async def add_document(procedure_id: int, form: DocumentInput) -> int:
    await get_procedure_for_admin(procedure_id)
    async with write_transaction():
        last = (
            await RequiredDocument.select(RequiredDocument.position)
            .where(RequiredDocument.procedure == procedure_id)
            .order_by(RequiredDocument.position, ascending=False)
            .first()
        )
        row = RequiredDocument(
            procedure=procedure_id,
            position=(last["position"] if last else 0) + 1,
            name=form.name,
            notes=form.notes,
            required=form.required,
        )
        await row.save()
    return int(row.id)


async def update_document(procedure_id: int, document_id: int, form: DocumentInput) -> None:
    await get_document(procedure_id, document_id)
    await RequiredDocument.update(
        {
            RequiredDocument.name: form.name,
            RequiredDocument.notes: form.notes,
            RequiredDocument.required: form.required,
        }
    ).where(RequiredDocument.id == document_id)


async def _renumber(ids: list[int]) -> None:
    for position, doc_id in enumerate(ids, start=1):
        await RequiredDocument.update({RequiredDocument.position: position}).where(
            RequiredDocument.id == doc_id
        )


async def move_document(procedure_id: int, document_id: int, step: int) -> None:
    """One place up (step -1) or down (+1); positions are renumbered 1, 2, 3… on the way."""
    async with write_transaction():
        ids = [d["id"] for d in await list_documents(procedure_id)]
        if document_id not in ids:
            raise NotFound(N_("Không tìm thấy giấy tờ này."))
        i = ids.index(document_id)
        j = i + step
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
        await _renumber(ids)


async def delete_document(procedure_id: int, document_id: int) -> None:
    """Refused once a dossier holds pages for it: those pages would lose their place. (The
    dossier's pages point at the document; catalog finds them through that foreign key
    without knowing the dossiers.)"""
    await get_document(procedure_id, document_id)
    if await is_referenced(RequiredDocument, document_id):
        raise UserError(
            N_(
                "Đã có hồ sơ nộp giấy tờ này nên không xóa được. Bạn có thể sửa tên "
                "hoặc chuyển thành giấy tờ không bắt buộc."
            ),
            field="documents",
        )
    async with write_transaction():
        await RequiredDocument.delete().where(RequiredDocument.id == document_id)
        await _renumber([d["id"] for d in await list_documents(procedure_id)])
