"""Filing a complaint: checking what was typed, then saving it with its code, attachments and
first event in one transaction.

Anyone may file: a signed-in citizen as themselves, anybody else with a name and a Vietnamese
mobile number (the elderly relative at the counter, someone without an account). Anonymous
filing is limited per IP address, since every filing lands in a person's queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.access.user import CurrentUser
from backend.accounts import ratelimit
from backend.catalog.services import load_calendar
from backend.catalog.tables import Agency
from backend.complaints import choices, deadlines
from backend.complaints.choices import as_id, files_as_citizen
from backend.complaints.kinds import CENTER, CONDUCT, CONDUCT_LABELS, KIND_LABELS
from backend.complaints.schemas import Filing
from backend.complaints.tables import Complaint, ComplaintEvent, ComplaintFile
from backend.complaints.workflow import State
from backend.dossiers.codes import next_code
from backend.dossiers.status import Status
from backend.dossiers.tables import Dossier
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import FormErrors, TooManyRequests, UserError
from backend.lib.files import StoredFile
from backend.lib.i18n import N_
from backend.lib.validation import normalize_phone, require_text
from backend.settings import get_settings

CODE_PREFIX = "PAKN"
MIN_CONTENT = 20
MAX_CONTENT = 5000
# Filings (and failed attempts) without an account, per IP address: enough for a family or a
# help desk, too few to flood the handlers' queues.
ANONYMOUS_WINDOW = timedelta(hours=1)
ANONYMOUS_LIMIT_PER_IP = 10

TOO_MANY = N_("Bạn đã gửi quá nhiều phản ánh trong thời gian ngắn. Vui lòng thử lại sau một giờ.")
DOSSIER_NOT_FOUND = N_(
    "Không tìm thấy hồ sơ có mã này với số điện thoại của bạn. Kiểm tra lại mã trên giấy "
    "tiếp nhận, hoặc để trống ô này."
)


@dataclass
class Checked:
    """A filing that passed every check, ready to save."""

    kind: str
    conduct: str
    content: str
    name: str
    phone: str
    filer_id: int | None
    dossier_id: int | None
    agency_id: int | None
    about_center: bool
    official_id: int | None
    official_name: str


async def check_rate(ip: str, user: CurrentUser | None) -> None:
    """Counts an anonymous attempt; raises when the address has made too many."""
    if files_as_citizen(user):
        return
    if not (
        await ratelimit.take("complaint", ip, ANONYMOUS_LIMIT_PER_IP, ANONYMOUS_WINDOW)
    ).allowed:
        raise TooManyRequests(TOO_MANY)


async def check(filing: Filing, user: CurrentUser | None) -> Checked:
    """Every problem at once, each beside its field; nothing is written."""
    errors: list[UserError] = []
    citizen = user if files_as_citizen(user) else None
    name, phone = _filer(filing, citizen, errors)
    conduct = _kind(filing, errors)
    content = _content(filing, errors)
    dossier = await _dossier(filing, citizen, phone, errors)
    agency_id, about_center = await _agency(filing, dossier, errors)
    official_id = await _official(filing, agency_id, about_center, errors)
    official_name = _official_name(filing, errors)
    if errors:
        raise FormErrors(errors)
    return Checked(
        kind=filing.kind,
        conduct=conduct,
        content=content,
        name=name,
        phone=phone,
        filer_id=citizen.id if citizen else None,
        dossier_id=dossier["id"] if dossier else None,
        agency_id=agency_id,
        about_center=about_center,
        official_id=official_id,
        official_name=official_name,
    )


def _keep(errors: list[UserError], fn: Any, *args: Any) -> Any:
    """`fn(*args)`, or None with its error kept for the form."""
    try:
        return fn(*args)
    except UserError as e:
        errors.append(e)
        return None


def _filer(filing: Filing, citizen: CurrentUser | None, errors: list[UserError]) -> tuple[str, str]:
    """The filer's name and phone number: the signed-in citizen's, or as typed."""
    if citizen is not None:
        return citizen.full_name, citizen.phone or ""
    name = _keep(errors, require_text, filing.name, "name", N_("Vui lòng nhập họ và tên."), 120)
    phone = _keep(errors, normalize_phone, filing.phone, "phone")
    return name or "", phone or ""


def _kind(filing: Filing, errors: list[UserError]) -> str:
    """Checks the kind; returns the conduct complained about ("" for a policy)."""
    if filing.kind not in KIND_LABELS:
        errors.append(UserError(N_("Chọn nội dung bạn muốn phản ánh."), field="kind"))
    conduct = filing.conduct if filing.kind == CONDUCT else ""
    if filing.kind == CONDUCT and conduct not in CONDUCT_LABELS:
        errors.append(UserError(N_("Chọn hành vi bạn muốn phản ánh."), field="conduct"))
    return conduct


def _content(filing: Filing, errors: list[UserError]) -> str:
    content = (filing.content or "").strip()
    if len(content) < MIN_CONTENT:
        errors.append(
            UserError(
                N_("Vui lòng mô tả rõ sự việc (ít nhất {n} ký tự)."), field="content", n=MIN_CONTENT
            )
        )
    elif len(content) > MAX_CONTENT:
        errors.append(
            UserError(
                N_("Nội dung quá dài (tối đa {limit} ký tự)."), field="content", limit=MAX_CONTENT
            )
        )
    return content


def _official_name(filing: Filing, errors: list[UserError]) -> str:
    """The name typed for an official who is not on the list."""
    official_name = " ".join(filing.official_name.split())
    if len(official_name) > 120:
        errors.append(
            UserError(
                N_("Nội dung quá dài (tối đa {limit} ký tự)."), field="official_name", limit=120
            )
        )
    return official_name


async def _dossier(
    filing: Filing, citizen: CurrentUser | None, phone: str, errors: list[UserError]
) -> dict[str, Any] | None:
    """The dossier complained about: one of the citizen's own, or one whose applicant's phone
    is the filer's (so nobody attaches a complaint to a stranger's dossier)."""
    columns = (Dossier.id, Dossier.agency, Dossier.citizen, Dossier.applicant_phone)
    if citizen is not None:
        dossier_id = as_id(filing.dossier_id)
        if not filing.dossier_id.strip():
            return None
        row = None
        if dossier_id is not None:
            row = await (
                Dossier.select(*columns)
                .where((Dossier.id == dossier_id) & (Dossier.status != Status.DRAFT))
                .first()
            )
        if row is None or row["citizen"] != citizen.id:
            errors.append(
                UserError(N_("Chọn một hồ sơ của bạn trong danh sách."), field="dossier_id")
            )
            return None
        return row
    code = filing.dossier_code.strip().upper()
    if not code:
        return None
    row = await (
        Dossier.select(*columns)
        .where((Dossier.code == code) & (Dossier.status != Status.DRAFT))
        .first()
    )
    if row is None or not phone or row["applicant_phone"] != phone:
        errors.append(UserError(DOSSIER_NOT_FOUND, field="dossier_code"))
        return None
    return row


async def _agency(
    filing: Filing, dossier: dict[str, Any] | None, errors: list[UserError]
) -> tuple[int | None, bool]:
    """The agency chosen, else the dossier's: it decides which leader handles the complaint."""
    value = filing.agency.strip()
    if value == CENTER:
        return None, True
    if not value:
        return (dossier["agency"] if dossier else None), False
    agency_id = as_id(value)
    if agency_id is None or not await Agency.exists().where(Agency.id == agency_id):
        errors.append(UserError(N_("Chọn cơ quan trong danh sách."), field="agency"))
        return None, False
    return agency_id, False


