"""What the postal pages and the courier's API read from people: a courier's step on a parcel,
a pickup collected at the door, the handover list and its count, a pickup booked by the
citizen, the citizen's change of address or day, and the administrator's post offices and
tariff.

The round's url-encoded forms and the API's JSON bodies are read by the same functions
(`read_step`, `read_collection`), so a confirmation means the same whether the phone sent it
from its offline queue or by a plain form. They use lib.forms' helpers (`first`, `all_of`,
`to_int`, `to_date`) rather than `decode`: every check of a step, a booking or an address,
each with its precise Vietnamese message, belongs to the services (confirmations.py,
pickups.py, shipments.py, dossiers.delivery), which report all the problems of a form at once;
and a confirmation's note is cut to its length rather than refused, since the phone may have
queued it hours before. The API's bodies (`ConfirmationBody`, `CollectionBody`) are typed for
Litestar, which answers 400 naming the field when one is missing or of the wrong type. The
administration's forms are read with `lib.forms.read`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from msgspec import Meta

from backend.catalog import addresses
from backend.dossiers.delivery import Delivery
from backend.dossiers.schemas import delivery_from
from backend.lib.db import MAX_ID
from backend.lib.errors import FormErrors, UserError
from backend.lib.forms import RawForm, all_of, first, one_of, rule, text, to_date, to_int
from backend.lib.i18n import N_
from backend.postal import tariff
from backend.postal.lifecycle import Step

# --- the courier's confirmations ---------------------------------------------------------------


@dataclass
class StepInput:
    """A courier's step on a parcel (lifecycle.Step) as sent."""

    reason: str = ""  # a FAILURE_REASONS key
    note: str = ""
    received_by: str = ""
    relation: str = ""  # a RELATIONS key
    authorization: str = ""  # for "authorized": the written authorisation (number, date)
    id_last_digits: str = ""
    # A photo or an on-screen signature as a data: URL (the phone may have queued it offline).
    proof: str = ""
    expected_version: int | None = None


@dataclass
class Collection:
    """The paper dossier taken at the citizen's door."""

    documents: list[int] = field(default_factory=list)  # required documents seen at the door
    signature: str = ""  # the citizen's signature (data: URL) on the courier's screen
    note: str = ""
    expected_version: int | None = None


def read_step(data: RawForm) -> StepInput:
    """A courier's step, from the round's form or the API's JSON body."""
    return StepInput(
        reason=first(data, "reason"),
        note=first(data, "note")[:2000],
        received_by=first(data, "received_by"),
        relation=first(data, "relation"),
        authorization=first(data, "authorization")[:200],
        id_last_digits=first(data, "id_last_digits"),
        proof=first(data, "proof"),
        expected_version=to_int(first(data, "expected_version")),
    )


def read_collection(data: RawForm) -> Collection:
    """A pickup collected at the door, from the round's form or the API's JSON body (the
    signature comes as `proof`, like a delivery's, or as `signature`)."""
    return Collection(
        documents=[i for i in (to_int(v) for v in all_of(data, "documents")) if i is not None],
        signature=first(data, "proof") or first(data, "signature"),
        note=first(data, "note")[:500],
        expected_version=to_int(first(data, "expected_version")),
    )


def courier_step(raw: str) -> Step:
    """A step named in the API's body."""
    if raw not in {s.value for s in Step}:
        raise UserError(N_("Bước không hợp lệ."), field="step")
    return Step(raw)


def confirmation_key(raw: str) -> str:
    """The phone's idempotency key, required by the API: without it a replay after a dead zone
    could apply a confirmation twice."""
    key = raw.strip()
    if not 8 <= len(key) <= 64:
        raise UserError(N_("Thiếu mã xác nhận (key)."), field="key")
    return key


@dataclass
class ConfirmationBody:
    """POST /api/v1/postal/confirmations: one courier step on a parcel, as the phone queues it.

    `key` (8 to 64 characters, made by the phone) makes the request safe to repeat; `shipment`
    is the parcel's code (printed on its label) or its id; `step` is one of in_transit,
    out_for_delivery, delivered, failed, returned. A failed attempt needs `reason`
    (not_home, wrong_address, refused, other: then `note` says why); a delivery needs
    `received_by`, `relation` (self, representative, authorized; an authorized person also
    needs `authorization`, the number and date of the written authorisation), `id_last_digits`
    (4 to 6 digits of the recipient's identity paper) and `proof` (a photo or a signature as a
    data:image/...;base64 URL). `expected_version` is the parcel's version the phone showed.
    Other fields the phone keeps in its queue (card, endpoint, queued_at) are ignored.
    """

    key: str
    shipment: str | int
    step: str
    reason: str = ""
    note: str = ""
    received_by: str = ""
    relation: str = ""
    authorization: str = ""
    id_last_digits: str = ""
    proof: str = ""
    expected_version: int | None = None


