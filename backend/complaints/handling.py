"""Running a step of the table in backend.complaints.workflow.

Each step, in one transaction: a conditional update of the complaint on its id, state and
version (of two handlers acting at once, one wins and the other is told the page was stale),
an event, and the filer's notification. Every check happens before the transaction, so a
refused step writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.catalog.services import load_calendar
from backend.complaints import deadlines, notify, redaction
from backend.complaints.filing import add_files
from backend.complaints.schemas import StepInput
from backend.complaints.tables import Complaint, ComplaintEvent, ComplaintVote
from backend.complaints.workflow import (
    FILER,
    HANDLERS,
    STEP_OF,
    Action,
    State,
    Step,
    may_handle,
)
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.settings import get_settings

STALE = N_("Phản ánh vừa được người khác cập nhật. Vui lòng xem lại trang rồi thử lại.")
MAX_TEXT = 5000
MAX_PUBLIC = 10000
# The shortest text a step accepts: a reason or a question must say something.
MIN_TEXT = {"reason": 10, "question": 10, "reply": 5, "answer": 20}
TEXT_ERRORS = {
    "reason": N_("Vui lòng ghi rõ lý do không tiếp nhận (ít nhất {n} ký tự)."),
    "question": N_("Vui lòng ghi rõ thông tin cần bổ sung (ít nhất {n} ký tự)."),
    "reply": N_("Vui lòng nhập thông tin bổ sung (ít nhất {n} ký tự)."),
    "answer": N_("Vui lòng nhập nội dung trả lời (ít nhất {n} ký tự)."),
}


async def take_step(
    user: CurrentUser,
    complaint_id: int,
    action: Action,
    inp: StepInput,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A handler's step (accept, reject, request_info, answer, publish)."""
    if user.role not in HANDLERS:
        raise Forbidden(N_("Bạn không có quyền xử lý phản ánh, kiến nghị."))
    row = await Complaint.select().where(Complaint.id == complaint_id).first()
    if row is None or not may_handle(user, row):
        raise NotFound(N_("Không tìm thấy phản ánh này."))
    step = STEP_OF[action]
    if step.by_filer:
        raise Forbidden(N_("Chỉ người gửi phản ánh mới bổ sung được thông tin."))
    return await _run(step, row, inp, now or utcnow(), actor=user)


