"""Running one row of the workflow table on one dossier: the only place that writes a
dossier's state.

Each transition runs in one transaction (or inside the caller's, for another domain's system
rows): a conditional update of the dossier on its version, with RETURNING (of two people acting
at once exactly one wins), an append-only event in the hash chain, the files it brings, and
then the listeners of other domains (backend.dossiers.listeners: the citizen's message, a
shipment, ...). Inputs are checked before anything is written, so a refused action changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.services import load_calendar
from backend.catalog.tables import Agency
from backend.dossiers import events, listeners
from backend.dossiers.action_checks import check_inputs
from backend.dossiers.effects import Context, effect_of
from backend.dossiers.files import file_row
from backend.dossiers.inputs import ActionInput
from backend.dossiers.scope import acting_agency, may_view
from backend.dossiers.tables import Dossier, DossierFile
from backend.dossiers.workflow import (
    OWNER,
    SYSTEM,
    TRANSITIONS,
    Action,
    Input,
    State,
    Transition,
    actions_from,
    find,
)
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.lib.i18n import N_

__all__ = ["ActionInput", "Outcome", "available_actions", "perform", "perform_system"]

STALE = N_(
    "Hồ sơ vừa được người khác xử lý nên thao tác của bạn chưa được thực hiện. "
    "Trang đã được tải lại với tình trạng mới nhất."
)
NOT_FOUND = N_("Không tìm thấy hồ sơ này.")
# The kind of file each action brings.
FILE_KIND = {Action.SUPPLEMENT: "supplement", Action.APPROVE: "result"}


@dataclass
class Outcome:
    dossier_id: int
    state: State
    event: dict[str, Any]


async def load(dossier_id: int) -> dict[str, Any]:
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def needs_the_leader(dossier: dict[str, Any], transition: Transition) -> bool:
    """A second supplement request during processing: the citizen is sent back for papers a
    second time, which the rules allow only exceptionally and count as late (DOMAIN.md), so the
    agency's leader approves it by making it, with the reason stated."""
    return (
        transition.action is Action.REQUEST_SUPPLEMENT
        and transition.target is State.PROCESSING_SUPPLEMENT
        and dossier["supplement_count"] >= 1
    )


SECOND_REQUEST = N_(
    "Hồ sơ đã được yêu cầu bổ sung một lần. Yêu cầu bổ sung lần thứ hai cần lãnh đạo cơ quan "
    "phê duyệt: đề nghị lãnh đạo thực hiện và ghi rõ lý do (hồ sơ sẽ bị tính là trễ hạn)."
)


def allowed(user: CurrentUser, dossier: dict[str, Any], transition: Transition) -> bool:
    """Whether this person may run this row on this dossier (role, ownership, agency)."""
    if OWNER in transition.roles and dossier["citizen"] == user.id:
        return True
    if user.role.value not in transition.roles:
        return False
    if needs_the_leader(dossier, transition) and user.role is not Role.LEADER:
        return False
    if user.role in (Role.SPECIALIST, Role.LEADER):
        if user.agency_id != acting_agency(dossier, transition.action.value):
            return False
        # Once a specialist holds a dossier, it is theirs to move (the leader can reassign).
        busy = dossier["state"] in (State.PROCESSING, State.SUPPLEMENTED)
        if user.role is Role.SPECIALIST and busy and dossier["assignee"] not in (None, user.id):
            return False
    return True


def ever_allowed(user: CurrentUser, dossier: dict[str, Any], action: Action) -> bool:
    """Whether some row of the table lets this person's role (or them as the owner) do it."""
    owner = dossier["citizen"] == user.id
    return any(
        t.action is action and (user.role.value in t.roles or (owner and OWNER in t.roles))
        for t in TRANSITIONS
    )


def available_actions(user: CurrentUser, dossier: dict[str, Any]) -> list[Transition]:
    return [t for t in actions_from(State(dossier["state"])) if allowed(user, dossier, t)]


def _row_for(dossier: dict[str, Any], action: Action) -> Transition:
    state = State(dossier["state"])
    transition = find(state, action)
    if transition is None:
        raise Conflict(
            N_("Hồ sơ đang ở bước “{state}”, không thể thực hiện “{action}”."),
            state=state.label,
            action=action.label,
        )
    return transition


