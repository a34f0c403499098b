"""Post offices and the postal tariff, as the administrator keeps them (the forms are read
by schemas.PostOfficeInput and schemas.TariffInput)."""

from __future__ import annotations

import dataclasses
from typing import Any

from backend.accounts.tables import User
from backend.catalog import addresses
from backend.catalog.tables import PostOffice
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.lib.pagination import PAGE_SIZE, Page
from backend.lib.text import fold
from backend.postal import tariff
from backend.postal.schemas import PostOfficeInput
from backend.postal.tables import PostalTariff

# --- wards -------------------------------------------------------------------------------------


def split_ward_codes(stored: str) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


def ward_names(stored: str) -> list[str]:
    """The served wards as people read them ("Phường Phủ Lý"), in the stored order."""
    return [w.name if (w := addresses.ward(c)) else c for c in split_ward_codes(stored)]


# --- post offices ------------------------------------------------------------------------------


async def post_offices_page(
    number: int, query: dict[str, str], size: int = PAGE_SIZE
) -> Page[dict[str, Any]]:
    """Post offices, the active ones first, by code, with their wards' names and their active
    staff."""
    total = await PostOffice.count()
    last = max(1, -(-total // size))
    number = min(number, last)
    offices = (
        await PostOffice.select()
        .order_by(PostOffice.active, ascending=False)
        .order_by(PostOffice.code)
        .offset((number - 1) * size)
        .limit(size)
    )
    ids = [o["id"] for o in offices]
    staff = (
        await User.select(User.post_office, User.full_name).where(
            User.post_office.is_in(ids) & User.active.eq(True)
        )
        if ids
        else []
    )
    for o in offices:
        o["wards"] = ward_names(o["ward_codes"])
        o["staff"] = sorted(
            (s["full_name"] for s in staff if s["post_office"] == o["id"]), key=fold
        )
    return Page(offices, number, size, total, tuple(query.items()))


async def get_post_office(post_office_id: int) -> dict[str, Any]:
    row = await PostOffice.select().where(PostOffice.id == post_office_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy bưu điện này."))
    row["wards"] = ward_names(row["ward_codes"])
    return row


async def count_active_post_offices() -> int:
    return await PostOffice.count().where(PostOffice.active.eq(True))


def post_office_form_values(row: dict[str, Any]) -> dict[str, str]:
    values = {k: row[k] or "" for k in ("code", "name", "address", "phone")}
    values["ward_codes"] = ", ".join(split_ward_codes(row["ward_codes"]))
    values["active"] = "1" if row["active"] else ""
    return values


def _taken(code: str) -> FormErrors:
    return FormErrors([UserError(N_("Đã có bưu điện mang mã {code}."), field="code", code=code)])


async def save_post_office(post_office_id: int | None, form: PostOfficeInput) -> int:
    """Add (None) or change a post office; its code is used once."""
    values = dataclasses.asdict(form)
    clash = PostOffice.exists().where(PostOffice.code == form.code)
    if post_office_id is not None:
        await get_post_office(post_office_id)
        clash = clash.where(PostOffice.id != post_office_id)
    if await clash:
        raise _taken(form.code)
    try:
        if post_office_id is None:
            row = PostOffice(**values)
            await row.save()
            return int(row.id)
        await PostOffice.update(
            {PostOffice._meta.get_column_by_name(k): v for k, v in values.items()}
        ).where(PostOffice.id == post_office_id)
    except Exception as e:
        if is_unique_violation(e):
            raise _taken(form.code) from e
        raise
    return post_office_id


# --- the tariff --------------------------------------------------------------------------------


def _format_fee(fee_vnd: int) -> str:
    """25000 -> "25.000", as the form shows it and accepts it back."""
    return f"{fee_vnd:,}".replace(",", ".")


async def tariff_form_values() -> dict[str, str]:
    """The tariff form's fields: <service>_fee, <service>_payment, <service>_note."""
    notes = {r["service"]: r["note"] for r in await PostalTariff.select()}
    values = {}
    for service, quote in (await tariff.tariff()).items():
        values[f"{service}_fee"] = _format_fee(quote.fee_vnd)
        values[f"{service}_payment"] = quote.payment
        values[f"{service}_note"] = notes.get(service, "")
    return values


async def save_tariff(form: Any) -> None:
    """All three services at once (a schemas.TariffInput, read whole before anything is
    saved)."""
    async with write_transaction():
        for service in tariff.SERVICES:
            await tariff.save(
                service,
                getattr(form, f"{service}_fee"),
                getattr(form, f"{service}_payment"),
                getattr(form, f"{service}_note"),
            )
