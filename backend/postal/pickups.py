"""Sending the paper dossier by post (nộp hồ sơ qua bưu chính công ích, channel 3).

The citizen books a pickup at an address instead of photographing every page: the dossier is
submitted at once (it gets its code) on channel 3, and the counter cannot receive it until the
papers have arrived. The courier checks the papers against the procedure's list at the door,
the citizen signs on the courier's screen, and the courier confirms: both sides are recorded in
one event of the dossier's chain. Like a delivery, the confirmation may be queued offline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog import addresses
from backend.catalog.tables import RequiredDocument
from backend.dossiers import listeners
from backend.dossiers.delivery import Delivery, clean_delivery
from backend.dossiers.drafts import draft_view
from backend.dossiers.submission import submit
from backend.dossiers.workflow import Transition
from backend.lib.clock import local_today, utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.lib.prepared import prepared
from backend.notifications.services import deliver
from backend.postal import lifecycle
from backend.postal.idempotency import Answer, keep_answer, once
from backend.postal.proofs import store_proof
from backend.postal.schemas import Booking, Collection
from backend.postal.shipments import suggest_post_office
from backend.postal.tables import Pickup
from backend.postal.tariff import quote_pickup
from backend.settings import get_settings

BOOKED, COLLECTED, CANCELLED = "booked", "collected", "cancelled"
# The counter confirmed the envelope on the post's list (backend.postal.pickup_handover).
HANDED_IN = "handed_in"
STATE_LABELS = {
    BOOKED: N_("Chờ bưu điện đến lấy hồ sơ"),
    COLLECTED: N_("Bưu điện đã nhận hồ sơ giấy"),
    HANDED_IN: N_("Bộ phận Một cửa đã nhận hồ sơ giấy từ bưu điện"),
    CANCELLED: N_("Đã hủy lịch lấy hồ sơ"),
}
BOOK_AHEAD_DAYS = 14


today = local_today


def start_of_today() -> datetime:
    zone = get_settings().time_zone
    return datetime.combine(today(), time(0), tzinfo=zone).astimezone(UTC)


_OF_DOSSIER = prepared(lambda dossier: Pickup.select().where(Pickup.dossier == dossier).first())


async def of_dossier(dossier_id: int) -> dict[str, Any] | None:
    result: dict[str, Any] | None = await _OF_DOSSIER(dossier_id)
    return result


async def book_row(dossier: dict[str, Any], booking: Booking, now: Any) -> dict[str, Any]:
    """The pickup row and its event, inside the submission's transaction."""
    quote = await quote_pickup()
    row = Pickup(
        dossier=dossier["id"],
        state=BOOKED,
        post_office=await suggest_post_office(booking.ward_code),
        contact_name=booking.contact_name,
        contact_phone=booking.contact_phone,
        street=booking.street,
        ward=_ward_name(booking.ward_code),
        ward_code=booking.ward_code,
        province=booking.province,
        preferred_date=booking.preferred_date,
        fee_vnd=quote.fee_vnd,
        payment=quote.payment,
        created_at=now,
    )
    await row.save()
    await lifecycle.record(
        dossier=dossier,
        action="pickup_booked",
        at=now,
        actor=None,
        shipment_from="",
        shipment_to=BOOKED,
        data={"preferred_date": booking.preferred_date, "ward": row.ward, "fee_vnd": quote.fee_vnd},
    )
    return {"id": row.id, "fee_vnd": quote.fee_vnd, "payment": quote.payment}


def _ward_name(code: str) -> str:
    ward = addresses.ward(code)
    return ward.name if ward else ""


def check_booking(booking: Booking) -> Booking:
    """The same checks as a postal address, plus a day within the next two weeks."""
    errors: list[UserError] = []
    cleaned = booking
    try:
        address = clean_delivery(
            Delivery(
                method="post",
                recipient_name=booking.contact_name,
                recipient_phone=booking.contact_phone,
                street=booking.street,
                province=booking.province,
                ward_code=booking.ward_code,
            ),
            ["post"],
            strict=True,
        )
        cleaned = Booking(
            address.recipient_name,
            address.recipient_phone,
            address.street,
            address.province,
            address.ward_code,
            booking.preferred_date,
        )
    except FormErrors as e:
        errors.extend(e.errors)
    day = booking.preferred_date
    if day is not None and not (today() <= day <= today() + timedelta(days=BOOK_AHEAD_DAYS)):
        errors.append(
            UserError(
                N_("Chọn ngày trong {days} ngày tới."), field="preferred_date", days=BOOK_AHEAD_DAYS
            )
        )
    if errors:
        raise FormErrors(errors)
    return cleaned


async def at_the_center(dossier_id: int) -> bool:
    return await Pickup.exists().where((Pickup.dossier == dossier_id) & (Pickup.state == HANDED_IN))


async def collect(
    user: CurrentUser, pickup_id: int, inp: Collection, client_key: str = ""
) -> Answer:
    """The courier took the papers: checked against the list, signed by the citizen."""
    return await once(user, client_key, lambda key: _collect(user, pickup_id, inp, key))