def decide(
    user: CurrentUser, dossier: dict[str, Any], action: Action, with_files: bool = False
) -> Transition:
    """Which row of the table this person may run on this dossier now, or why not: 404 when
    they may not see it, 403 when no row ever lets them do this (a manager only watches),
    409 when no row leaves this state by this action, 403 when the row is not theirs, 422 for
    files sent to an action that takes none. Pure: decided from the dossier row alone."""
    if not may_view(user, dossier):
        raise NotFound(NOT_FOUND)
    if not ever_allowed(user, dossier, action):
        raise Forbidden(
            N_("Bạn không có quyền thực hiện “{action}” với hồ sơ này."), action=action.label
        )
    transition = _row_for(dossier, action)
    if needs_the_leader(dossier, transition) and user.role is Role.SPECIALIST:
        raise Forbidden(SECOND_REQUEST)
    if not allowed(user, dossier, transition):
        raise Forbidden(
            N_("Bạn không có quyền thực hiện “{action}” với hồ sơ này."), action=action.label
        )
    takes_files = {Input.RESULT_FILE, Input.FILES} & set(transition.inputs)
    if with_files and not takes_files:
        raise FormErrors([UserError(N_("Thao tác này không nhận tệp đính kèm."), field="files")])
    return transition


async def perform(user: CurrentUser, dossier_id: int, action: Action, inp: ActionInput) -> Outcome:
    """A person runs an action: scope, role, version and inputs checked, then written."""
    dossier = await load(dossier_id)
    if not may_view(user, dossier):
        raise NotFound(NOT_FOUND)
    if inp.expected_version is not None and inp.expected_version != dossier["version"]:
        raise Conflict(STALE)
    transition = decide(user, dossier, action, with_files=bool(inp.files))
    return await _run(transition, dossier, user, inp)


async def perform_system(
    dossier_id: int, action: Action, actor: CurrentUser | None, inp: ActionInput | None = None
) -> Outcome:
    """Another domain runs a SYSTEM row (the post delivered the result...), usually inside its
    own transaction. The caller has checked who may cause it; `actor` is recorded."""
    dossier = await load(dossier_id)
    inp = inp or ActionInput()
    if inp.expected_version is not None and inp.expected_version != dossier["version"]:
        raise Conflict(STALE)
    transition = _row_for(dossier, action)
    if SYSTEM not in transition.roles:
        raise Forbidden(N_("Thao tác này do cán bộ thực hiện, không phải hệ thống."))
    return await _run(transition, dossier, actor, inp)


async def _agency_code(actor: CurrentUser | None) -> str:
    if actor is None or actor.agency_id is None:
        return ""
    row = await Agency.select(Agency.code).where(Agency.id == actor.agency_id).first()
    return row["code"] if row else ""


def _actor_role(actor: CurrentUser | None, dossier: dict[str, Any]) -> str:
    if actor is None:
        return SYSTEM
    return OWNER if dossier["citizen"] == actor.id else actor.role.value


async def _run(
    transition: Transition,
    dossier: dict[str, Any],
    actor: CurrentUser | None,
    inp: ActionInput,
) -> Outcome:
    await listeners.run_checks(dossier, transition)
    calendar = await load_calendar()
    await check_inputs(transition, dossier, inp, calendar)
    place = inp.place or await _agency_code(actor)
    async with write_transaction():
        now = utcnow()
        effect = await effect_of(Context(transition, dossier, actor, inp, now, calendar))
        await _claim(dossier, transition.target, now, effect.changes)
        if effect.after_claim is not None:
            await effect.after_claim()
        await _attach(dossier["id"], transition.action, inp, now)
        event = await events.append(
            dossier=dossier["id"],
            at=now,
            action=transition.action.value,
            state_from=transition.source.value,
            state_to=transition.target.value,
            actor=actor.id if actor else None,
            actor_role=_actor_role(actor, dossier),
            agency_code=place,
            note=inp.reason.strip() or effect.note,
            data=effect.data,
        )
        change = listeners.Change(
            transition=transition,
            before=dossier,
            after=await _reread(dossier["id"]),
            actor=actor,
            data=effect.data,
            event=event,
            now=now,
            extra=inp.extra,
        )
        await listeners.run_handlers(change)
    return Outcome(dossier_id=dossier["id"], state=transition.target, event=event)


async def _reread(dossier_id: int) -> dict[str, Any]:
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None  # claimed a moment ago in this transaction
    return row


async def _claim(
    dossier: dict[str, Any], target: State, now: datetime, changes: dict[Any, Any]
) -> None:
    """The conditional update: only if nobody moved the dossier since it was read."""
    claimed = (
        await Dossier.update(
            {
                Dossier.state: target.value,
                Dossier.status: int(target.status),
                Dossier.version: dossier["version"] + 1,
                Dossier.updated_at: now,
                **changes,
            }
        )
        .where((Dossier.id == dossier["id"]) & (Dossier.version == dossier["version"]))
        .returning(Dossier.id)
    )
    if not claimed:
        raise Conflict(STALE)


async def _attach(dossier_id: int, action: Action, inp: ActionInput, now: datetime) -> None:
    kind = FILE_KIND.get(action, "submitted")
    for stored, name in inp.files:
        await DossierFile.insert(file_row(dossier_id, stored, name, kind, at=now))
