"""Who fills in which form of a period: the slots, the checks, the list of a person's forms.

A form is (period, kind, evaluator, target): a leader fills one cross-evaluation per other
agency on behalf of their agency, the manager one center score per agency for the center, and
every official one self-assessment. `slot` spells that out as the unique key of the form's
row, so submitting again edits the same form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog import communes
from backend.catalog.tables import Agency
from backend.evaluations.aggregate import Kind
from backend.evaluations.rules import SELF_ROLES
from backend.evaluations.tables import Evaluation
from backend.lib.errors import Forbidden, NotFound, UserError
from backend.lib.i18n import N_


async def agencies() -> list[tuple[int, str]]:
    """Every agency the center supervises (id, name), in the order pages list them: the
    commune People's Committees dossiers are transferred to are evaluated by their own
    commune-level arrangements, not in the center's cross evaluation."""
    rows = (
        await Agency.select(Agency.id, Agency.name)
        .where(Agency.kind != communes.KIND)
        .order_by(Agency.name)
    )
    return [(r["id"], r["name"]) for r in rows]


def slot(period_id: int, kind: Kind, user: CurrentUser, target: int | None) -> str:
    """The key of "one evaluation per (period, kind, evaluator, target)"."""
    if kind is Kind.CROSS:
        return f"{period_id}:cross:a{user.agency_id}:a{target}"
    if kind is Kind.CENTER:
        return f"{period_id}:center:c:a{target}"
    return f"{period_id}:self:u{user.id}:u{user.id}"


def check_may_fill(
    user: CurrentUser, period: dict[str, Any], kind: Kind, target: int | None
) -> None:
    """Raises unless this person fills in this kind of form for this target in this period."""
    if kind not in period["kinds"]:
        raise NotFound(N_("Kỳ đánh giá này không có hình thức “{kind}”."), kind=kind.label)
    if kind is Kind.CROSS:
        if user.role is not Role.LEADER or user.agency_id is None:
            raise Forbidden(N_("Chỉ lãnh đạo cơ quan mới chấm điểm chéo các cơ quan khác."))
        if target == user.agency_id:
            raise Forbidden(
                N_(
                    "Cơ quan không chấm điểm chéo cho chính mình. "
                    "Phần tự đánh giá là phiếu của từng cán bộ."
                )
            )
    elif kind is Kind.CENTER:
        if user.role is not Role.MANAGER:
            raise Forbidden(N_("Chỉ lãnh đạo Trung tâm chấm điểm các cơ quan."))
    elif user.role not in SELF_ROLES:
        raise Forbidden(
            N_("Tự đánh giá dành cho chuyên viên, lãnh đạo cơ quan và cán bộ Bộ phận Một cửa.")
        )


def form_url(period_id: int, kind: Kind, target: int | None) -> str:
    if kind is Kind.SELF:
        return f"/evaluations/periods/{period_id}/self"
    return f"/evaluations/periods/{period_id}/{kind.value}/{target}"


async def _totals_so_far(
    user: CurrentUser, period_id: int
) -> dict[tuple[str, int | None], Decimal]:
    """The totals of the forms this person (or their agency, or the center) already saved in
    the period, by (kind, target); a self-assessment's target is None."""
    rows = await Evaluation.select(
        Evaluation.kind, Evaluation.target_agency, Evaluation.total
    ).where(
        (Evaluation.period == period_id)
        & (
            (
                (Evaluation.kind == Kind.CROSS.value)
                & (Evaluation.evaluator_agency == (user.agency_id or 0))
            )
            | ((Evaluation.kind == Kind.SELF.value) & (Evaluation.target_user == user.id))
            | (Evaluation.kind == Kind.CENTER.value)
        )
    )
    return {
        (r["kind"], None if r["kind"] == Kind.SELF.value else r["target_agency"]): r["total"]
        for r in rows
    }


def _targets(
    user: CurrentUser, kind: Kind, every: list[tuple[int, str]]
) -> list[tuple[int | None, str]]:
    if kind is Kind.SELF:
        return [(None, user.full_name)]
    if kind is Kind.CROSS:
        return [(a, name) for a, name in every if a != user.agency_id]
    return [(a, name) for a, name in every]


async def tasks_for(user: CurrentUser, period: dict[str, Any]) -> list[dict[str, Any]]:
    """This person's forms in this period, in the order they are shown: [{kind, forms, done}],
    each form {target, name, url, total (None: not filled in yet)}."""
    period_id = period["id"]
    done = await _totals_so_far(user, period_id)
    groups: list[dict[str, Any]] = []
    every = await agencies()
    for kind in (Kind.SELF, Kind.CROSS, Kind.CENTER):
        try:
            check_may_fill(user, period, kind, None)
        except UserError:
            continue
        items = [
            {
                "target": target,
                "name": name,
                "url": form_url(period_id, kind, target),
                "total": done.get((kind.value, target)),
            }
            for target, name in _targets(user, kind, every)
        ]
        groups.append(
            {
                "kind": kind,
                "forms": items,
                "done": sum(1 for i in items if i["total"] is not None),
            }
        )
    return groups


async def next_unfilled(
    user: CurrentUser, period: dict[str, Any], kind: Kind, after: int | None
) -> str | None:
    """The next form of the same kind this person has not filled in (after `after`, then from
    the top), to go on without returning to the list."""
    for group in await tasks_for(user, period):
        if group["kind"] is not kind:
            continue
        todo = [i for i in group["forms"] if i["total"] is None and i["target"] != after]
        names = [i["target"] for i in group["forms"]]
        position = names.index(after) if after in names else -1
        later = [i for i in todo if names.index(i["target"]) > position]
        pick = (later or todo or [None])[0]
        return pick["url"] if pick else None
    return None
