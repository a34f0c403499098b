"""What each action changes on the dossier and what its event records, one function per action.

Called by backend.dossiers.transitions inside the transition's transaction, after the inputs
were checked. An effect returns the columns to write (beside state, status, version) and the
event's data; `after_claim` runs once the conditional update has won (a submission takes its
dossier code only then, so that a lost race leaves no gap in the day's sequence).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend.access.user import CurrentUser
from backend.catalog import communes
from backend.catalog.tables import Agency, Procedure
from backend.dossiers.codes import next_code, next_register_number
from backend.dossiers.inputs import ActionInput
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, Input, State, Transition
from backend.lib.workdays import WorkCalendar, appointment_date
from backend.settings import get_settings


@dataclass
class Effect:
    changes: dict[Any, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    after_claim: Callable[[], Awaitable[None]] | None = None
    # The event's note when the person typed no reason (what the step did, in words).
    note: str = ""


@dataclass(frozen=True)
class Context:
    transition: Transition
    dossier: dict[str, Any]
    actor: CurrentUser | None
    inp: ActionInput
    now: datetime
    calendar: WorkCalendar

    def local(self, moment: datetime) -> date:
        return moment.astimezone(get_settings().time_zone).date()


async def _due_from_now(ctx: Context, procedure_id: int) -> date:
    """The appointment date if the dossier is received now (form 01)."""
    settings = get_settings()
    proc = (
        await Procedure.select(Procedure.processing_days, Procedure.same_day_cutoff)
        .where(Procedure.id == procedure_id)
        .first()
    )
    days = proc["processing_days"] if proc else 0
    cutoff = settings.cutoff if proc and proc["same_day_cutoff"] else None
    return appointment_date(ctx.now, days, ctx.calendar, cutoff, settings.time_zone)


def _finished(ctx: Context) -> dict[Any, Any]:
    """On time means finished on or before the appointment of form 01 (not a date an apology
    moved it to), with at most one supplement request (DOMAIN.md)."""
    due = ctx.dossier["promised_date"] or ctx.dossier["appointment_date"]
    on_time = not ctx.dossier["late"] and (due is None or ctx.local(ctx.now) <= due)
    return {Dossier.finished_at: ctx.now, Dossier.on_time: on_time, Dossier.late: not on_time}


async def _filed(ctx: Context) -> Effect:
    """Submitted online or filed at the counter: the dossier gets its agency, appointment date,
    channel and delivery choice now, and its code once the claim has won."""
    inp, dossier = ctx.inp, ctx.dossier
    proc = (
        await Procedure.select(Procedure.agency).where(Procedure.id == dossier["procedure"]).first()
    )
    changes: dict[Any, Any] = {
        Dossier.agency: proc["agency"] if proc else None,
        Dossier.submitted_at: ctx.now,
        Dossier.appointment_date: await _due_from_now(ctx, dossier["procedure"]),
        Dossier.channel: inp.channel or dossier["channel"],
        **inp.columns,
    }
    if ctx.transition.target is State.RECEIVED:  # filed at the counter: received at once
        changes[Dossier.received_at] = ctx.now
        changes[Dossier.promised_date] = changes[Dossier.appointment_date]

    received = ctx.transition.target is State.RECEIVED

    async def take_code() -> None:
        settings = get_settings()
        code = await next_code(settings.unit_code, ctx.local(ctx.now))
        await Dossier.update({Dossier.code: code}).where(Dossier.id == dossier["id"])
        if received:
            await _enter_in_register(ctx)

    return Effect(changes, {}, take_code)


async def _enter_in_register(ctx: Context) -> None:
    """The register's next number, once the claim has won (no gap for a lost race)."""
    number = await next_register_number(ctx.local(ctx.now).year)
    await Dossier.update({Dossier.register_number: number}).where(Dossier.id == ctx.dossier["id"])


async def _accept(ctx: Context) -> Effect:
    # The appointment is fixed from the moment of acceptance (form 01), and the clock starts
    # now: nothing before receipt counts against the agency.
    due = await _due_from_now(ctx, ctx.dossier["procedure"])

    async def enter() -> None:
        await _enter_in_register(ctx)

    return Effect(
        {
            Dossier.received_at: ctx.now,
            Dossier.appointment_date: due,
            Dossier.promised_date: due,
            Dossier.late: False,
        },
        {"appointment_before": ctx.dossier["appointment_date"], "appointment_after": due},
        enter,
    )


async def _request_supplement(ctx: Context) -> Effect:
    dossier, inp = ctx.dossier, ctx.inp
    count = dossier["supplement_count"] + (1 if ctx.transition.source is not State.SUBMITTED else 0)
    # The date the citizen is asked to answer by: the officer's, or the center's default.
    reply_by = inp.reply_by or ctx.calendar.add_working_days(
        ctx.local(ctx.now), get_settings().supplement_reply_working_days
    )
    request = {
        "reason": inp.reason.strip(),
        "documents": inp.documents,
        "reply_by": reply_by.isoformat(),
    }
    changes = {
        Dossier.paused_at: ctx.now,
        Dossier.supplement_count: count,
        Dossier.supplement_request: json.dumps(request, ensure_ascii=False),
    }
    if count >= 2:
        # DOMAIN: more than one supplement request on a dossier counts it as late.
        changes[Dossier.late] = True
    return Effect(changes, {**request, "supplement_count": count})


