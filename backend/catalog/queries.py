"""What the catalog's pages show: the public search and procedure page, and the lists and
items of the administration."""

from __future__ import annotations

from typing import Any

from backend.catalog.tables import Agency, CalendarDay, Counter, Procedure, RequiredDocument
from backend.lib.errors import NotFound
from backend.lib.i18n import N_
from backend.lib.pagination import PAGE_SIZE, Page, paginate
from backend.lib.text import search_terms

PROCEDURE_LIST_COLUMNS = (
    Procedure.id,
    Procedure.catalog_id,
    Procedure.national_code,
    Procedure.name,
    Procedure.processing_days,
    Procedure.online_level,
    Procedure.fee_vnd,
    Procedure.agency.code.as_alias("agency_code"),
    Procedure.agency.name.as_alias("agency_name"),
)

# --- what citizens see -------------------------------------------------------------------------


async def search_procedures(
    query: str = "", agency_code: str = "", limit: int = 100
) -> list[dict[str, Any]]:
    """Every word of the query must appear, diacritics and case ignored."""
    q = Procedure.select(*PROCEDURE_LIST_COLUMNS).where(Procedure.active.eq(True))
    for term in search_terms(query):
        q = q.where(Procedure.search_text.like(f"%{term}%"))
    if agency_code:
        q = q.where(Procedure.agency.code == agency_code)
    return await q.order_by(Procedure.name).limit(limit)


async def list_agencies() -> list[dict[str, Any]]:
    return await Agency.select(Agency.id, Agency.code, Agency.name, Agency.kind).order_by(Agency.id)


async def get_procedure(procedure_id: int) -> dict[str, Any]:
    row = (
        await Procedure.select(
            *Procedure.all_columns(exclude=[Procedure.search_text]),
            Procedure.agency.code.as_alias("agency_code"),
            Procedure.agency.name.as_alias("agency_name"),
        )
        .where((Procedure.id == procedure_id) & Procedure.active.eq(True))
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy thủ tục này."))
    row["documents"] = (
        await RequiredDocument.select()
        .where(RequiredDocument.procedure == procedure_id)
        .order_by(RequiredDocument.position)
    )
    row["delivery_options"] = [d for d in row["result_delivery"].split(",") if d]
    return row


# --- counters ----------------------------------------------------------------------------------


async def counters_page(
    number: int, query: dict[str, str], size: int = PAGE_SIZE
) -> Page[dict[str, Any]]:
    """Counters by number (who sits at each is added by the page: accounts knows)."""
    return await paginate(
        Counter.select().order_by(Counter.number), Counter.count(), number, size, query
    )


async def get_counter(counter_id: int) -> dict[str, Any]:
    row = await Counter.select().where(Counter.id == counter_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy quầy này."))
    return row


async def count_active_counters() -> int:
    return await Counter.count().where(Counter.active.eq(True))


# --- agencies ----------------------------------------------------------------------------------


async def agencies_page(
    number: int, query: dict[str, str], size: int = PAGE_SIZE
) -> Page[dict[str, Any]]:
    """Agencies in the order they were added, each with its number of active procedures."""
    page = await paginate(Agency.select().order_by(Agency.id), Agency.count(), number, size, query)
    ids = [a["id"] for a in page.rows]
    counts: dict[int, int] = {}
    if ids:
        active = Procedure.active.eq(True) & Procedure.agency.is_in(ids)
        for p in await Procedure.select(Procedure.agency).where(active):
            counts[p["agency"]] = counts.get(p["agency"], 0) + 1
    for a in page.rows:
        a["procedures"] = counts.get(a["id"], 0)
    return page


async def get_agency(agency_id: int) -> dict[str, Any]:
    row = await Agency.select().where(Agency.id == agency_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy cơ quan này."))
    return row


async def agency_names() -> dict[int, str]:
    return {a["id"]: a["name"] for a in await Agency.select(Agency.id, Agency.name)}


async def count_agencies() -> int:
    return await Agency.count()


# --- procedures and their documents ------------------------------------------------------------


async def procedures_page(
    search: str, agency_code: str, number: int, query: dict[str, str], size: int = PAGE_SIZE
) -> Page[dict[str, Any]]:
    """The administrator's search: the active procedures that match (as citizens would find
    them), then the suspended ones, each part by name."""
    q = Procedure.select(
        Procedure.id,
        Procedure.name,
        Procedure.national_code,
        Procedure.active,
        Procedure.agency.name.as_alias("agency_name"),
    )
    count = Procedure.count()
    for term in search_terms(search):
        q = q.where(Procedure.search_text.like(f"%{term}%"))
        count = count.where(Procedure.search_text.like(f"%{term}%"))
    if agency_code:
        q = q.where(Procedure.agency.code == agency_code)
        count = count.where(Procedure.agency.code == agency_code)
    ordered = q.order_by(Procedure.active, ascending=False).order_by(Procedure.name, Procedure.id)
    return await paginate(ordered, count, number, size, query)


async def count_active_procedures(search: str = "", agency_code: str = "") -> int:
    count = Procedure.count().where(Procedure.active.eq(True))
    for term in search_terms(search):
        count = count.where(Procedure.search_text.like(f"%{term}%"))
    if agency_code:
        count = count.where(Procedure.agency.code == agency_code)
    return await count


async def get_procedure_for_admin(procedure_id: int) -> dict[str, Any]:
    """A procedure as the administrator sees it, active or not, with its documents."""
    row = (
        await Procedure.select(
            *Procedure.all_columns(exclude=[Procedure.search_text]),
            Procedure.agency.code.as_alias("agency_code"),
            Procedure.agency.name.as_alias("agency_name"),
        )
        .where(Procedure.id == procedure_id)
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy thủ tục này."))
    row["documents"] = await list_documents(procedure_id)
    return row


async def list_documents(procedure_id: int) -> list[dict[str, Any]]:
    return (
        await RequiredDocument.select()
        .where(RequiredDocument.procedure == procedure_id)
        .order_by(RequiredDocument.position)
        .order_by(RequiredDocument.id)
    )


async def get_document(procedure_id: int, document_id: int) -> dict[str, Any]:
    row = (
        await RequiredDocument.select()
        .where((RequiredDocument.id == document_id) & (RequiredDocument.procedure == procedure_id))
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy giấy tờ này."))
    return row


# --- the working-day calendar ------------------------------------------------------------------


async def list_calendar_days() -> list[dict[str, Any]]:
    return await CalendarDay.select().order_by(CalendarDay.day, ascending=False)
