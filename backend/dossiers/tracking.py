"""The public lookup of a dossier by its code and the applicant's phone number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from backend.accounts import ratelimit_buffered
from backend.dossiers.status import NEXT_STEPS, Status
from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.workflow import Action
from backend.lib.errors import NotFound, TooManyRequests, UserError
from backend.lib.i18n import N_
from backend.lib.prepared import prepared
from backend.lib.validation import normalize_phone

# Statuses in which the citizen may still add or remove files.
TRACK_WINDOW = timedelta(minutes=10)


TRACK_LIMIT_PER_IP = 30


@dataclass(frozen=True)
class Step:
    """A public step of the lookup: when, and the status reached (no names, no notes)."""

    at: datetime
    status: Status
    apology: bool = False  # the agency apologised and gave a new date


@dataclass(frozen=True)
class TrackResult:
    code: str
    status: Status
    submitted_at: Any
    appointment_date: date | None
    procedure_name: str
    steps: tuple[Step, ...] = ()

    @property
    def next_step(self) -> str:
        return NEXT_STEPS.get(self.status, "")


_BY_CODE = prepared(
    lambda code: (
        Dossier.select(
            Dossier.id,
            Dossier.code,
            Dossier.status,
            Dossier.submitted_at,
            Dossier.appointment_date,
            Dossier.applicant_phone,
            Dossier.procedure.name.as_alias("procedure_name"),
        )
        .where((Dossier.code == code) & (Dossier.status != Status.DRAFT))
        .first()
    )
)
_EVENTS = prepared(
    lambda dossier: (
        DossierEvent.select(
            DossierEvent.at, DossierEvent.action, DossierEvent.from_status, DossierEvent.to_status
        )
        .where(DossierEvent.dossier == dossier)
        .order_by(DossierEvent.seq)
    )
)


async def track(code: str, phone: str, ip: str) -> TrackResult:
    """Public lookup: the code and the applicant's phone must both match.

    A wrong pair answers exactly like an unknown code, so nothing leaks about which codes
    exist; every lookup counts against the caller's IP address.
    """
    if not (await ratelimit_buffered.take("track", ip, TRACK_LIMIT_PER_IP, TRACK_WINDOW)).allowed:
        raise TooManyRequests(N_("Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."))
    wrong = NotFound(N_("Không tìm thấy hồ sơ với mã và số điện thoại này. Vui lòng kiểm tra lại."))
    try:
        phone = normalize_phone(phone)
    except UserError:
        raise wrong from None
    row = await _BY_CODE(code.strip().upper())
    if row is None or row["applicant_phone"] != phone:
        raise wrong
    return TrackResult(
        code=row["code"],
        status=Status(row["status"]),
        submitted_at=row["submitted_at"],
        appointment_date=row["appointment_date"],
        procedure_name=row["procedure_name"],
        steps=await _steps(row["id"]),
    )


async def _steps(dossier_id: int) -> tuple[Step, ...]:
    """The status changes (and apologies) of the dossier, oldest first."""
    rows = await _EVENTS(dossier_id)
    steps = []
    for r in rows:
        apology = r["action"] == Action.APOLOGIZE.value
        if apology or r["from_status"] != r["to_status"]:
            steps.append(Step(r["at"], Status(r["to_status"]), apology))
    return tuple(steps)