async def _supplement(ctx: Context) -> Effect:
    dossier = ctx.dossier
    changes: dict[Any, Any] = {Dossier.paused_at: None}
    data: dict[str, Any] = {}
    due = dossier["appointment_date"]
    if ctx.transition.source is State.PROCESSING_SUPPLEMENT and due and dossier["paused_at"]:
        # The clock stood still while the citizen gathered papers: move the date by exactly
        # the working days waited.
        waited = ctx.calendar.working_days_between(
            ctx.local(dossier["paused_at"]), ctx.local(ctx.now)
        )
        new_due = ctx.calendar.add_working_days(due, waited) if waited else due
        changes[Dossier.appointment_date] = new_due
        # The commitment moves by the same days: the pause is not the agency's time.
        promised = dossier["promised_date"]
        if promised and waited:
            changes[Dossier.promised_date] = ctx.calendar.add_working_days(promised, waited)
        data = {"appointment_before": due, "appointment_after": new_due, "waited_days": waited}
    data["files"] = len(ctx.inp.files)
    return Effect(changes, data)


async def _take(ctx: Context) -> Effect:
    return Effect({Dossier.assignee: ctx.actor.id if ctx.actor else None})


async def _assign(ctx: Context) -> Effect:
    return Effect({Dossier.assignee: ctx.inp.assignee}, {"assignee": ctx.inp.assignee})


async def _forward(ctx: Context) -> Effect:
    target = await Agency.select(Agency.id).where(Agency.code == ctx.inp.agency).first()
    return Effect(
        {Dossier.handling_agency: target["id"] if target else None}, {"agency": ctx.inp.agency}
    )


async def _return_forward(ctx: Context) -> Effect:
    return Effect({Dossier.handling_agency: None})


async def _approve(ctx: Context) -> Effect:
    kind = ctx.inp.result_kind
    return Effect(
        {Dossier.result_kind: kind, **_finished(ctx)},
        {"result_kind": kind, "files": len(ctx.inp.files)},
    )


async def _decided(ctx: Context) -> Effect:
    return Effect(_finished(ctx))


async def _withdraw(ctx: Context) -> Effect:
    return Effect({Dossier.finished_at: ctx.now})


async def _hand_over(ctx: Context) -> Effect:
    inp = ctx.inp
    data = {
        "receiver_name": inp.receiver_name.strip(),
        "receiver_id": inp.receiver_id.strip(),
        "receiver_relation": inp.receiver_relation,
    }
    if inp.receiver_relation == "authorized":
        data["receiver_authorization"] = " ".join(inp.receiver_authorization.split())
    return Effect(data=data)


async def _apologize(ctx: Context) -> Effect:
    """A new date beside the commitment (form 04); `promised_date` stays as form 01 said."""
    return Effect(
        {Dossier.appointment_date: ctx.inp.new_date, Dossier.late: True},
        {
            "appointment_before": ctx.dossier["appointment_date"],
            "appointment_after": ctx.inp.new_date,
        },
    )


async def _nothing(ctx: Context) -> Effect:
    return Effect()


EFFECTS: dict[Action, Callable[[Context], Awaitable[Effect]]] = {
    Action.SUBMIT: _filed,
    Action.INTAKE: _filed,
    Action.ACCEPT: _accept,
    Action.REFUSE: _decided,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.SUPPLEMENT: _supplement,
    Action.TAKE: _take,
    Action.ASSIGN: _assign,
    Action.RECHECK: _nothing,
    Action.FORWARD: _forward,
    Action.RETURN_FORWARD: _return_forward,
    Action.DRAFT_RESULT: _nothing,
    Action.APPROVE: _approve,
    Action.SEND_BACK: _nothing,
    Action.STOP: _decided,
    Action.WITHDRAW: _withdraw,
    Action.HAND_OVER: _hand_over,
    Action.APOLOGIZE: _apologize,
    Action.POST_HANDED_OVER: _nothing,
    Action.POST_DELIVERED: _nothing,
    Action.POST_RETURNED: _nothing,
    Action.RESULT_AVAILABLE: _nothing,
}
# The reason typed for these is kept in the event's data as well as in its note.
REASON_IN_DATA = frozenset({Action.REFUSE, Action.REQUEST_SUPPLEMENT, Action.STOP, Action.WITHDRAW})


async def _transfer_to_commune(ctx: Context, effect: Effect) -> None:
    """Receiving a dossier of a procedure decided by communes hands it to the committee of the
    chosen commune (action_checks made sure there is one when the procedure needs it): its
    officers process it, and its name is the deciding body on every form."""
    ward = communes.in_province(ctx.inp.commune)
    if ward is None or not await communes.decides(ctx.dossier["procedure"]):
        return
    committee = await communes.committee(ward)
    effect.changes[Dossier.agency] = committee["id"]
    effect.data.update({"commune": ward.code, "deciding_agency": committee["code"]})
    effect.note = f"Chuyển hồ sơ đến {committee['name']} giải quyết."


async def effect_of(ctx: Context) -> Effect:
    effect = await EFFECTS[ctx.transition.action](ctx)
    if Input.COMMUNE in ctx.transition.inputs:
        await _transfer_to_commune(ctx, effect)
    if ctx.transition.action in REASON_IN_DATA:
        effect.data.setdefault("reason", ctx.inp.reason.strip())
    # What the asking domain adds to the event (a system row's shipment step, handover list).
    effect.data.update(ctx.inp.event_data)
    return effect