async def _official(
    filing: Filing, agency_id: int | None, about_center: bool, errors: list[UserError]
) -> int | None:
    """An official chosen from the list must be on the list of the agency addressed."""
    if not filing.official_id.strip():
        return None
    official_id = as_id(filing.official_id)
    where = CENTER if about_center else str(agency_id or "")
    if official_id not in {o["id"] for o in await choices.officials(where)}:
        errors.append(
            UserError(
                N_(
                    "Cán bộ này không thuộc cơ quan đã chọn. Chọn lại, hoặc ghi tên vào ô bên dưới."
                ),
                field="official_id",
            )
        )
        return None
    return official_id


async def file_complaint(
    checked: Checked,
    attachments: list[tuple[StoredFile, str]],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Saves the complaint with its code, target dates, files and first event."""
    now = now or utcnow()
    settings = get_settings()
    targets = deadlines.at_receipt(now, await load_calendar(), settings.time_zone)
    day = deadlines.local_day(now, settings.time_zone)
    async with write_transaction():
        code = await next_code(CODE_PREFIX, day)
        complaint = Complaint(
            code=code,
            kind=checked.kind,
            conduct=checked.conduct,
            state=State.RECEIVED.value,
            filer=checked.filer_id,
            filer_name=checked.name,
            filer_phone=checked.phone,
            dossier=checked.dossier_id,
            agency=checked.agency_id,
            about_center=checked.about_center,
            official=checked.official_id,
            official_name=checked.official_name,
            content=checked.content,
            received_at=now,
            accept_due=targets.accept_due,
            info_due=targets.info_due,
            answer_due=targets.answer_due,
        )
        await complaint.save()
        await add_files(int(complaint.id), attachments, "filed", now)
        await ComplaintEvent.insert(
            ComplaintEvent(
                complaint=complaint.id,
                at=now,
                actor=checked.filer_id,
                actor_role="filer",
                action="file",
                state_from="",
                state_to=State.RECEIVED.value,
            )
        )
    return {"id": int(complaint.id), "code": code}


async def add_files(
    complaint_id: int, attachments: list[tuple[StoredFile, str]], kind: str, now: datetime
) -> None:
    for stored, name in attachments:
        await ComplaintFile.insert(
            ComplaintFile(
                complaint=complaint_id,
                kind=kind,
                sha256=stored.sha256,
                extension=stored.extension,
                content_type=stored.content_type,
                size=stored.size,
                original_name=name[:200],
                has_thumbnail=stored.has_thumbnail,
                uploaded_at=now,
            )
        )
