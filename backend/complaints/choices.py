"""What the complaint form offers to choose from: the filer's own dossiers, the agencies, and
the officials of the agency chosen (who may be named in a complaint about conduct)."""

from __future__ import annotations

from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.catalog.tables import Agency
from backend.complaints.kinds import CENTER
from backend.dossiers.status import Status
from backend.dossiers.tables import Dossier


def files_as_citizen(user: CurrentUser | None) -> bool:
    """A signed-in citizen files as themselves; staff (filing for a visitor at the counter)
    and visitors without an account type a name and a phone number."""
    return user is not None and user.role is Role.CITIZEN and bool(user.phone)


def as_id(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


async def officials(agency: str) -> list[dict[str, Any]]:
    """The officials of an agency (its specialists and leaders), or of the center's counter
    (CENTER); none until an agency is chosen."""
    query = User.select(User.id, User.full_name).where(User.active.eq(True))
    if agency == CENTER:
        query = query.where(User.role == Role.COUNTER.value)
    elif (agency_id := as_id(agency)) is not None:
        query = query.where(
            (User.agency == agency_id) & User.role.is_in([Role.SPECIALIST.value, Role.LEADER.value])
        )
    else:
        return []
    return await query.order_by(User.full_name)


async def agencies() -> list[dict[str, Any]]:
    return await Agency.select(Agency.id, Agency.name).order_by(Agency.name)


async def dossiers_of(user: CurrentUser | None) -> list[dict[str, Any]]:
    """A signed-in citizen's submitted dossiers, newest first."""
    if user is None or not files_as_citizen(user):
        return []
    return await (
        Dossier.select(
            Dossier.id, Dossier.code, Dossier.agency, Dossier.procedure.name.as_alias("procedure")
        )
        .where((Dossier.citizen == user.id) & (Dossier.status != Status.DRAFT))
        .order_by(Dossier.submitted_at, ascending=False)
        .limit(50)
    )
