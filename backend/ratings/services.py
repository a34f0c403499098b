"""A citizen's rating of their own dossier: one tap, then optional criteria and a comment.

The invitation is the message that tells the citizen the result is theirs (handed over,
delivered, or an electronic result ready: backend.dossiers.notify, backend.postal.lifecycle),
so that one event never sends two pushes. Rules (issue 6): only the owner rates; only once the result is in their hands (handed over or
delivered, or ready when it is electronic); one rating per dossier, changeable for 7 days.
The rating is linked to the counter officer who dealt with the citizen and to the agency.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.workflow import State
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation
from backend.lib.errors import Conflict, NotFound
from backend.lib.i18n import N_
from backend.lib.prepared import prepared
from backend.ratings import scale as scales
from backend.ratings.tables import Rating

CHANGE_WINDOW = timedelta(days=7)
NOT_YET = N_("Bạn có thể đánh giá khi đã nhận kết quả hồ sơ.")


def completed(dossier: dict[str, Any]) -> bool:
    state = dossier["state"]
    return state == State.RETURNED or (
        state == State.DONE and dossier["result_kind"] == "electronic"
    )


async def _owned(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    if row is None or row["citizen"] != user.id:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    return row


_OF_DOSSIER = prepared(lambda dossier: Rating.select().where(Rating.dossier == dossier).first())


async def of_dossier(dossier_id: int) -> dict[str, Any] | None:
    result: dict[str, Any] | None = await _OF_DOSSIER(dossier_id)
    return result


def may_change(rating: dict[str, Any], now: datetime | None = None) -> bool:
    return (now or utcnow()) - rating["created_at"] <= CHANGE_WINDOW


async def _counter_officer(dossier_id: int) -> tuple[int | None, int | None]:
    """The counter officer the citizen met (who handed the result over, else who received the
    dossier) and their desk."""
    events = await (
        DossierEvent.select(DossierEvent.actor, DossierEvent.action)
        .where(
            (DossierEvent.dossier == dossier_id)
            & DossierEvent.action.is_in(["hand_over", "accept", "intake"])
            & (DossierEvent.actor_role == "counter")
        )
        .order_by(DossierEvent.seq, ascending=False)
    )
    officer = next((e["actor"] for e in events if e["action"] == "hand_over"), None)
    officer = officer or next((e["actor"] for e in events), None)
    if officer is None:
        return None, None
    row = await User.select(User.counter).where(User.id == officer).first()
    return officer, row["counter"] if row else None


def _criteria(raw: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in raw.items() if k in scales.CRITERIA and v in ("good", "bad")}


async def rate(user: CurrentUser, dossier_id: int, level: Any) -> dict[str, Any]:
    """The one tap: records (or, within 7 days, changes) the level."""
    dossier = await _owned(user, dossier_id)
    if not completed(dossier):
        raise Conflict(NOT_YET)
    now = utcnow()
    existing = await of_dossier(dossier_id)
    scale = existing["scale"] if existing else await scales.current()
    value = scales.parse_level(level, scale)
    if existing:
        if not may_change(existing, now):
            raise Conflict(N_("Đã quá 7 ngày kể từ khi đánh giá nên không sửa được nữa."))
        await Rating.update(
            {
                Rating.level: value,
                Rating.satisfied: scales.satisfied(value, scale),
                Rating.updated_at: now,
            }
        ).where(Rating.id == existing["id"])
    else:
        officer, counter = await _counter_officer(dossier_id)
        try:
            await Rating.insert(
                Rating(
                    source="dossier",
                    dossier=dossier_id,
                    scale=scale,
                    level=value,
                    satisfied=scales.satisfied(value, scale),
                    officer=officer,
                    counter=counter,
                    agency=dossier["agency"],
                    created_at=now,
                    updated_at=now,
                )
            )
        except Exception as exc:  # a double tap raced us: the other tap's row stands
            if not is_unique_violation(exc):
                raise
            return await rate(user, dossier_id, level)
    rating = await of_dossier(dossier_id)
    assert rating is not None
    return rating


async def add_details(
    user: CurrentUser, dossier_id: int, criteria: dict[str, str], comment: str
) -> dict[str, Any]:
    """The optional part on the same screen: criteria answered good/bad and a comment."""
    await _owned(user, dossier_id)
    rating = await of_dossier(dossier_id)
    if rating is None:
        raise Conflict(N_("Hãy chọn một mức đánh giá trước."))
    if not may_change(rating):
        raise Conflict(N_("Đã quá 7 ngày kể từ khi đánh giá nên không sửa được nữa."))
    await Rating.update(
        {
            Rating.criteria: json.dumps(_criteria(criteria), ensure_ascii=False),
            Rating.comment: comment.strip()[:2000],
            Rating.updated_at: utcnow(),
        }
    ).where(Rating.id == rating["id"])
    updated = await of_dossier(dossier_id)
    assert updated is not None
    return updated
