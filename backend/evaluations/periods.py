"""Evaluation periods, run by the center's manager: save, open, close, delete.

A period goes draft -> open -> closed, and may be opened again to take more forms. Once
opened, its criteria set and kinds stay as they were (forms were filled in against them);
its name, dates and weights may still change until it is closed. Only a draft is deleted.
"""

from __future__ import annotations

from typing import Any

from backend.access.user import CurrentUser
from backend.evaluations.aggregate import Kind
from backend.evaluations.queries import period_row
from backend.evaluations.rules import PAGE_NOT_FOUND, PeriodStatus, require_manager
from backend.evaluations.schemas import PeriodInput
from backend.evaluations.tables import CriteriaSet, Criterion, EvaluationPeriod
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, FormErrors, NotFound, UserError
from backend.lib.i18n import N_

# action -> (the states it starts from, the state it leads to)
MOVES: dict[str, tuple[tuple[PeriodStatus, ...], PeriodStatus]] = {
    "open": ((PeriodStatus.DRAFT, PeriodStatus.CLOSED), PeriodStatus.OPEN),
    "close": ((PeriodStatus.OPEN,), PeriodStatus.CLOSED),
}


def _columns(data: PeriodInput) -> dict[Any, Any]:
    return {
        EvaluationPeriod.name: data.name,
        EvaluationPeriod.starts_on: data.starts_on,
        EvaluationPeriod.ends_on: data.ends_on,
        EvaluationPeriod.criteria_set: data.criteria_set,
        EvaluationPeriod.weight_cross: data.weights.cross,
        EvaluationPeriod.weight_center: data.weights.center,
        EvaluationPeriod.weight_self: data.weights.self_eval,
        **{getattr(EvaluationPeriod, f"include_{k.value}"): k in data.kinds for k in Kind},
    }


def _check_change(current: dict[str, Any], data: PeriodInput) -> None:
    """A closed period does not change; an open one keeps its set and kinds."""
    if current["status"] == PeriodStatus.CLOSED.value:
        raise Conflict(N_("Kỳ đánh giá đã khóa nên không sửa được. Hãy mở lại kỳ nếu cần."))
    if current["status"] != PeriodStatus.OPEN.value:
        return
    errors = []
    if current["criteria_set"] != data.criteria_set:
        errors.append(
            UserError(
                N_("Kỳ đánh giá đã mở nên không đổi được bộ tiêu chí."),
                field="criteria_set",
            )
        )
    if current["kinds"] != data.kinds:
        errors.append(
            UserError(
                N_("Kỳ đánh giá đã mở nên không đổi được các hình thức đánh giá."),
                field="kinds",
            )
        )
    if errors:
        raise FormErrors(errors)


async def save_period(user: CurrentUser, period_id: int | None, data: PeriodInput) -> int:
    """Create a draft period (`period_id` None) or change one; returns its id."""
    require_manager(user)
    if not await CriteriaSet.exists().where(CriteriaSet.id == data.criteria_set):
        raise UserError(N_("Vui lòng chọn bộ tiêu chí."), field="criteria_set")
    if not await Criterion.exists().where(Criterion.criteria_set == data.criteria_set):
        raise UserError(N_("Bộ tiêu chí này chưa có tiêu chí nào."), field="criteria_set")
    columns = _columns(data)
    async with write_transaction():
        if period_id is None:
            row = EvaluationPeriod(
                created_by=user.id,
                created_at=utcnow(),
                status=PeriodStatus.DRAFT.value,
                **{c._meta.name: v for c, v in columns.items()},
            )
            await row.save()
            return int(row.id)
        _check_change(await period_row(period_id), data)
        await EvaluationPeriod.update(columns).where(EvaluationPeriod.id == period_id)
    return period_id


async def set_status(user: CurrentUser, period_id: int, action: str) -> PeriodStatus:
    """open (from draft, or again from closed) or close (from open)."""
    require_manager(user)
    if action not in MOVES:
        raise NotFound(PAGE_NOT_FOUND)
    sources, target = MOVES[action]
    now = utcnow()
    async with write_transaction():
        current = await period_row(period_id)
        if current["status_obj"] not in sources:
            raise Conflict(
                N_("Kỳ đánh giá đang ở trạng thái “{status}”: thao tác này không còn phù hợp."),
                status=current["status_obj"].label,
            )
        opening = target is PeriodStatus.OPEN
        stamp = EvaluationPeriod.opened_at if opening else EvaluationPeriod.closed_at
        # Conditional on the state read above, so two clicks at once move it once.
        await EvaluationPeriod.update({EvaluationPeriod.status: target.value, stamp: now}).where(
            (EvaluationPeriod.id == period_id)
            & EvaluationPeriod.status.is_in([s.value for s in sources])
        )
    return target


async def delete_period(user: CurrentUser, period_id: int) -> None:
    require_manager(user)
    async with write_transaction():
        current = await period_row(period_id)
        if current["status"] != PeriodStatus.DRAFT.value:
            raise Conflict(N_("Chỉ xóa được kỳ đánh giá chưa mở."))
        await EvaluationPeriod.delete().where(EvaluationPeriod.id == period_id)
