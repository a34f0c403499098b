"""What the complaint pages show, fetched in few queries: the handlers' queue (a page at a
time), one complaint with its history and files, the filer's list, and the public questions
and answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from piccolo.query.functions.aggregate import Count
from piccolo.querystring import QueryString

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.catalog.tables import Agency
from backend.complaints import deadlines
from backend.complaints.tables import Complaint, ComplaintEvent, ComplaintFile, ComplaintVote
from backend.complaints.workflow import CLOSED_STATES, OPEN_STATES, Action, State
from backend.dossiers.tables import Dossier
from backend.lib.clock import utcnow
from backend.lib.pagination import PAGE_SIZE, Page, paginate
from backend.settings import get_settings

# The center's own staff: an answer one of them wrote is signed by the center.
CENTER_ROLES = frozenset({Role.MANAGER.value, Role.ADMIN.value, Role.COUNTER.value})

# The public page shows fewer answers at a time than a handler's queue: each is long.
PUBLIC_PAGE_SIZE = 20
# The queue's filters: what still needs the handler, what waits for the filer, what is done.
QUEUE_FILTERS: dict[str, tuple[State, ...]] = {
    "open": (State.RECEIVED, State.ACCEPTED, State.ANSWERED),
    "waiting": (State.WAITING_INFO,),
    "closed": CLOSED_STATES,
}


def today() -> date:
    return deadlines.local_day(utcnow(), get_settings().time_zone)


def _decorate(row: dict[str, Any], day: date) -> dict[str, Any]:
    row["state_obj"] = State(row["state"])
    row["targets"] = deadlines.status(row, day)
    row["next"] = deadlines.most_urgent(row["targets"])
    row["overdue"] = any(t.overdue for t in row["targets"])
    return row


def _most_urgent_first() -> QueryString:
    """The queue's order in SQL: the due date of the first target not yet met, as
    deadlines.most_urgent finds it for an open complaint (acceptance until decided, then
    the answer, then publishing), complaints without one last, the oldest first among equals.
    """
    decided, answered, published = (
        c._meta.get_full_name(with_alias=False)
        for c in (Complaint.decided_at, Complaint.answered_at, Complaint.published_at)
    )
    accept_due, answer_due, publish_due = (
        c._meta.get_full_name(with_alias=False)
        for c in (Complaint.accept_due, Complaint.answer_due, Complaint.publish_due)
    )
    due = (
        f"CASE WHEN {decided} IS NULL THEN {accept_due}"
        f" WHEN {answered} IS NULL THEN {answer_due}"
        f" WHEN {published} IS NULL THEN {publish_due} END"
    )
    # NULL sorts first on SQLite and last on PostgreSQL: say where it goes.
    return QueryString(f"({due}) IS NULL, {due}")


async def queue(
    user: CurrentUser, show: str, number: int, query: dict[str, str] | None = None
) -> Page[dict[str, Any]]:
    """One page of the complaints this handler may handle: the most urgent first (the
    latest filed first once they are closed)."""
    states = QUEUE_FILTERS.get(show, QUEUE_FILTERS["open"])
    where: Any = Complaint.state.is_in([s.value for s in states])
    if user.role is Role.LEADER:
        where &= Complaint.agency == (user.agency_id or 0)
    elif user.role is not Role.MANAGER:
        return Page([], 1, PAGE_SIZE, 0)
    select = Complaint.select(
        *Complaint.all_columns(exclude=[Complaint.content, Complaint.answer]),
        Complaint.agency.name.as_alias("agency_name"),
    ).where(where)
    if show == "closed":
        select = select.order_by(Complaint.received_at, Complaint.id, ascending=False)
    else:
        select = select.order_by(_most_urgent_first()).order_by(Complaint.id)
    page = await paginate(select, Complaint.count().where(where), number, PAGE_SIZE, query)
    day = today()
    for row in page.rows:
        _decorate(row, day)
    return page


async def counts(user: CurrentUser) -> dict[str, int]:
    """How many complaints the "open" and "waiting" filters hold, for the tabs."""
    query = Complaint.select(Complaint.state, Count(Complaint.id, alias="n")).where(
        Complaint.state.is_in([s.value for s in OPEN_STATES])
    )
    if user.role is Role.LEADER:
        query = query.where(Complaint.agency == (user.agency_id or 0))
    by_state = {r["state"]: r["n"] for r in await query.group_by(Complaint.state)}
    return {
        key: sum(by_state.get(s.value, 0) for s in QUEUE_FILTERS[key])
        for key in ("open", "waiting")
    }


async def detail(row: dict[str, Any]) -> dict[str, Any]:
    """One complaint with what the pages print beside it."""
    view = _decorate(dict(row), today())
    names = await User.select(User.id, User.full_name).where(
        User.id.is_in([i for i in (row["official"], row["filer"]) if i] or [0])
    )
    by_id = {r["id"]: r["full_name"] for r in names}
    view["official_full_name"] = by_id.get(row["official"], "")
    agency = (
        await Agency.select(Agency.name).where(Agency.id == row["agency"]).first()
        if row["agency"]
        else None
    )
    view["agency_name"] = agency["name"] if agency else ""
    dossier = (
        await Dossier.select(Dossier.id, Dossier.code, Dossier.procedure.name.as_alias("procedure"))
        .where(Dossier.id == row["dossier"])
        .first()
        if row["dossier"]
        else None
    )
    view["dossier_row"] = dossier
    view["files"] = (
        await ComplaintFile.select()
        .where(ComplaintFile.complaint == row["id"])
        .order_by(ComplaintFile.id)
    )
    view["events"] = (
        await ComplaintEvent.select(
            *ComplaintEvent.all_columns(), ComplaintEvent.actor.full_name.as_alias("actor_name")
        )
        .where(ComplaintEvent.complaint == row["id"])
        .order_by(ComplaintEvent.id)
    )
    vote = (
        await ComplaintVote.select(ComplaintVote.useful)
        .where(ComplaintVote.complaint == row["id"])
        .first()
    )
    view["vote"] = None if vote is None else bool(vote["useful"])
    return view


async def of_filer(user: CurrentUser) -> list[dict[str, Any]]:
    rows = (
        await Complaint.select(
            Complaint.id,
            Complaint.code,
            Complaint.kind,
            Complaint.conduct,
            Complaint.state,
            Complaint.received_at,
            Complaint.answer_due,
        )
        .where(Complaint.filer == user.id)
        .order_by(Complaint.id, ascending=False)
    )
    for r in rows:
        r["state_obj"] = State(r["state"])
    return rows


async def published(number: int, query: dict[str, str] | None = None) -> Page[dict[str, Any]]:
    """One page of published questions and answers, newest first, with their votes.

    Only the redacted texts are read: the original ones never reach the public page.
    """
    where = Complaint.state == State.PUBLISHED.value
    select = (
        Complaint.select(
            Complaint.id,
            Complaint.kind,
            Complaint.conduct,
            Complaint.received_at,
            Complaint.answered_at,
            Complaint.published_at,
            Complaint.public_question,
            Complaint.public_answer,
            Complaint.about_center,
            Complaint.agency.name.as_alias("agency_name"),
        )
        .where(where)
        .order_by(Complaint.published_at, ascending=False)
        .order_by(Complaint.id, ascending=False)
    )
    page = await paginate(select, Complaint.count().where(where), number, PUBLIC_PAGE_SIZE, query)
    votes = await ComplaintVote.select(ComplaintVote.complaint, ComplaintVote.useful).where(
        ComplaintVote.complaint.is_in([r["id"] for r in page.rows] or [0])
    )
    # Who signs the answer: the center when one of its own staff wrote it (a manager answering
    # for an agency's dossier), else the agency concerned.
    answers = await ComplaintEvent.select(
        ComplaintEvent.complaint, ComplaintEvent.actor_role
    ).where(
        ComplaintEvent.complaint.is_in([r["id"] for r in page.rows] or [0])
        & (ComplaintEvent.action == Action.ANSWER.value)
    )
    by_center = {a["complaint"] for a in answers if a["actor_role"] in CENTER_ROLES}
    for r in page.rows:
        r["answered_by_center"] = r["id"] in by_center
        mine = [v for v in votes if v["complaint"] == r["id"]]
        r["useful"] = sum(1 for v in mine if v["useful"])
        r["not_useful"] = sum(1 for v in mine if not v["useful"])
    return page


async def vote_totals() -> dict[str, int]:
    """Across every published answer: how many filers found theirs useful, and not."""
    rows = await ComplaintVote.select(ComplaintVote.useful).where(
        ComplaintVote.complaint.state == State.PUBLISHED.value
    )
    useful = sum(1 for r in rows if r["useful"])
    return {"useful": useful, "not_useful": len(rows) - useful}


async def attachment(complaint_id: int, file_id: int) -> dict[str, Any] | None:
    """One file of this complaint (None when the id belongs to another one)."""
    return (
        await ComplaintFile.select()
        .where((ComplaintFile.id == file_id) & (ComplaintFile.complaint == complaint_id))
        .first()
    )