async def _collect(user: CurrentUser, pickup_id: int, inp: Collection, key: str) -> Answer:
    row = await _collectable(user, pickup_id, inp)
    dossier = await lifecycle.load_dossier(row["dossier"])
    checked = await _check_papers(dossier, inp)
    signature = await store_proof(inp.signature)
    now = utcnow()
    async with write_transaction():
        await _mark_collected(row, user, now, checked, signature[0])
        event = await lifecycle.record(
            dossier=dossier,
            action="pickup_collected",
            at=now,
            actor=user,
            shipment_from=BOOKED,
            shipment_to=COLLECTED,
            note=inp.note.strip()[:500],
            data={"documents": checked, "citizen_signature": signature[0]},
            place=await lifecycle.post_office_code(row["post_office"]),
        )
        await deliver(
            recipient=dossier["citizen"],
            dossier_id=dossier["id"],
            kind="postal.pickup_collected",
            title=f"Bưu điện đã nhận hồ sơ giấy {dossier['code'] or ''}",
            body="Hồ sơ đang được chuyển đến Trung tâm. Bạn sẽ nhận thông báo khi hồ sơ "
            "được tiếp nhận.",
            url=f"/dossiers/{dossier['id']}",
            now=now,
        )
        answer = Answer(
            200,
            {
                "pickup": pickup_id,
                "state": COLLECTED,
                "state_label": STATE_LABELS[COLLECTED],
                "event": event["seq"],
                "replayed": False,
            },
        )
        if key:
            await keep_answer(key, answer, now)
    return answer


async def _collectable(user: CurrentUser, pickup_id: int, inp: Collection) -> dict[str, Any]:
    """The pickup, if it is booked with this postal worker's office and still waits."""
    row = await Pickup.select().where(Pickup.id == pickup_id).first()
    if (
        row is None
        or user.role is not Role.POSTAL
        or user.post_office_id is None
        or row["post_office"] != user.post_office_id
    ):
        raise NotFound(N_("Không tìm thấy lịch lấy hồ sơ này."))
    if row["state"] != BOOKED:
        raise Conflict(lifecycle.STALE)
    if inp.expected_version is not None and inp.expected_version != row["version"]:
        raise Conflict(lifecycle.STALE)
    return row


async def _check_papers(dossier: dict[str, Any], inp: Collection) -> list[int]:
    """Every required document seen at the door, and the citizen's signature; returns the
    procedure's documents the courier checked."""
    documents = await RequiredDocument.select(
        RequiredDocument.id, RequiredDocument.name, RequiredDocument.required
    ).where(RequiredDocument.procedure == dossier["procedure"])
    known = {d["id"] for d in documents}
    missing = [d["name"] for d in documents if d["required"] and d["id"] not in inp.documents]
    errors: list[UserError] = []
    if missing:
        errors.append(
            UserError(
                N_(
                    "Còn thiếu giấy tờ bắt buộc: {names}. Hướng dẫn công dân chuẩn bị đủ rồi "
                    "hẹn lại, không nhận hồ sơ thiếu."
                ),
                field="documents",
                names="; ".join(missing),
            )
        )
    if not inp.signature:
        errors.append(UserError(N_("Mời công dân ký xác nhận đã giao hồ sơ."), field="proof"))
    if errors:
        raise FormErrors(errors)
    return sorted(set(inp.documents) & known)


async def _mark_collected(
    row: dict[str, Any], user: CurrentUser, now: datetime, checked: list[int], signature: str
) -> None:
    """The pickup becomes collected, unless someone changed it since it was read."""
    taken = (
        await Pickup.update(
            {
                Pickup.state: COLLECTED,
                Pickup.version: row["version"] + 1,
                Pickup.collected_at: now,
                Pickup.collected_by: user.id,
                Pickup.checked_documents: json.dumps(checked),
                Pickup.citizen_signature_sha256: signature,
            }
        )
        .where(
            (Pickup.id == row["id"]) & (Pickup.version == row["version"]) & (Pickup.state == BOOKED)
        )
        .returning(Pickup.id)
    )
    if not taken:
        raise Conflict(lifecycle.STALE)


async def require_papers(dossier: dict[str, Any], _: Transition) -> None:
    """Check before ACCEPT: the counter receives a channel-3 dossier only once the post has
    handed the papers to the center, counted on both sides (backend.postal.pickup_handover)."""
    if dossier["channel"] == 3 and not await at_the_center(dossier["id"]):
        raise Conflict(
            N_(
                "Bưu điện chưa bàn giao hồ sơ giấy cho Bộ phận Một cửa. Chỉ tiếp nhận sau khi "
                "đã xác nhận phiếu giao hồ sơ của bưu điện."
            )
        )


async def book(user: CurrentUser, dossier_id: int, booking: Booking) -> dict[str, Any]:
    """Submit the citizen's draft on channel 3 with a pickup at their address (booked by
    `booked_with_submission` in the submission's transaction).

    Safe to repeat: a draft already submitted is returned as it is (submission.submit).
    """
    cleaned = check_booking(booking)
    draft = await draft_view(user, dossier_id)
    if draft["citizen"] != user.id:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    return await submit(user, dossier_id, paper_by_post={"booking": cleaned})


async def booked_with_submission(change: listeners.Change) -> None:
    """Listener of SUBMIT: the pickup asked for with a channel-3 submission."""
    pickup = change.extra.get("pickup")
    if pickup is not None:
        await book_row(change.after, pickup["booking"], change.now)
