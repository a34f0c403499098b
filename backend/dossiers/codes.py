"""Dossier codes: <unit code>-YYMMDD-XXXX (Circular 01/2018/TT-VPCP art. 19).

XXXX is the dossier's order within the receiving unit's day, so the counter lives in the
database and is bumped with one atomic upsert: unique under concurrent submissions on SQLite
(inside an immediate transaction) and on PostgreSQL (the row lock of ON CONFLICT DO UPDATE).
"""

from __future__ import annotations

import re
from datetime import date

from backend.dossiers.tables import CodeSequence

CODE_PATTERN = re.compile(r"^(?P<unit>[0-9A-Z.]+)-(?P<day>\d{6})-(?P<seq>\d{4,})$")


def format_code(unit_code: str, day: date, sequence: int) -> str:
    return f"{unit_code}-{day:%y%m%d}-{sequence:04d}"


async def next_code(unit_code: str, day: date) -> str:
    """Must run inside the transaction that saves the dossier, so a rollback frees nothing twice."""
    return format_code(unit_code, day, await _next(f"{unit_code}-{day:%y%m%d}"))


async def next_register_number(year: int) -> int:
    """The dossier's "số thứ tự" in the year's register of received dossiers (form 07, one
    electronic book a year, printed on form 01 as "quyển số <year>"); same rules as next_code."""
    return await _next(f"register-{year}")


async def _next(scope: str) -> int:
    rows = await CodeSequence.raw(
        "INSERT INTO code_sequence (scope, last) VALUES ({}, 1) "
        "ON CONFLICT (scope) DO UPDATE SET last = code_sequence.last + 1 "
        "RETURNING last",
        scope,
    )
    return int(rows[0]["last"])
