"""Saving a score form: one evaluation per slot, edited again until the period closes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from backend.access.user import CurrentUser
from backend.evaluations.aggregate import Kind
from backend.evaluations.assignments import slot
from backend.evaluations.queries import load_form
from backend.evaluations.rules import PERIOD_CLOSED, PERIOD_NOT_FOUND, PeriodStatus
from backend.evaluations.schemas import ScoresInput, parse_scores
from backend.evaluations.tables import Evaluation, EvaluationPeriod, EvaluationScore
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import Conflict, NotFound
from backend.lib.forms import RawForm
from backend.piccolo_conf import DB


async def submit(
    user: CurrentUser, period_id: int, kind: Kind, target: int | None, data: RawForm
) -> Decimal:
    """Save this person's form (a new one, or the same slot again); returns its total.

    The evaluating agency of a cross-evaluation is the leader's own, whatever the form says.
    """
    form = await load_form(user, period_id, kind, target)
    if form["readonly"]:
        raise Conflict(PERIOD_CLOSED)
    scores = parse_scores(form["period"]["criteria"], data)
    for attempt in (1, 2):
        try:
            await _save(user, form["period"], kind, target, scores)
            return scores.total
        except Exception as e:
            # Two leaders of one agency saving the same new form at once: the second insert
            # hits the unique slot; once more, it finds the row and updates it.
            if attempt == 2 or not is_unique_violation(e):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _check_still_open(period_id: int) -> None:
    # The period's row is read under a share lock (PostgreSQL; SQLite's write lock does the
    # same): closing it waits for this form, and a form never lands after the close.
    query = EvaluationPeriod.select(EvaluationPeriod.status).where(EvaluationPeriod.id == period_id)
    if isinstance(DB, PostgresEngine):
        query = query.lock_rows("SHARE")
    current = await query.first()
    if current is None:
        raise NotFound(PERIOD_NOT_FOUND)
    if current["status"] != PeriodStatus.OPEN.value:
        raise Conflict(PERIOD_CLOSED)


async def _save(
    user: CurrentUser,
    period: dict[str, Any],
    kind: Kind,
    target: int | None,
    form: ScoresInput,
) -> None:
    now = utcnow()
    key = slot(period["id"], kind, user, target)
    async with write_transaction():
        await _check_still_open(period["id"])
        existing = await Evaluation.select(Evaluation.id).where(Evaluation.slot == key).first()
        if existing is None:
            row = Evaluation(
                period=period["id"],
                kind=kind.value,
                slot=key,
                evaluator=user.id,
                evaluator_agency=user.agency_id if kind is Kind.CROSS else None,
                target_agency=target if kind is not Kind.SELF else user.agency_id,
                target_user=user.id if kind is Kind.SELF else None,
                total=form.total,
                comment=form.comment,
                submitted_at=now,
                updated_at=now,
            )
            await row.save()
            evaluation_id = int(row.id)
        else:
            evaluation_id = existing["id"]
            await Evaluation.update(
                {
                    Evaluation.evaluator: user.id,
                    Evaluation.total: form.total,
                    Evaluation.comment: form.comment,
                    Evaluation.updated_at: now,
                }
            ).where(Evaluation.id == evaluation_id)
            await EvaluationScore.delete().where(EvaluationScore.evaluation == evaluation_id)
        await EvaluationScore.insert(
            *[
                EvaluationScore(evaluation=evaluation_id, criterion=criterion, score=score)
                for criterion, score in form.scores.items()
            ]
        )
