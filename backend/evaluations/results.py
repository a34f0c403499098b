"""The results of a period and its progress, read from the database for `aggregate`.

`aggregate.py` computes from plain rows; this module loads those rows (agencies, the active
officials, the submitted totals) and decides who sees which part: the manager every agency,
a leader their own agency's row and what their agency still has to submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.evaluations.aggregate import (
    AgencyFigures,
    Kind,
    Missing,
    Official,
    Row,
    Weights,
    aggregate,
    missing,
    ranked,
)
from backend.evaluations.assignments import agencies
from backend.evaluations.queries import load_period, weights_of
from backend.evaluations.rules import PERIOD_NOT_OPEN, SELF_ROLES, PeriodStatus, require_manager
from backend.evaluations.tables import Evaluation
from backend.lib.errors import Conflict, Forbidden
from backend.lib.i18n import N_


async def officials() -> list[Official]:
    """The active officials who assess themselves."""
    rows = await (
        User.select(User.id, User.full_name, User.agency, User.role)
        .where(User.role.is_in([r.value for r in SELF_ROLES]) & User.active.eq(True))
        .order_by(User.full_name)
    )
    return [Official(r["id"], r["full_name"], r["agency"], r["role"]) for r in rows]


async def period_rows(period_id: int) -> list[Row]:
    rows = await Evaluation.select(
        Evaluation.kind,
        Evaluation.total,
        Evaluation.evaluator_agency,
        Evaluation.target_agency,
        Evaluation.target_user,
    ).where(Evaluation.period == period_id)
    return [
        Row(
            kind=Kind(r["kind"]),
            total=Decimal(r["total"]),
            target_agency=r["target_agency"],
            evaluator_agency=r["evaluator_agency"],
            target_user=r["target_user"],
        )
        for r in rows
    ]


@dataclass
class Results:
    period: dict[str, Any]
    figures: list[AgencyFigures]
    missing: Missing
    weights: Weights
    officials_by_id: dict[int, Official]
    agency_names: dict[int, str]
    own_agency_only: bool


def _own_agency_only(user: CurrentUser, period: dict[str, Any]) -> bool:
    """True for a leader (their agency's row only), False for the manager; others may not
    see results, and a leader sees nothing of a period not yet opened."""
    if user.role is Role.LEADER and user.agency_id is not None:
        if period["status"] == PeriodStatus.DRAFT.value:
            raise Conflict(PERIOD_NOT_OPEN)
        return True
    if user.role is Role.MANAGER:
        return False
    raise Forbidden(N_("Chỉ lãnh đạo Trung tâm và lãnh đạo cơ quan xem được kết quả."))


async def results(user: CurrentUser, period_id: int, unattached_name: str = "") -> Results:
    """Every agency's figures and who has not submitted (the manager); a leader gets their
    own agency's row and what their agency and its officials still have to submit."""
    period = await load_period(period_id)
    own_only = _own_agency_only(user, period)
    every = await agencies()
    people = await officials()
    rows = await period_rows(period_id)
    kinds = period["kinds"]
    weights = weights_of(period)
    figures = ranked(aggregate(every, rows, weights, kinds, unattached_name))
    gaps = missing(every, people, rows, kinds)
    if own_only:
        figures = [f for f in figures if f.agency_id == user.agency_id]
        gaps = Missing(
            cross=[g for g in gaps.cross if g.agency_id == user.agency_id],
            self_eval=[o for o in gaps.self_eval if o.agency_id == user.agency_id],
            center=[],
        )
    return Results(
        period=period,
        figures=figures,
        missing=gaps,
        weights=weights,
        officials_by_id={o.user_id: o for o in people},
        agency_names=dict(every),
        own_agency_only=own_only,
    )


async def progress(period: dict[str, Any]) -> dict[Kind, tuple[int, int]]:
    """(submitted, expected) per included kind, for the period's page."""
    every = await agencies()
    people = await officials()
    rows = await period_rows(period["id"])
    n = len(every)
    expected = {Kind.CROSS: n * (n - 1), Kind.CENTER: n, Kind.SELF: len(people)}
    counts = {k: sum(1 for r in rows if r.kind is k) for k in (Kind.CROSS, Kind.CENTER)}
    # Self-assessments of officials who are still active (a deactivated one no longer counts).
    active = {o.user_id for o in people}
    counts[Kind.SELF] = sum(1 for r in rows if r.kind is Kind.SELF and r.target_user in active)
    return {k: (counts[k], expected[k]) for k in period["kinds"]}


@dataclass
class Overview:
    period: dict[str, Any]
    progress: dict[Kind, tuple[int, int]]


async def overview(user: CurrentUser, period_id: int) -> Overview:
    """The manager's page of a period: its definition and how many forms came in."""
    require_manager(user)
    period = await load_period(period_id)
    return Overview(period=period, progress=await progress(period))
