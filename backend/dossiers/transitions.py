"""Running one row of the workflow table on one dossier.

Each transition runs in one transaction: a conditional update of the dossier (on its version,
with RETURNING: of two people acting at once exactly one wins), an append-only event in the
hash chain, and the notification rows it causes. Inputs are checked before anything is written,
so a refused action changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.audit import chain
from backend.catalog.services import load_calendar
from backend.catalog.tables import Agency, Procedure, RequiredDocument
from backend.dossiers import notify
from backend.dossiers.scope import acting_agency, may_view
from backend.dossiers.services import file_row
from backend.dossiers.tables import Dossier, DossierFile
from backend.dossiers.workflow import OWNER, TRANSITIONS, Action, Input, State, Transition, find
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.lib.files import StoredFile
from backend.lib.i18n import N_
from backend.lib.workdays import WorkCalendar, appointment_date
from backend.postal import pickups, shipments
from backend.settings import get_settings

STALE = N_(
    "Hồ sơ vừa được người khác xử lý nên thao tác của bạn chưa được thực hiện. "
    "Trang đã được tải lại với tình trạng mới nhất."
)


@dataclass
class ActionInput:
    reason: str = ""
    documents: list[int] = field(default_factory=list)
    assignee: int | None = None
    agency: str = ""
    new_date: date | None = None
    result_kind: str = ""
    receiver_name: str = ""
    receiver_id: str = ""
    files: list[tuple[StoredFile, str]] = field(default_factory=list)  # (file, original name)
    # The version the person saw; None means "whatever is current" (API clients may omit it).
    expected_version: int | None = None


@dataclass
class Outcome:
    dossier_id: int
    state: State
    event: dict[str, Any]


def _local(moment: datetime) -> date:
    return moment.astimezone(get_settings().time_zone).date()


async def load(dossier_id: int) -> dict[str, Any]:
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    return row


def allowed(user: CurrentUser, dossier: dict[str, Any], transition: Transition) -> bool:
    """Whether this person may run this row on this dossier (role, ownership, agency)."""
    if OWNER in transition.roles and dossier["citizen"] == user.id:
        return True
    if user.role.value not in transition.roles:
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
    from backend.dossiers.workflow import actions_from

    return [t for t in actions_from(State(dossier["state"])) if allowed(user, dossier, t)]


def _require(condition: bool, message: str, field_name: str, **params: Any) -> UserError | None:
    return None if condition else UserError(message, field=field_name, **params)


async def _check_inputs(
    transition: Transition, dossier: dict[str, Any], inp: ActionInput, calendar: WorkCalendar
) -> None:
    """Every missing or wrong input at once, each beside its field."""
    needs = set(transition.inputs)
    errors: list[UserError | None] = []
    if Input.REASON in needs:
        errors.append(
            _require(
                len(inp.reason.strip()) >= 5,
                N_("Vui lòng ghi rõ lý do (ít nhất 5 ký tự)."),
                "reason",
            )
        )
    if Input.DOCUMENTS in needs:
        known = {
            r["id"]
            for r in await RequiredDocument.select(RequiredDocument.id).where(
                RequiredDocument.procedure == dossier["procedure"]
            )
        }
        errors.append(
            _require(
                bool(inp.documents) and set(inp.documents) <= known,
                N_("Chọn ít nhất một giấy tờ cần bổ sung."),
                "documents",
            )
        )
    if Input.FILES in needs:
        # The citizen adds pages slot by slot (as on the draft); sending needs at least one.
        since = dossier["paused_at"] or dossier["updated_at"]
        fresh = {
            r["document"]
            for r in await DossierFile.select(DossierFile.document).where(
                (DossierFile.dossier == dossier["id"])
                & (DossierFile.kind == "supplement")
                & (DossierFile.uploaded_at >= since)
            )
        }
        asked = set(json.loads(dossier["supplement_request"] or "{}").get("documents", []))
        missing = asked - fresh
        if not fresh and not inp.files:
            errors.append(UserError(N_("Vui lòng tải lên giấy tờ bổ sung."), field="files"))
        elif missing:
            names = await RequiredDocument.select(RequiredDocument.name).where(
                RequiredDocument.id.is_in(list(missing))
            )
            errors.append(
                UserError(
                    N_("Còn thiếu giấy tờ được yêu cầu: {names}."),
                    field="files",
                    names="; ".join(r["name"] for r in names),
                )
            )
    if Input.ASSIGNEE in needs:
        ok = inp.assignee is not None and await User.exists().where(
            (User.id == inp.assignee)
            & (User.role == Role.SPECIALIST.value)
            & (User.agency == acting_agency(dossier))
            & User.active.eq(True)
        )
        errors.append(_require(ok, N_("Chọn một chuyên viên của cơ quan."), "assignee"))
    if Input.AGENCY in needs:
        target = await Agency.select(Agency.id).where(Agency.code == inp.agency).first()
        ok = target is not None and target["id"] != dossier["agency"]
        errors.append(_require(ok, N_("Chọn cơ quan phối hợp (khác cơ quan chủ trì)."), "agency"))
    if Input.RESULT_FILE in needs:
        errors.append(
            _require(
                bool(inp.files), N_("Vui lòng tải lên văn bản kết quả (PDF hoặc ảnh)."), "files"
            )
        )
    if Input.RESULT_KIND in needs:
        errors.append(
            _require(
                inp.result_kind in ("paper", "electronic"),
                N_("Chọn kết quả là bản giấy hay bản điện tử."),
                "result_kind",
            )
        )
    if Input.NEW_DATE in needs:
        current = dossier["appointment_date"]
        ok = (
            inp.new_date is not None
            and (current is None or inp.new_date > current)
            and calendar.is_working_day(inp.new_date)
        )
        errors.append(
            _require(
                ok, N_("Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn hiện tại."), "new_date"
            )
        )
    if Input.RECEIVER in needs:
        ok = bool(inp.receiver_name.strip()) and bool(inp.receiver_id.strip())
        errors.append(
            _require(
                ok,
                N_(
                    "Ghi tên người nhận và giấy tờ tùy thân đã kiểm tra (ví dụ: CCCD số cuối 1234)."
                ),
                "receiver_name",
            )
        )
    found = [e for e in errors if e is not None]
    if found:
        raise FormErrors(found)


def _finished(dossier: dict[str, Any], now: datetime) -> dict[Any, Any]:
    """On time means finished on or before the appointment date, with at most one supplement
    request (DOMAIN.md)."""
    due = dossier["appointment_date"]
    on_time = not dossier["late"] and (due is None or _local(now) <= due)
    return {Dossier.finished_at: now, Dossier.on_time: on_time, Dossier.late: not on_time}


async def _effects(
    transition: Transition,
    dossier: dict[str, Any],
    user: CurrentUser,
    inp: ActionInput,
    now: datetime,
    calendar: WorkCalendar,
) -> tuple[dict[Any, Any], dict[str, Any]]:
    """What the action changes on the dossier, and what the event records about it."""
    changes: dict[Any, Any] = {}
    data: dict[str, Any] = {}
    action = transition.action
    settings = get_settings()
    if action is Action.ACCEPT:
        proc = (
            await Procedure.select(Procedure.processing_days)
            .where(Procedure.id == dossier["procedure"])
            .first()
        )
        days = proc["processing_days"] if proc else 0
        # The appointment is fixed from the moment of acceptance (form 01).
        due = appointment_date(now, days, calendar, settings.cutoff, settings.time_zone)
        changes = {Dossier.received_at: now, Dossier.appointment_date: due}
        data = {"appointment_before": dossier["appointment_date"], "appointment_after": due}
    elif action is Action.REQUEST_SUPPLEMENT:
        count = dossier["supplement_count"] + (1 if transition.source is not State.SUBMITTED else 0)
        request = {"reason": inp.reason.strip(), "documents": inp.documents}
        changes = {
            Dossier.paused_at: now,
            Dossier.supplement_count: count,
            Dossier.supplement_request: json.dumps(request, ensure_ascii=False),
        }
        if count >= 2:
            # DOMAIN: more than one supplement request on a dossier counts it as late.
            changes[Dossier.late] = True
        data = {**request, "supplement_count": count}
    elif action is Action.SUPPLEMENT:
        changes = {Dossier.paused_at: None}
        due = dossier["appointment_date"]
        if transition.source is State.PROCESSING_SUPPLEMENT and due and dossier["paused_at"]:
            # The clock stood still while the citizen gathered papers: move the date by
            # exactly the working days waited.
            waited = calendar.working_days_between(_local(dossier["paused_at"]), _local(now))
            new_due = calendar.add_working_days(due, waited) if waited else due
            changes[Dossier.appointment_date] = new_due
            data = {"appointment_before": due, "appointment_after": new_due, "waited_days": waited}
        data["files"] = len(inp.files)
    elif action is Action.TAKE:
        changes = {Dossier.assignee: user.id}
    elif action is Action.ASSIGN:
        changes = {Dossier.assignee: inp.assignee}
        data = {"assignee": inp.assignee}
    elif action is Action.FORWARD:
        target = await Agency.select(Agency.id).where(Agency.code == inp.agency).first()
        changes = {Dossier.handling_agency: target["id"] if target else None}
        data = {"agency": inp.agency}
    elif action is Action.RETURN_FORWARD:
        changes = {Dossier.handling_agency: None}
    elif action is Action.APPROVE:
        changes = {Dossier.result_kind: inp.result_kind, **_finished(dossier, now)}
        data = {"result_kind": inp.result_kind, "files": len(inp.files)}
    elif action in (Action.STOP, Action.REFUSE):
        changes = _finished(dossier, now)
    elif action is Action.WITHDRAW:
        changes = {Dossier.finished_at: now}
    elif action is Action.HAND_OVER:
        data = {"receiver_name": inp.receiver_name.strip(), "receiver_id": inp.receiver_id.strip()}
    elif action is Action.APOLOGIZE:
        changes = {Dossier.appointment_date: inp.new_date, Dossier.late: True}
        data = {
            "appointment_before": dossier["appointment_date"],
            "appointment_after": inp.new_date,
        }
    if transition.action in (
        Action.REFUSE,
        Action.REQUEST_SUPPLEMENT,
        Action.STOP,
        Action.WITHDRAW,
    ):
        data.setdefault("reason", inp.reason.strip())
    return changes, data


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value))


async def perform(user: CurrentUser, dossier_id: int, action: Action, inp: ActionInput) -> Outcome:
    dossier = await load(dossier_id)
    if not may_view(user, dossier):
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    if inp.expected_version is not None and inp.expected_version != dossier["version"]:
        raise Conflict(STALE)
    if not ever_allowed(user, dossier, action):
        # A role that can never do this (a manager, who only watches) hears so plainly,
        # whatever step the dossier is at.
        raise Forbidden(
            N_("Bạn không có quyền thực hiện “{action}” với hồ sơ này."), action=action.label
        )
    state = State(dossier["state"])
    transition = find(state, action)
    if transition is None:
        raise Conflict(
            N_("Hồ sơ đang ở bước “{state}”, không thể thực hiện “{action}”."),
            state=state.label,
            action=action.label,
        )
    if not allowed(user, dossier, transition):
        raise Forbidden(
            N_("Bạn không có quyền thực hiện “{action}” với hồ sơ này."), action=action.label
        )
    takes_files = {Input.RESULT_FILE, Input.FILES} & set(transition.inputs)
    if inp.files and not takes_files:
        raise FormErrors([UserError(N_("Thao tác này không nhận tệp đính kèm."), field="files")])
    if action is Action.ACCEPT:
        # Sent by post (channel 3): the papers must have arrived before they are checked.
        await pickups.require_papers(dossier)
    calendar = await load_calendar()
    await _check_inputs(transition, dossier, inp, calendar)
    now = utcnow()
    changes, data = await _effects(transition, dossier, user, inp, now, calendar)
    target = transition.target
    agency_code = ""
    if user.agency_id:
        row = await Agency.select(Agency.code).where(Agency.id == user.agency_id).first()
        agency_code = row["code"] if row else ""
    async with write_transaction():
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
            .where((Dossier.id == dossier_id) & (Dossier.version == dossier["version"]))
            .returning(Dossier.id)
        )
        if not claimed:
            raise Conflict(STALE)
        kind = {Action.SUPPLEMENT: "supplement", Action.APPROVE: "result"}.get(action, "submitted")
        for stored, name in inp.files:
            await DossierFile.insert(file_row(dossier_id, stored, name, kind, at=now))
        event = await chain.append(
            dossier=dossier_id,
            at=now,
            actor=user.id,
            actor_role=OWNER if dossier["citizen"] == user.id else user.role.value,
            agency_code=agency_code,
            action=action.value,
            from_status=int(state.status),
            to_status=int(target.status),
            state_from=state.value,
            state_to=target.value,
            note=inp.reason.strip()[:2000],
            data=json.dumps(data, ensure_ascii=False, default=_json_default, sort_keys=True),
        )
        if transition.notify:
            await notify.dossier_changed(dossier, action, target, data, now)
        # A paper result for postal delivery becomes a shipment; a collected one closes it.
        await shipments.after_transition(dossier, action, data, now, user)
    return Outcome(dossier_id=dossier_id, state=target, event=event)