@dataclass
class CollectionBody:
    """POST /api/v1/postal/pickups/{pickup_id}/collection: the paper dossier taken at the door.

    `key` (8 to 64 characters, made by the phone) makes the request safe to repeat;
    `documents` are the ids of the procedure's required documents checked at the door;
    `proof` (or `signature`) is the citizen's signature as a data:image/...;base64 URL;
    `expected_version` is the pickup's version the phone showed.
    """

    key: str
    documents: list[int] = field(default_factory=list)
    proof: str = ""
    signature: str = ""
    note: str = ""
    expected_version: int | None = None


def read_count(data: RawForm) -> int:
    """The number of parcels the postal worker counted (anything else counts as 0, which the
    handover list's check refuses with its own message)."""
    return to_int(first(data, "count")) or 0


# --- the counter's handover list ---------------------------------------------------------------


@dataclass(frozen=True)
class NewList:
    post_office: int  # 0 when none was chosen (handover.create_list says so)
    shipments: list[int]


def read_new_list(data: RawForm) -> NewList:
    return NewList(
        post_office=to_int(first(data, "post_office")) or 0,
        shipments=[i for i in (to_int(v) for v in all_of(data, "shipment")) if i is not None],
    )


# The ids and counts the handover API reads: a row id (an INTEGER column), a count no list
# could exceed. Outside them Litestar answers 400 naming the field, before any query (SQLite
# cannot even bind a larger integer). Litestar does not copy msgspec's bounds into OpenAPI
# (annotated_types would, but is no dependency of ours): the bodies' docstrings say them.
RowId = Annotated[int, Meta(ge=1, le=MAX_ID)]
Count = Annotated[int, Meta(ge=0, le=100_000)]


@dataclass
class NewListBody:
    """POST /api/v1/postal/handovers: the counter officer's list of parcels for one post office.

    `post_office_id` is one of the active offices (GET /api/v1/postal/handovers/waiting lists
    them, with the parcels waiting and the office each is suggested for); `shipment_ids` are
    the parcels' ids, each waiting at the center and on no other list. Ids are from 1 to
    2,147,483,647 (else 400).
    """

    post_office_id: RowId
    shipment_ids: list[RowId]


@dataclass
class CountBody:
    """The signature of a handover list: `count`, the number of parcels (or envelopes) the
    signer counted with their own hands (0 to 100,000, else 400); it must equal the list's
    number."""

    count: Count


@dataclass
class NewPickupListBody:
    """POST /api/v1/postal/pickup-handovers: the postal worker's list of the envelopes they
    bring to the center, by the ids of the pickups collected (GET
    /api/v1/postal/pickup-handovers/envelopes lists them), from 1 to 2,147,483,647 (else
    400)."""

    pickup_ids: list[RowId]


# --- the citizen's choices ---------------------------------------------------------------------


@dataclass
class Booking:
    """A pickup of the paper dossier at the citizen's address."""

    contact_name: str
    contact_phone: str
    street: str
    province: str
    ward_code: str
    preferred_date: date | None = None


@dataclass(frozen=True)
class Change:
    """The citizen's new delivery choice (the post, the counter) or address or day."""

    delivery: Delivery
    preferred_date: date | None = None
    expected_version: int | None = None


def _date_or_none(raw: str) -> date | None:
    try:
        return to_date(raw)
    except ValueError:
        return None


def read_booking(data: RawForm) -> Booking:
    """The pickup booking form (postal/pickup_book.html); checked by pickups.check_booking."""
    raw_date = first(data, "preferred_date").strip()
    booking = Booking(
        contact_name=first(data, "recipient_name"),
        contact_phone=first(data, "recipient_phone"),
        street=first(data, "street"),
        province=first(data, "province"),
        # Without JavaScript the plain list of wards posts `ward_choice` (postal/_address_fields).
        ward_code=first(data, "ward_choice") or first(data, "ward_code"),
        preferred_date=_date_or_none(raw_date),
    )
    if raw_date and booking.preferred_date is None:
        raise FormErrors([UserError(N_("Ngày hẹn không hợp lệ."), field="preferred_date")])
    return booking


def read_change(data: RawForm) -> Change:
    """The postal panel's form on the dossier page; checked by shipments.change."""
    raw_date = first(data, "preferred_date").strip()
    wanted = Change(
        delivery=delivery_from(data) or Delivery(),
        preferred_date=_date_or_none(raw_date),
        expected_version=to_int(first(data, "expected_version")),
    )
    if raw_date and wanted.preferred_date is None:
        raise FormErrors([UserError(N_("Ngày nhận không hợp lệ."), field="preferred_date")])
    return wanted


# --- the administration: post offices ----------------------------------------------------------

_POST_OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
# A landline (0 + area code + number: 11 digits) or a mobile (10 digits).
_PHONE = re.compile(r"^0\d{9,10}$")
MAX_FEE_VND = 2_000_000_000  # the column is a 32-bit integer


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
        spec
        for service in tariff.SERVICES
        for spec in (
            (f"{service}_note", str, text(max_length=300)),
            (f"{service}_fee", int, rule(tariff_fee, default=0)),
            (f"{service}_payment", str, rule(_payment, default="")),
        )
    ],
)
