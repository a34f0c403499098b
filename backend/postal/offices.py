"""Post offices and the postal tariff, as the administrator keeps them.

(The forms' input dataclasses live here rather than in a postal schemas.py while the rest of
postal is being reorganised.)
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from backend.accounts.tables import User
from backend.catalog import addresses
from backend.catalog.tables import PostOffice
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import FormErrors, NotFound, UserError
from backend.lib.forms import RawForm, one_of, read, rule, text
from backend.lib.i18n import N_
from backend.lib.pagination import PAGE_SIZE, Page
from backend.lib.text import fold
from backend.postal import tariff
from backend.postal.tables import PostalTariff

_POST_OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
# A landline (0 + area code + number: 11 digits) or a mobile (10 digits).
_PHONE = re.compile(r"^0\d{9,10}$")
MAX_FEE_VND = 2_000_000_000  # the column is a 32-bit integer


# --- wards -------------------------------------------------------------------------------------


def split_ward_codes(stored: str) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


def ward_names(stored: str) -> list[str]:
    """The served wards as people read them ("Phường Phủ Lý"), in the stored order."""
    return [w.name if (w := addresses.ward(c)) else c for c in split_ward_codes(stored)]


# --- reading the forms -------------------------------------------------------------------------


def ward_codes(raw: str) -> str:
    """Codes typed with commas, spaces or line breaks, checked against the official list and
    stored as "13285,13291" (each once, in the order given)."""
    codes: list[str] = []
    unknown: list[str] = []
    for word in re.split(r"[\s,;]+", raw):
        if not word:
            continue
        code = word.zfill(5) if word.isdigit() else word
        if addresses.ward(code) is None:
            unknown.append(word)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise UserError(
            N_(
                "Không có phường, xã nào mang mã {codes}. Mã gồm 5 chữ số, theo danh mục "
                "phường, xã hiện hành."
            ),
            field="ward_codes",
            codes=", ".join(unknown[:10]) + (", …" if len(unknown) > 10 else ""),
        )
    return ",".join(codes)


def office_phone(raw: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if digits and not _PHONE.match(digits):
        raise UserError(
            N_("Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0, ví dụ 0229 387 1234."),
            field="phone",
        )
    return digits


def office_code(raw: str) -> str:
    value = raw.strip().upper()
    if not _POST_OFFICE_CODE.match(value):
        raise UserError(
            N_(
                "Mã bưu điện gồm 2 đến 20 chữ cái không dấu, chữ số hoặc dấu gạch ngang, "
                "ví dụ: BD-NB."
            ),
            field="code",
        )
    return value


@dataclass
class PostOfficeInput:
    name: str = text(max_length=200, required=N_("Vui lòng nhập tên bưu điện."))
    address: str = text(max_length=300)
    active: bool = False
    code: str = rule(office_code, default="")
    phone: str = rule(office_phone, default="")
    ward_codes: str = rule(ward_codes, default="")


def tariff_fee(raw: str) -> int:
    text_value = re.sub(r"\s", "", raw).removesuffix("đ")
    # Thousands may be grouped with dots: 25.000 or 1.250.000 (a comma would be decimals).
    grouped = re.fullmatch(r"\d+|\d{1,3}(\.\d{3})+", text_value)
    fee = int(text_value.replace(".", "")) if grouped else -1
    if not 0 <= fee <= MAX_FEE_VND:
        raise UserError(
            N_("Cước là số tiền bằng đồng, từ 0 trở lên, ví dụ 25.000. Nhập 0 nếu miễn cước.")
        )
    return fee


_payment = one_of(tariff.PAYMENT_LABELS, N_("Vui lòng chọn cách trả cước."))
# <service>_fee, <service>_payment, <service>_note for every service of the tariff.
TariffInput = dataclasses.make_dataclass(
    "TariffInput",
    [
        field
        for service in tariff.SERVICES
        for field in (
            (f"{service}_note", str, text(max_length=300)),
            (f"{service}_fee", int, rule(tariff_fee, default=0)),
            (f"{service}_payment", str, rule(_payment, default="")),
        )
    ],
)


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


async def save_tariff(data: RawForm) -> None:
    """All three services at once: nothing is saved while any field is wrong."""
    form: Any = read(TariffInput, data)
    async with write_transaction():
        for service in tariff.SERVICES:
            await tariff.save(
                service,
                getattr(form, f"{service}_fee"),
                getattr(form, f"{service}_payment"),
                getattr(form, f"{service}_note"),
            )
