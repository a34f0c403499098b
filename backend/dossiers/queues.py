"""Staff queues and the staff view of a dossier.

Queues are filtered in SQL by the person's scope (the counter: the center's intake and
handover; agency staff: their agency's dossiers, including those forwarded to it; managers and
administrators: everything, read-only for managers) and sorted by appointment date, with the
dossiers due within DUE_SOON_WORKING_DAYS (2) working days and the overdue ones marked.
They come a page of 50 at a time with their total (they used to stop silently at 500).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from piccolo.columns.combination import Combinable

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.catalog import communes
from backend.catalog.services import load_calendar
from backend.catalog.tables import Agency, Procedure
from backend.dossiers import queries
from backend.dossiers.tables import Dossier, DossierFile
from backend.dossiers.transitions import available_actions
from backend.dossiers.workflow import OPEN_STATES, WAITING_FOR_CITIZEN, State
from backend.lib.clock import local_today
from backend.lib.errors import Forbidden
from backend.lib.i18n import N_
from backend.lib.pagination import Page, paginate
from backend.lib.workdays import WorkCalendar
from backend.settings import get_settings

QUEUE_COLUMNS = (
    Dossier.id,
    Dossier.code,
    Dossier.state,
    Dossier.status,
    Dossier.channel,
    Dossier.applicant_name,
    Dossier.submitted_at,
    Dossier.appointment_date,
    Dossier.late,
    Dossier.assignee,
    Dossier.delivery_method,
    Dossier.procedure.name.as_alias("procedure_name"),
    Dossier.agency.code.as_alias("agency_code"),
)

# The counter's two queues: dossiers to check, results to hand over.
INTAKE = (State.SUBMITTED, State.INTAKE_SUPPLEMENT)
HANDOVER = (State.DONE,)


today = local_today


def due_soon_horizon(calendar: WorkCalendar, on: date) -> date:
    """The last appointment date that counts as "due soon" on `on`: DUE_SOON_WORKING_DAYS
    working days ahead (2 by default). One day was too late: an apology with a new date must
    go out at least one day before the deadline (Decree 61/2018 art. 19), so the warning has
    to arrive the working day before that."""
    days = get_settings().due_soon_working_days
    if calendar.is_working_day(on):
        return calendar.add_working_days(on, days)
    return calendar.add_working_days(calendar.next_working_day(on), days - 1)


def deadline_flag(row: dict[str, Any], calendar: WorkCalendar, on: date) -> str:
    """ "overdue", "due-soon" (within `due_soon_horizon`) or "" for a running dossier."""
    due = row["appointment_date"]
    if due is None or State(row["state"]) not in OPEN_STATES:
        return ""
    if due < on:
        return "overdue"
    return "due-soon" if due <= due_soon_horizon(calendar, on) else ""


def home_for(user: CurrentUser) -> str:
    if user.role is Role.COUNTER:
        return "/staff/queue?view=intake"
    return "/staff/queue"


@dataclass(frozen=True)
class QueueFilter:
    view: str = ""  # counter: "intake" | "handover"; agency staff: "" | "mine"
    procedure_id: int | None = None
    state: str = ""


def _scope(user: CurrentUser, wanted: QueueFilter) -> Combinable:
    """The person's queue as one SQL condition (the same for the page and its count)."""
    where: Combinable = Dossier.state != State.DRAFT.value
    if user.role is Role.COUNTER:
        states = HANDOVER if wanted.view == "handover" else INTAKE
        where &= Dossier.state.is_in([s.value for s in states])
    elif user.role in (Role.SPECIALIST, Role.LEADER):
        where &= (Dossier.agency == user.agency_id) | (Dossier.handling_agency == user.agency_id)
        if wanted.view == "mine":
            where &= Dossier.assignee == user.id
    if wanted.state:
        where &= Dossier.state == wanted.state
    elif user.role is not Role.COUNTER:
        running = OPEN_STATES | WAITING_FOR_CITIZEN | {State.SUBMITTED, State.DONE}
        where &= Dossier.state.is_in([s.value for s in running])
    if wanted.procedure_id:
        where &= Dossier.procedure == wanted.procedure_id
    return where


async def queue(
    user: CurrentUser, wanted: QueueFilter, page: int = 1, query: dict[str, str] | None = None
) -> Page[dict[str, Any]]:
    """One page of the person's queue, soonest appointment first."""
    if not user.role.is_staff:
        raise Forbidden(N_("Trang này dành cho cán bộ."))
    where = _scope(user, wanted)
    select = (
        Dossier.select(*QUEUE_COLUMNS)
        .where(where)
        .order_by(Dossier.appointment_date)
        .order_by(Dossier.submitted_at)
        .order_by(Dossier.id)
    )
    found = await paginate(select, Dossier.count().where(where), page, query=query)
    calendar, on = await load_calendar(), today()
    for row in found.rows:
        row["flag"] = deadline_flag(row, calendar, on)
        row["state_obj"] = State(row["state"])
    return found


async def staff_view(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    """Everything the staff page of one dossier shows, within the person's scope."""
    view = await queries.dossier_detail(user, dossier_id)
    view["state_obj"] = State(view["state"])
    view["actions"] = available_actions(user, view)
    calendar = await load_calendar()
    view["flag"] = deadline_flag(view, calendar, today())
    # What the supplement request form proposes as the date to answer by.
    view["default_reply_by"] = calendar.add_working_days(
        today(), get_settings().supplement_reply_working_days
    )
    view["extra_files"] = (
        await DossierFile.select()
        .where(
            (DossierFile.dossier == dossier_id) & DossierFile.kind.is_in(["supplement", "result"])
        )
        .order_by(DossierFile.id)
    )
    view["agencies"] = await Agency.select(Agency.code, Agency.name).order_by(Agency.name)
    proc = view["procedure_row"]
    view["communes"] = communes.province_wards() if proc and proc["decided_by_commune"] else []
    acting = view["handling_agency"] or view["agency"]
    view["specialists"] = (
        await User.select(User.id, User.full_name)
        .where(
            (User.role == Role.SPECIALIST.value) & (User.agency == acting) & User.active.eq(True)
        )
        .order_by(User.full_name)
    )
    view["supplement"] = queries.supplement_request(view)
    offers = (
        await Procedure.select(Procedure.result_delivery)
        .where(Procedure.id == view["procedure"])
        .first()
    )
    view["offers_electronic"] = offers is not None and "electronic" in offers["result_delivery"]
    if view["assignee"]:
        who = await User.select(User.full_name).where(User.id == view["assignee"]).first()
        view["assignee_name"] = who["full_name"] if who else ""
    return view
