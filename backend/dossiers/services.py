"""Dossiers from the citizen's side: drafts, files, submission, tracking.

Services take plain values and the signed-in user and never see a Request, so the pages and
the JSON API run the same checks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from backend.access.user import CurrentUser
from backend.accounts import ratelimit
from backend.accounts.services import citizen_for_phone
from backend.audit import chain
from backend.catalog.services import load_calendar
from backend.catalog.tables import Agency, Procedure, RequiredDocument
from backend.dossiers import notify
from backend.dossiers.codes import next_code
from backend.dossiers.scope import may_edit_draft, may_view
from backend.dossiers.status import Status
from backend.dossiers.tables import Dossier, DossierEvent, DossierFile
from backend.dossiers.workflow import Action, State
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, TooManyRequests, UserError
from backend.lib.files import StoredFile
from backend.lib.i18n import N_
from backend.lib.multipart import TOTAL_TOO_LARGE
from backend.lib.validation import normalize_phone, require_text
from backend.lib.workdays import appointment_date
from backend.postal import addresses
from backend.settings import get_settings

# Statuses in which the citizen may still add or remove files.
TRACK_WINDOW = timedelta(minutes=10)
TRACK_LIMIT_PER_IP = 30

NOT_FOUND = N_("Không tìm thấy hồ sơ này.")
NOT_IN_PROCEDURE = N_("Giấy tờ này không thuộc thủ tục của hồ sơ.")


@dataclass(frozen=True)
class Delivery:
    method: str = "counter"
    recipient_name: str = ""
    recipient_phone: str = ""
    street: str = ""
    ward: str = ""
    province: str = ""
    # The ward's official code (backend.postal.addresses); `ward` is then its official name.
    ward_code: str = ""

    def as_columns(self) -> dict[Any, Any]:
        return {
            Dossier.delivery_method: self.method,
            Dossier.recipient_name: self.recipient_name,
            Dossier.recipient_phone: self.recipient_phone,
            Dossier.street: self.street,
            Dossier.ward: self.ward,
            Dossier.ward_code: self.ward_code,
            Dossier.delivery_province: self.province,
        }


CHOOSE_PROVINCE = N_("Vui lòng chọn tỉnh/thành phố trong danh sách.")
CHOOSE_WARD = N_("Vui lòng chọn xã/phường trong danh sách.")
WARD_NOT_IN_PROVINCE = N_("Xã/phường này không thuộc tỉnh/thành phố đã chọn.")


def _place(raw: Delivery) -> tuple[str, str, str, list[UserError]]:
    """(province short name, ward code, ward name) from what was chosen, and what is wrong.

    The ward comes from the official list by its code, never from typed text; the province is
    written the one official way ("Ninh Bình"). Unknown text is kept as typed, for a draft.
    """
    errors: list[UserError] = []
    text = " ".join(raw.province.split())[:60]
    code = raw.ward_code.strip()[:10]
    chosen = addresses.ward(code) if code else None
    province = addresses.find_province(text) if text else None
    if not text and chosen is not None:
        province = addresses.province(chosen.province_code)  # an API client sent the ward only
    if province is None:
        errors.append(UserError(CHOOSE_PROVINCE, field="province"))
    if chosen is None:
        errors.append(UserError(CHOOSE_WARD, field="ward_code"))
    elif province is not None and chosen.province_code != province.code:
        errors.append(UserError(WARD_NOT_IN_PROVINCE, field="ward_code"))
        chosen = None
    return (
        province.short if province else text,
        chosen.code if chosen else "",
        chosen.name if chosen else "",
        errors,
    )


def clean_delivery(raw: Delivery, allowed: list[str], strict: bool) -> Delivery:
    """Check the way to receive the result; `strict` also demands a complete postal address.

    A draft saves whatever was typed (strict=False) so that nothing is lost, except a ward
    that is not in the list or not in the province (it is left empty, to be chosen again);
    submitting checks.
    """
    method = raw.method if raw.method in ("counter", "post") else "counter"
    if method == "post" and "post" not in allowed:
        raise UserError(N_("Thủ tục này không trả kết quả qua bưu chính."), field="delivery_method")
    province, ward_code, ward, place_errors = _place(raw)
    trimmed = Delivery(
        method=method,
        recipient_name=" ".join(raw.recipient_name.split())[:120],
        recipient_phone=raw.recipient_phone.strip()[:20],
        street=" ".join(raw.street.split())[:200],
        ward=ward,
        province=province,
        ward_code=ward_code,
    )
    if not strict or method == "counter":
        return trimmed
    errors: list[UserError] = []
    phone = trimmed.recipient_phone
    checks = [
        lambda: require_text(
            trimmed.recipient_name, "recipient_name", N_("Vui lòng nhập tên người nhận.")
        ),
        lambda: normalize_phone(trimmed.recipient_phone, field="recipient_phone"),
        lambda: require_text(
            trimmed.street, "street", N_("Vui lòng nhập số nhà, đường, thôn/xóm.")
        ),
    ]
    for i, check in enumerate(checks):
        try:
            value = check()
            if i == 1:
                phone = value
        except UserError as e:
            errors.append(e)
    errors.extend(place_errors)
    if errors:
        raise FormErrors(errors)
    return dataclasses.replace(trimmed, recipient_phone=phone)


async def _procedure_for_submission(procedure_id: int) -> dict[str, Any]:
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

    The citizen's phone number links it to their account, or to one made for them that they
    take over when they register.
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
    await _procedure_for_submission(procedure_id)
    citizen_id = await citizen_for_phone(phone, full_name)
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
    await _procedure_for_submission(procedure_id)
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


async def _owned_dossier(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    """The dossier if this user may see it. A stranger gets the same answer as for no dossier."""
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    if row is None or not may_view(user, row):
        raise NotFound(NOT_FOUND)
    return row


async def _editable_draft(
    user: CurrentUser, dossier_id: int, states: frozenset[str] = frozenset({"draft"})
) -> dict[str, Any]:
    row = await _owned_dossier(user, dossier_id)
    if not may_edit_draft(user, row):
        raise Forbidden(N_("Bạn không có quyền sửa hồ sơ này."))
    if row["state"] not in states:
        raise Conflict(N_("Hồ sơ đã nộp, không sửa được nữa."))
    return row


# While the citizen is asked for papers, they add pages to the dossier as they did to the draft.
UPLOAD_STATES = frozenset({"draft", "intake_supplement", "processing_supplement"})


async def save_delivery(user: CurrentUser, dossier_id: int, delivery: Delivery) -> Delivery:
    row = await _editable_draft(user, dossier_id)
    proc = await _procedure_for_submission(row["procedure"])
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


def file_row(
    dossier_id: int,
    stored: StoredFile,
    original_name: str,
    kind: str,
    document_id: int | None = None,
    at: datetime | None = None,
) -> DossierFile:
    """The database row for a checked, stored file (the bytes live in the file store)."""
    return DossierFile(
        dossier=dossier_id,
        document=document_id,
        sha256=stored.sha256,
        extension=stored.extension,
        content_type=stored.content_type,
        size=stored.size,
        original_name=original_name[:200],
        width=stored.width,
        height=stored.height,
        has_thumbnail=stored.has_thumbnail,
        uploaded_at=at or utcnow(),
        kind=kind,
    )


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


async def draft_view(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    """What the submission page shows: the procedure's slots with the pages already uploaded."""
    row = await _owned_dossier(user, dossier_id)
    docs = (
        await RequiredDocument.select()
        .where(RequiredDocument.procedure == row["procedure"])
        .order_by(RequiredDocument.position)
    )
    files = (
        await DossierFile.select(
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
    for d in docs:
        d["files"] = [f for f in files if f["document"] == d["id"]]
    row["documents"] = docs
    row["total_bytes"] = sum(f["size"] for f in files)
    return row


def missing_documents(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in view["documents"] if d["required"] and not d["files"]]


async def submit(
    user: CurrentUser,
    dossier_id: int,
    delivery: Delivery | None = None,
    paper_by_post: Callable[[dict[str, Any], datetime], Awaitable[Any]] | None = None,
) -> dict[str, Any]:
    """Turn a complete draft into a dossier with a code and an appointment date.

    Idempotent: submitting a dossier that is already submitted returns it unchanged, so a
    double tap or a retry after a dropped connection makes one dossier.

    `paper_by_post`: the papers come by post (channel 3, backend.postal.pickups) instead of as
    photos, so none are required now; it books the pickup inside the same transaction.
    """
    view = await draft_view(user, dossier_id)
    if view["status"] != Status.DRAFT:
        return view
    if not may_edit_draft(user, view):
        raise Forbidden(N_("Bạn không có quyền sửa hồ sơ này."))
    # At the counter the officer has checked the papers in person: filing is receiving.
    walk_in = view["citizen"] != user.id
    target = State.RECEIVED if walk_in else State.SUBMITTED
    proc = await _procedure_for_submission(view["procedure"])
    if delivery is None:
        delivery = Delivery(
            view["delivery_method"],
            view["recipient_name"],
            view["recipient_phone"],
            view["street"],
            view["ward"],
            view["delivery_province"],
            ward_code=view["ward_code"],
        )
    cleaned = clean_delivery(delivery, proc["result_delivery"].split(","), strict=True)
    missing = missing_documents(view)
    if missing and paper_by_post is None:
        raise MissingDocuments(missing)
    settings = get_settings()
    calendar = await load_calendar()
    now = utcnow()
    local_day = now.astimezone(settings.time_zone).date()
    due = appointment_date(
        now, proc["processing_days"], calendar, settings.cutoff, settings.time_zone
    )
    async with write_transaction():
        # The conditional update claims the draft: of two racing submissions one gets the row.
        claimed = (
            await Dossier.update(
                {
                    Dossier.status: int(target.status),
                    Dossier.state: target.value,
                    Dossier.received_at: now if walk_in else None,
                    Dossier.version: view["version"] + 1,
                    Dossier.agency: proc["agency"],
                    Dossier.submitted_at: now,
                    Dossier.updated_at: now,
                    Dossier.appointment_date: due,
                    Dossier.channel: 3 if paper_by_post else view["channel"],
                    **cleaned.as_columns(),
                }
            )
            .where((Dossier.id == dossier_id) & (Dossier.state == State.DRAFT.value))
            .returning(Dossier.id)
        )
        if claimed:
            code = await next_code(settings.unit_code, local_day)
            await Dossier.update({Dossier.code: code}).where(Dossier.id == dossier_id)
            await chain.append(
                dossier=dossier_id,
                at=now,
                actor=user.id,
                actor_role=user.role.value if walk_in else "owner",
                action="intake" if walk_in else "submit",
                from_status=int(Status.DRAFT),
                to_status=int(target.status),
                state_from=State.DRAFT.value,
                state_to=target.value,
            )
            if paper_by_post is not None:
                row = await Dossier.select().where(Dossier.id == dossier_id).first()
                assert row is not None
                await paper_by_post(row, now)
            if walk_in:
                row = await Dossier.select().where(Dossier.id == dossier_id).first()
                assert row is not None
                await notify.dossier_changed(
                    row, Action.ACCEPT, target, {"appointment_after": due}, now
                )
    return await _owned_dossier(user, dossier_id)


class MissingDocuments(UserError):
    status_code = 422

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        super().__init__(
            N_("Hồ sơ còn thiếu giấy tờ bắt buộc. Vui lòng bổ sung trước khi nộp:"),
            field="documents",
            n=len(documents),
        )
        self.documents = documents


async def my_dossiers(user: CurrentUser) -> list[dict[str, Any]]:
    return (
        await Dossier.select(
            Dossier.id,
            Dossier.code,
            Dossier.status,
            Dossier.submitted_at,
            Dossier.created_at,
            Dossier.appointment_date,
            Dossier.procedure.name.as_alias("procedure_name"),
        )
        .where(Dossier.citizen == user.id)
        .order_by(Dossier.created_at, ascending=False)
    )


async def dossier_detail(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    view = await draft_view(user, dossier_id)
    proc = (
        await Procedure.select(
            Procedure.id,
            Procedure.name,
            Procedure.processing_days,
            Procedure.agency.name.as_alias("agency_name"),
        )
        .where(Procedure.id == view["procedure"])
        .first()
    )
    view["procedure_row"] = proc
    view["events"] = (
        await DossierEvent.select(
            DossierEvent.at,
            DossierEvent.action,
            DossierEvent.actor_role,
            DossierEvent.agency_code,
            DossierEvent.from_status,
            DossierEvent.to_status,
            DossierEvent.note,
        )
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.at, ascending=False)
    )
    names = await agency_names()
    for e in view["events"]:
        e["agency_name"] = names.get(e["agency_code"], e["agency_code"])
    return view


async def agency_names() -> dict[str, str]:
    """Agency code -> name, to show people names rather than codes (about twenty rows)."""
    return {r["code"]: r["name"] for r in await Agency.select(Agency.code, Agency.name)}


async def dossier_events_full(dossier_id: int) -> list[dict[str, Any]]:
    """Every event of a dossier with who did it (for printed forms); scope is checked by the
    caller through dossier_detail."""
    rows = (
        await DossierEvent.select(
            *DossierEvent.all_columns(),
            DossierEvent.actor.full_name.as_alias("actor_name"),
        )
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.seq)
    )
    names = await agency_names()
    for e in rows:
        e["agency_name"] = names.get(e["agency_code"], e["agency_code"])
    return rows


async def dossier_by_code(user: CurrentUser, code: str) -> dict[str, Any]:
    row = await Dossier.select(Dossier.id).where(Dossier.code == code.strip().upper()).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return await dossier_detail(user, row["id"])


async def file_for(user: CurrentUser, dossier_id: int, file_id: int) -> dict[str, Any]:
    await _owned_dossier(user, dossier_id)
    f = (
        await DossierFile.select()
        .where((DossierFile.id == file_id) & (DossierFile.dossier == dossier_id))
        .first()
    )
    if f is None:
        raise NotFound(N_("Không tìm thấy tệp này."))
    return f


@dataclass(frozen=True)
class TrackResult:
    code: str
    status: Status
    submitted_at: Any
    appointment_date: date | None
    procedure_name: str


async def track(code: str, phone: str, ip: str) -> TrackResult:
    """Public lookup: the code and the applicant's phone must both match.

    A wrong pair answers exactly like an unknown code, so nothing leaks about which codes
    exist; every lookup counts against the caller's IP address.
    """
    if await ratelimit.count("track", ip, TRACK_WINDOW) >= TRACK_LIMIT_PER_IP:
        raise TooManyRequests(N_("Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."))
    await ratelimit.hit("track", ip)
    wrong = NotFound(N_("Không tìm thấy hồ sơ với mã và số điện thoại này. Vui lòng kiểm tra lại."))
    try:
        phone = normalize_phone(phone)
    except UserError:
        raise wrong from None
    row = (
        await Dossier.select(
            Dossier.code,
            Dossier.status,
            Dossier.submitted_at,
            Dossier.appointment_date,
            Dossier.applicant_phone,
            Dossier.procedure.name.as_alias("procedure_name"),
        )
        .where((Dossier.code == code.strip().upper()) & (Dossier.status != Status.DRAFT))
        .first()
    )
    if row is None or row["applicant_phone"] != phone:
        raise wrong
    return TrackResult(
        code=row["code"],
        status=Status(row["status"]),
        submitted_at=row["submitted_at"],
        appointment_date=row["appointment_date"],
        procedure_name=row["procedure_name"],
    )


def unique_violation(exc: BaseException) -> bool:
    return is_unique_violation(exc)
