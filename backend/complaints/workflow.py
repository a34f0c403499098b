"""The steps of a complaint as data: from which states, to which, by whom, with what input.

Like the dossier's table (backend.dossiers.workflow), one row decides a move; the service runs
it with a version check, so a step refused here, or lost to another handler, changes nothing.

    received ──accept──> accepted ──answer──> answered ──publish──> published
       │  └──request_info──┐   │
       │                   v   v
       │              waiting_info ──reply (the filer)──> back where it was
       └──reject (also from waiting_info)──> rejected
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.lib.i18n import N_


class State(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    WAITING_INFO = "waiting_info"
    REJECTED = "rejected"
    ANSWERED = "answered"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def tone(self) -> str:
        return STATE_TONES[self]


STATE_LABELS: dict[State, str] = {
    State.RECEIVED: N_("Chờ xem xét tiếp nhận"),
    State.ACCEPTED: N_("Đang xử lý"),
    State.WAITING_INFO: N_("Chờ người phản ánh bổ sung thông tin"),
    State.REJECTED: N_("Không tiếp nhận"),
    State.ANSWERED: N_("Đã trả lời"),
    State.PUBLISHED: N_("Đã trả lời và công khai"),
}
STATE_TONES: dict[State, str] = {
    State.RECEIVED: "info",
    State.ACCEPTED: "info",
    State.WAITING_INFO: "warn",
    State.REJECTED: "bad",
    State.ANSWERED: "good",
    State.PUBLISHED: "good",
}
OPEN_STATES = (State.RECEIVED, State.ACCEPTED, State.WAITING_INFO, State.ANSWERED)
CLOSED_STATES = (State.REJECTED, State.PUBLISHED)


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    REQUEST_INFO = "request_info"
    REPLY = "reply"  # the filer sends the information asked for
    ANSWER = "answer"
    PUBLISH = "publish"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.ACCEPT: N_("Tiếp nhận phản ánh"),
    Action.REJECT: N_("Không tiếp nhận"),
    Action.REQUEST_INFO: N_("Đề nghị bổ sung thông tin"),
    Action.REPLY: N_("Người phản ánh bổ sung thông tin"),
    Action.ANSWER: N_("Trả lời"),
    Action.PUBLISH: N_("Công khai câu trả lời"),
}
# The history also shows the filing itself.
EVENT_LABELS: dict[str, str] = {
    "file": N_("Gửi phản ánh"),
    **{a.value: label for a, label in ACTION_LABELS.items()},
}

HANDLERS = frozenset({Role.MANAGER, Role.LEADER})
FILER = "filer"  # the actor of the filer's own step


@dataclass(frozen=True)
class Step:
    action: Action
    sources: tuple[State, ...]
    target: State | None  # None: back to the state before the information was asked for
    by_filer: bool = False
    # The text the step needs ("" for none): the form field that carries it.
    text_field: str = ""


STEPS: tuple[Step, ...] = (
    Step(Action.ACCEPT, (State.RECEIVED,), State.ACCEPTED),
    Step(Action.REJECT, (State.RECEIVED, State.WAITING_INFO), State.REJECTED, text_field="reason"),
    Step(
        Action.REQUEST_INFO,
        (State.RECEIVED, State.ACCEPTED),
        State.WAITING_INFO,
        text_field="question",
    ),
    Step(Action.REPLY, (State.WAITING_INFO,), None, by_filer=True, text_field="reply"),
    Step(Action.ANSWER, (State.ACCEPTED,), State.ANSWERED, text_field="answer"),
    Step(Action.PUBLISH, (State.ANSWERED,), State.PUBLISHED),
)
STEP_OF: dict[Action, Step] = {s.action: s for s in STEPS}


def may_handle(user: CurrentUser | None, complaint: dict[str, Any]) -> bool:
    """The center's manager handles every complaint; an agency's leader those about it."""
    if user is None:
        return False
    if user.role is Role.MANAGER:
        return True
    return (
        user.role is Role.LEADER
        and user.agency_id is not None
        and complaint["agency"] == user.agency_id
    )


def staff_actions(user: CurrentUser, complaint: dict[str, Any]) -> list[Step]:
    """The steps this person may take on this complaint now (the buttons of the page)."""
    if not may_handle(user, complaint):
        return []
    state = State(complaint["state"])
    return [s for s in STEPS if not s.by_filer and state in s.sources]
