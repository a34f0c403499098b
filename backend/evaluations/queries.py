"""What the evaluation pages show: criteria sets, periods, a person's to-do list, one form.

Read models as plain dicts for the templates. The checks of who may see what are made here
too (a page never decides alone), with the messages of `rules`.
"""

from __future__ import annotations

from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import Agency
from backend.evaluations.aggregate import Kind, Weights
from backend.evaluations.assignments import check_may_fill, form_url, slot, tasks_for
from backend.evaluations.rules import (
    PERIOD_NOT_FOUND,
    PERIOD_NOT_OPEN,
    SET_NOT_FOUND,
    PeriodStatus,
    format_score,
    require_manager,
    require_participant,
)
from backend.evaluations.tables import (
    CriteriaSet,
    Criterion,
    Evaluation,
    EvaluationPeriod,
    EvaluationScore,
)
from backend.lib.errors import Conflict, NotFound
from backend.lib.i18n import N_

# --- criteria sets -----------------------------------------------------------------------------


async def set_is_locked(set_id: int) -> bool:
    """A set used by a period that was ever opened can no longer change."""
    return bool(
        await EvaluationPeriod.exists().where(
            (EvaluationPeriod.criteria_set == set_id)
            & (EvaluationPeriod.status != PeriodStatus.DRAFT.value)
        )
    )


async def list_sets() -> list[dict[str, Any]]:
    sets = await CriteriaSet.select().order_by(CriteriaSet.id, ascending=False)
    criteria = await Criterion.select().order_by(Criterion.position)
    periods = await EvaluationPeriod.select(EvaluationPeriod.criteria_set, EvaluationPeriod.status)
    for s in sets:
        s["criteria"] = [c for c in criteria if c["criteria_set"] == s["id"]]
        s["max_total"] = sum(c["max_score"] for c in s["criteria"])
        used = [p for p in periods if p["criteria_set"] == s["id"]]
        s["period_count"] = len(used)
        s["locked"] = any(p["status"] != PeriodStatus.DRAFT.value for p in used)
    return sets


async def load_set(set_id: int) -> dict[str, Any]:
    row = await CriteriaSet.select().where(CriteriaSet.id == set_id).first()
    if row is None:
        raise NotFound(SET_NOT_FOUND)
    row["criteria"] = (
        await Criterion.select()
        .where(Criterion.criteria_set == set_id)
        .order_by(Criterion.position)
    )
    row["max_total"] = sum(c["max_score"] for c in row["criteria"])
    row["locked"] = await set_is_locked(set_id)
    row["period_count"] = await EvaluationPeriod.count().where(
        EvaluationPeriod.criteria_set == set_id
    )
    return row


# --- periods -----------------------------------------------------------------------------------


def kinds_of(period: dict[str, Any]) -> tuple[Kind, ...]:
    return tuple(k for k in Kind if period[f"include_{k.value}"])


def weights_of(period: dict[str, Any]) -> Weights:
    return Weights(
        cross=period["weight_cross"] if period["include_cross"] else 0,
        center=period["weight_center"] if period["include_center"] else 0,
        self_eval=period["weight_self"] if period["include_self"] else 0,
    )


def _with_status(row: dict[str, Any]) -> dict[str, Any]:
    row["status_obj"] = PeriodStatus(row["status"])
    row["kinds"] = kinds_of(row)
    return row


async def period_row(period_id: int) -> dict[str, Any]:
    """The period's own row, with its set's name, its status and its kinds."""
    row = await (
        EvaluationPeriod.select(
            *EvaluationPeriod.all_columns(),
            EvaluationPeriod.criteria_set.name.as_alias("set_name"),
        )
        .where(EvaluationPeriod.id == period_id)
        .first()
    )
    if row is None:
        raise NotFound(PERIOD_NOT_FOUND)
    return _with_status(row)


async def load_period(period_id: int) -> dict[str, Any]:
    """A period with its criteria (and their total) and how many evaluations it has."""
    row = await period_row(period_id)
    row["criteria"] = (
        await Criterion.select()
        .where(Criterion.criteria_set == row["criteria_set"])
        .order_by(Criterion.position)
    )
    row["max_total"] = sum(c["max_score"] for c in row["criteria"])
    row["evaluation_count"] = await Evaluation.count().where(Evaluation.period == period_id)
    return row


async def list_periods(user: CurrentUser) -> list[dict[str, Any]]:
    """Every period for the manager; leaders see the periods that were opened; nobody else
    has a list of periods."""
    if user.role not in (Role.MANAGER, Role.LEADER):
        require_manager(user)
    query = EvaluationPeriod.select(
        *EvaluationPeriod.all_columns(), EvaluationPeriod.criteria_set.name.as_alias("set_name")
    ).order_by(EvaluationPeriod.starts_on, ascending=False)
    if user.role is not Role.MANAGER:
        query = query.where(EvaluationPeriod.status != PeriodStatus.DRAFT.value)
    rows = await query.order_by(EvaluationPeriod.id, ascending=False)
    return [_with_status(row) for row in rows]


# --- what a person fills in --------------------------------------------------------------------


async def todo_for(user: CurrentUser) -> list[dict[str, Any]]:
    """Open periods, each with this person's forms."""
    require_participant(user)
    periods = await (
        EvaluationPeriod.select(EvaluationPeriod.id)
        .where(EvaluationPeriod.status == PeriodStatus.OPEN.value)
        .order_by(EvaluationPeriod.ends_on)
    )
    out = []
    for p in periods:
        period = await load_period(p["id"])
        period["groups"] = await tasks_for(user, period)
        period["todo"] = sum(len(g["forms"]) - g["done"] for g in period["groups"])
        out.append(period)
    return out


async def agency_name(agency_id: int) -> str | None:
    """The agency's name, None when there is no agency of that id."""
    row = await Agency.select(Agency.name).where(Agency.id == agency_id).first()
    return None if row is None else str(row["name"])


async def _target_name(kind: Kind, target: int | None, user: CurrentUser) -> str:
    if kind is Kind.SELF:
        return user.full_name
    name = await agency_name(target or 0)
    if name is None:
        raise NotFound(N_("Không tìm thấy cơ quan này."))
    return name


async def _saved_form(
    period_id: int, kind: Kind, user: CurrentUser, target: int | None
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The form saved in this slot (with who saved it last) and its values as the form shows
    them, or (None, {})."""
    saved = (
        await Evaluation.select(
            *Evaluation.all_columns(), Evaluation.evaluator.full_name.as_alias("evaluator_name")
        )
        .where(Evaluation.slot == slot(period_id, kind, user, target))
        .first()
    )
    if saved is None:
        return None, {}
    scores = await EvaluationScore.select().where(EvaluationScore.evaluation == saved["id"])
    values = {f"score-{s['criterion']}": format_score(s["score"]) for s in scores}
    values["comment"] = saved["comment"]
    return saved, values


async def load_form(
    user: CurrentUser, period_id: int, kind: Kind, target: int | None
) -> dict[str, Any]:
    """What the form page shows: the period, its criteria, the target, the saved scores."""
    require_participant(user)
    period = await load_period(period_id)
    if period["status"] == PeriodStatus.DRAFT.value:
        raise Conflict(PERIOD_NOT_OPEN)
    check_may_fill(user, period, kind, target)
    name = await _target_name(kind, target, user)
    saved, values = await _saved_form(period_id, kind, user, target)
    return {
        "period": period,
        "kind": kind,
        "target": target,
        "target_name": name,
        "saved": saved,
        "values": values,
        "readonly": period["status"] != PeriodStatus.OPEN.value,
        "action": form_url(period_id, kind, target),
    }
