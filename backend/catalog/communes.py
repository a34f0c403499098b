"""Commune People's Committees as the bodies that decide a procedure.

Since 1 July 2025 local government has two tiers (province, and commune/ward/special zone) and
many civil-status procedures (birth registration, marriage with a foreign element...) are
decided by the commune People's Committee. The provincial center receives them whatever the
applicant's ward (Decree 118/2025: dossiers are accepted regardless of administrative
boundary within the province) and transfers each to the committee that has the competence.

A committee is an Agency of kind "commune", made from the official ward list the first time a
dossier is transferred to it (or by the administrator, to give its officers accounts before
that): the province's ~130 committees do not crowd the center's ~20 agencies in every list
until they are actually used.
"""

from __future__ import annotations

from typing import Any

from backend.catalog import addresses
from backend.catalog.addresses import Ward
from backend.catalog.tables import Agency, Procedure
from backend.settings import get_settings

KIND = "commune"


async def decides(procedure_id: int) -> bool:
    """Whether a commune's committee decides the procedure's dossiers."""
    return await Procedure.exists().where(
        (Procedure.id == procedure_id) & Procedure.decided_by_commune.eq(True)
    )


def committee_code(ward: Ward) -> str:
    """The agency code of a ward's committee: "ubnd" and the official ward code."""
    return f"ubnd{ward.code}"


def committee_name(ward: Ward) -> str:
    """ "Phường Hoa Lư" -> "Ủy ban nhân dân phường Hoa Lư" (the type in lower case, as the
    committees write their own name)."""
    return f"Ủy ban nhân dân {ward.name[:1].lower()}{ward.name[1:]}"


def province_wards() -> list[Ward]:
    """The communes, wards and special zones of the center's province: where it may transfer."""
    province = addresses.find_province(get_settings().province)
    return addresses.wards_of(province.code) if province else []


def in_province(ward_code: str) -> Ward | None:
    """The ward, if it is one of the center's province (a transfer never leaves it)."""
    ward = addresses.ward(ward_code) if ward_code else None
    province = addresses.find_province(get_settings().province)
    if ward is None or province is None or ward.province_code != province.code:
        return None
    return ward


async def committee(ward: Ward) -> dict[str, Any]:
    """The committee's agency row (id, code, name), made on first use (inside the caller's
    transaction; two counters transferring to a new committee at once make one row)."""
    code = committee_code(ward)
    await Agency.insert(Agency(code=code, name=committee_name(ward), kind=KIND)).on_conflict(
        target=Agency.code, action="DO NOTHING"
    )
    row = (
        await Agency.select(Agency.id, Agency.code, Agency.name).where(Agency.code == code).first()
    )
    assert row is not None
    return row
