"""Criteria sets, defined by the center's manager: save, copy, delete.

A set is a named list of criteria, each with a maximum score. Once a period using it has been
opened it no longer changes (forms were filled in against it): the manager copies it instead.
"""

from __future__ import annotations

from backend.access.user import CurrentUser
from backend.evaluations.queries import load_set, set_is_locked
from backend.evaluations.rules import MAX_NAME, SET_LOCKED, SET_NOT_FOUND, require_manager
from backend.evaluations.schemas import SetInput
from backend.evaluations.tables import CriteriaSet, Criterion, EvaluationPeriod
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, NotFound
from backend.lib.i18n import N_


async def save_set(user: CurrentUser, set_id: int | None, data: SetInput) -> int:
    """Create a set (`set_id` None) or replace a set's name and criteria; returns its id."""
    require_manager(user)
    now = utcnow()
    async with write_transaction():
        if set_id is None:
            row = CriteriaSet(
                name=data.name, description=data.description, created_at=now, updated_at=now
            )
            await row.save()
            set_id = int(row.id)
        else:
            if not await CriteriaSet.exists().where(CriteriaSet.id == set_id):
                raise NotFound(SET_NOT_FOUND)
            if await set_is_locked(set_id):
                raise Conflict(SET_LOCKED)
            await CriteriaSet.update(
                {
                    CriteriaSet.name: data.name,
                    CriteriaSet.description: data.description,
                    CriteriaSet.updated_at: now,
                }
            ).where(CriteriaSet.id == set_id)
            await Criterion.delete().where(Criterion.criteria_set == set_id)
        await Criterion.insert(
            *[
                Criterion(criteria_set=set_id, position=i, label=label, max_score=top)
                for i, (label, top) in enumerate(data.criteria, start=1)
            ]
        )
    return set_id


async def copy_set(user: CurrentUser, set_id: int) -> int:
    """A new, editable set with the same criteria, named "<name> (bản sao)"."""
    require_manager(user)
    source = await load_set(set_id)
    return await save_set(
        user,
        None,
        SetInput(
            name=f"{source['name']} (bản sao)"[:MAX_NAME],
            description=source["description"],
            criteria=[(c["label"], c["max_score"]) for c in source["criteria"]],
        ),
    )


async def delete_set(user: CurrentUser, set_id: int) -> None:
    require_manager(user)
    async with write_transaction():
        if not await CriteriaSet.exists().where(CriteriaSet.id == set_id):
            raise NotFound(SET_NOT_FOUND)
        if await EvaluationPeriod.exists().where(EvaluationPeriod.criteria_set == set_id):
            raise Conflict(N_("Bộ tiêu chí đang được một kỳ đánh giá sử dụng nên không xóa được."))
        await CriteriaSet.delete().where(CriteriaSet.id == set_id)
