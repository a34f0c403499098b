"""Agencies, as the administrator adds and changes them."""

from __future__ import annotations

from backend.catalog.queries import get_agency
from backend.catalog.schemas import AgencyInput, NewAgencyInput
from backend.catalog.services import procedure_search_text
from backend.catalog.tables import Agency, Procedure
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import N_


async def create_agency(form: NewAgencyInput) -> int:
    taken = FormErrors(
        [UserError(N_("Đã có cơ quan mang mã {code}."), field="code", code=form.code)]
    )
    if await Agency.exists().where(Agency.code == form.code):
        raise taken
    row = Agency(code=form.code, name=form.name, kind=form.kind, note=form.note)
    try:
        await row.save()
    except Exception as e:
        if is_unique_violation(e):
            raise taken from e
        raise
    return int(row.id)


async def update_agency(agency_id: int, form: AgencyInput) -> None:
    """The code stays as it was made: links and accounts refer to it."""
    current = await get_agency(agency_id)
    async with write_transaction():
        await Agency.update(
            {Agency.name: form.name, Agency.kind: form.kind, Agency.note: form.note}
        ).where(Agency.id == agency_id)
        if form.name != current["name"]:
            # The agency's name is part of what search matches for each of its procedures.
            for p in await Procedure.select(
                Procedure.id, Procedure.name, Procedure.national_code, Procedure.field
            ).where(Procedure.agency == agency_id):
                await Procedure.update(
                    {
                        Procedure.search_text: procedure_search_text(
                            p["name"], p["national_code"], p["field"], form.name
                        )
                    }
                ).where(Procedure.id == p["id"])
