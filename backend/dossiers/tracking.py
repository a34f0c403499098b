"""The public lookup of a dossier by its code and the applicant's phone number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backend.accounts import ratelimit
from backend.dossiers.status import Status
from backend.dossiers.tables import Dossier
from backend.lib.errors import NotFound, TooManyRequests, UserError
from backend.lib.i18n import N_
from backend.lib.validation import normalize_phone

# Statuses in which the citizen may still add or remove files.
TRACK_WINDOW = timedelta(minutes=10)


TRACK_LIMIT_PER_IP = 30


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
    if not (await ratelimit.take("track", ip, TRACK_LIMIT_PER_IP, TRACK_WINDOW)).allowed:
        raise TooManyRequests(N_("Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."))
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
