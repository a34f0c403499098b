"""Evaluation fixtures: fixed test people in agencies no other test uses (Sở Nội vụ, Sở Công
Thương, Sở Y tế), so that other tests' counts of an agency's staff stay as they were; a
criteria set and periods made through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import Agency
from backend.evaluations import criteria_sets, periods, queries, schemas
from backend.evaluations.aggregate import Kind
from tests.helpers import make_user

_names = itertools.count(1)


@dataclass
class People:
    manager: CurrentUser
    leader_snv: CurrentUser
    leader_sct: CurrentUser
    specialist_snv: CurrentUser
    counter: CurrentUser
    admin: CurrentUser
    agency: dict[str, int]  # code -> id


@pytest.fixture
async def people() -> People:
    agency = {r["code"]: r["id"] for r in await Agency.select(Agency.id, Agency.code)}
    return People(
        manager=await make_user(Role.MANAGER, "test.eval.gd"),
        leader_snv=await make_user(Role.LEADER, "test.eval.ld.snv", "snv"),
        leader_sct=await make_user(Role.LEADER, "test.eval.ld.sct", "sct"),
        specialist_snv=await make_user(Role.SPECIALIST, "test.eval.cv.snv", "snv"),
        counter=await make_user(Role.COUNTER, "test.eval.motcua"),
        admin=await make_user(Role.ADMIN, "test.eval.admin"),
        agency=agency,
    )


def unique(name: str) -> str:
    return f"{name} #{next(_names)}"


async def make_set(manager: CurrentUser, criteria: list[tuple[str, int]] | None = None) -> int:
    data = schemas.SetInput(
        name=unique("Bộ tiêu chí thử"),
        description="",
        criteria=criteria or [("Tinh thần phối hợp", 10), ("Đúng hạn", 5)],
    )
    return await criteria_sets.save_set(manager, None, data)


async def make_period(
    manager: CurrentUser,
    set_id: int | None = None,
    kinds: tuple[Kind, ...] = (Kind.CROSS, Kind.CENTER, Kind.SELF),
    open_it: bool = True,
) -> dict[str, Any]:
    set_id = set_id or await make_set(manager)
    # 40/40/20 with the three kinds; otherwise the first chosen kind takes what is left.
    weights = {Kind.CROSS: 40, Kind.CENTER: 40, Kind.SELF: 20}
    weights[kinds[0]] += 100 - sum(weights[k] for k in kinds)
    values = {
        "name": unique("Quý thử"),
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "criteria_set": str(set_id),
        **{f"weight_{k.value}": str(weights[k]) for k in kinds},
        **{f"kind_{k.value}": "1" for k in kinds},
    }
    period_id = await periods.save_period(manager, None, schemas.parse_period(values))
    if open_it:
        await periods.set_status(manager, period_id, "open")
    return await queries.load_period(period_id)


def score_fields(period: dict[str, Any], *scores: str) -> dict[str, str]:
    """Form fields for the period's criteria, in order."""
    return {f"score-{c['id']}": s for c, s in zip(period["criteria"], scores, strict=True)}