async def reply(
    complaint: dict[str, Any],
    inp: StepInput,
    actor: CurrentUser | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The filer sends the information asked for (the caller checked it is the filer)."""
    return await _run(STEP_OF[Action.REPLY], complaint, inp, now or utcnow(), actor=actor)


def check_awaiting_reply(complaint: dict[str, Any]) -> None:
    """Before the filer's files are stored: the complaint must still wait for them."""
    if complaint["state"] != State.WAITING_INFO.value:
        raise UserError(N_("Phản ánh này không còn chờ bạn bổ sung thông tin."))


def preview(complaint: dict[str, Any], official_full_name: str = "") -> tuple[str, str]:
    """The question and the answer as they would be published."""
    names = _names(complaint, official_full_name)
    return (
        redaction.redact(complaint["content"], names, _public()),
        redaction.redact(complaint["answer"], names, _public()),
    )


def _public() -> tuple[str, ...]:
    """The center's own contacts stay readable in what is published (an answer says "call the
    hotline ..."): only people's data is hidden."""
    settings = get_settings()
    return tuple(c for c in (settings.center_phone, settings.center_email) if c)


def _names(complaint: dict[str, Any], official_full_name: str) -> list[str]:
    return [complaint["filer_name"], complaint["official_name"], official_full_name]


def _text(step: Step, inp: StepInput) -> str:
    text = (inp.text or "").strip()
    if not step.text_field:
        return ""
    n = MIN_TEXT[step.text_field]
    if len(text) < n:
        raise FormErrors([UserError(TEXT_ERRORS[step.text_field], field=step.text_field, n=n)])
    if len(text) > MAX_TEXT:
        raise FormErrors(
            [
                UserError(
                    N_("Nội dung quá dài (tối đa {limit} ký tự)."),
                    field=step.text_field,
                    limit=MAX_TEXT,
                )
            ]
        )
    return text


async def _official_full_name(complaint: dict[str, Any]) -> str:
    if complaint["official"] is None:
        return ""
    row = await User.select(User.full_name).where(User.id == complaint["official"]).first()
    return row["full_name"] if row else ""


async def _run(
    step: Step, row: dict[str, Any], inp: StepInput, now: datetime, actor: CurrentUser | None
) -> dict[str, Any]:
    state = State(row["state"])
    if inp.expected_version is not None and inp.expected_version != row["version"]:
        raise Conflict(STALE)
    if state not in step.sources:
        raise Conflict(
            N_("Phản ánh đang ở bước “{state}”, không thể “{action}”."),
            state=state.label,
            action=step.action.label,
        )
    text = _text(step, inp)
    changes = await _changes(step, row, inp, text, now)
    target = State(changes[Complaint.state])
    async with write_transaction():
        moved = (
            await Complaint.update({**changes, Complaint.version: row["version"] + 1})
            .where(
                (Complaint.id == row["id"])
                & (Complaint.version == row["version"])
                & (Complaint.state == state.value)
            )
            .returning(Complaint.id)
        )
        if not moved:
            raise Conflict(STALE)
        if step.action is Action.REPLY and inp.files:
            await add_files(row["id"], inp.files, "info", now)
        await ComplaintEvent.insert(
            ComplaintEvent(
                complaint=row["id"],
                at=now,
                actor=actor.id if actor else None,
                actor_role=FILER if step.by_filer else (actor.role.value if actor else ""),
                action=step.action.value,
                state_from=state.value,
                state_to=target.value,
                note=text,
            )
        )
        after = await Complaint.select().where(Complaint.id == row["id"]).first()
        assert after is not None
        await notify.complaint_moved(after, step.action, text, now)
    return after


async def _changes(
    step: Step, row: dict[str, Any], inp: StepInput, text: str, now: datetime
) -> dict[Any, Any]:
    """What the step writes on the complaint."""
    action = step.action
    target = step.target.value if step.target else row["resume_state"] or State.RECEIVED.value
    changes: dict[Any, Any] = {Complaint.state: target}
    zone = get_settings().time_zone
    if action is Action.ACCEPT:
        changes[Complaint.decided_at] = now
    elif action is Action.REJECT:
        changes |= {Complaint.decided_at: now, Complaint.reject_reason: text}
        changes |= {Complaint.paused_at: None, Complaint.resume_state: ""}
    elif action is Action.REQUEST_INFO:
        changes |= {
            Complaint.paused_at: now,
            Complaint.resume_state: row["state"],
            Complaint.info_request: text,
            Complaint.info_reply: "",
        }
        if row["info_requested_at"] is None:
            changes[Complaint.info_requested_at] = now
    elif action is Action.REPLY:
        # The clock stood still while the filer gathered the information: move the targets
        # still ahead by exactly the working days waited.
        calendar = await load_calendar()
        paused = row["paused_at"] or now
        answer_due, _ = deadlines.after_pause(row["answer_due"], paused, now, calendar, zone)
        changes |= {
            Complaint.paused_at: None,
            Complaint.resume_state: "",
            Complaint.info_reply: text,
            Complaint.answer_due: answer_due,
        }
        if row["decided_at"] is None:
            accept_due, _ = deadlines.after_pause(row["accept_due"], paused, now, calendar, zone)
            changes[Complaint.accept_due] = accept_due
    elif action is Action.ANSWER:
        calendar = await load_calendar()
        changes |= {
            Complaint.answer: text,
            Complaint.answered_at: now,
            Complaint.publish_due: deadlines.publish_due(now, calendar, zone),
        }
    elif action is Action.PUBLISH:
        changes |= await _public_texts(row, inp)
        changes[Complaint.published_at] = now
    return changes


async def _public_texts(row: dict[str, Any], inp: StepInput) -> dict[Any, Any]:
    """The texts to publish: the handler may shorten or reword the suggested ones, and they
    are redacted again, so a name typed back in is still hidden."""
    names = _names(row, await _official_full_name(row))
    suggested_question, suggested_answer = preview(row, names[2])
    question = (inp.public_question or "").strip() or suggested_question
    answer = (inp.public_answer or "").strip() or suggested_answer
    if len(question) > MAX_PUBLIC or len(answer) > MAX_PUBLIC:
        raise FormErrors(
            [
                UserError(
                    N_("Nội dung quá dài (tối đa {limit} ký tự)."),
                    field="public_answer",
                    limit=MAX_PUBLIC,
                )
            ]
        )
    return {
        Complaint.public_question: redaction.redact(question, names, _public()),
        Complaint.public_answer: redaction.redact(answer, names, _public()),
    }


async def vote(complaint: dict[str, Any], useful: bool, now: datetime | None = None) -> None:
    """The filer's opinion of the published answer: one per complaint, changeable."""
    if complaint["state"] != State.PUBLISHED.value:
        raise Conflict(N_("Chỉ đánh giá được câu trả lời đã công khai."))
    now = now or utcnow()
    async with write_transaction():
        current = (
            await ComplaintVote.select().where(ComplaintVote.complaint == complaint["id"]).first()
        )
        if current is None:
            try:
                await ComplaintVote.insert(
                    ComplaintVote(complaint=complaint["id"], useful=useful, voted_at=now)
                )
                return
            except Exception as exc:  # a second tap racing the first on PostgreSQL
                if not is_unique_violation(exc):
                    raise
                raise Conflict(STALE) from exc
        if current["useful"] != useful:
            await ComplaintVote.update(
                {
                    ComplaintVote.useful: useful,
                    ComplaintVote.voted_at: now,
                    ComplaintVote.changes: current["changes"] + 1,
                }
            ).where(ComplaintVote.id == current["id"])


async def vote_of(complaint_id: int) -> bool | None:
    row = (
        await ComplaintVote.select(ComplaintVote.useful)
        .where(ComplaintVote.complaint == complaint_id)
        .first()
    )
    return None if row is None else bool(row["useful"])
