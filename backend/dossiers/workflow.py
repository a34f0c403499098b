"""The dossier's state machine, as data.

A dossier has an internal `state` (finer than the national status: forwarded to another agency,
waiting for the leader's signature, supplemented and waiting for re-check...) and the national
status code 1-10 that the state maps onto (DOMAIN.md, exchanged with the national portal).

Every allowed move is one row of TRANSITIONS: from which state, by which action, to which state,
who may do it, and which inputs it needs. Nothing else in the code decides what may happen to a
dossier; the pages and the API only offer and run rows of this table, and every change of
`Dossier.state` is written by backend.dossiers.transitions running one of these rows.

Rows whose role is SYSTEM are not offered to anybody: another domain runs them when something
happens there (the post signs a handover list, delivers, sends a parcel back; an electronic
result is put in the citizen's account) through `transitions.perform_system`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from backend.access.roles import Role
from backend.dossiers.status import Status
from backend.lib.i18n import N_


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the counter to check it
    INTAKE_SUPPLEMENT = "intake_supplement"  # the counter asked the citizen for papers
    NOT_RECEIVED = "not_received"
    RECEIVED = "received"  # accepted, in the agency's queue, nobody has taken it yet
    PROCESSING = "processing"
    FORWARDED = "forwarded"  # at another agency for its part (liên thông)
    PROCESSING_SUPPLEMENT = "processing_supplement"  # the agency asked; the clock is paused
    SUPPLEMENTED = "supplemented"  # the citizen answered; waiting for the specialist's re-check
    AWAITING_SIGNATURE = "awaiting_signature"  # result drafted, waiting for the leader
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    DONE = "done"  # result ready
    # The paper result left the center with the post (system rows run by backend.postal:
    # handed over -> WITH_POST, delivered -> RETURNED, returned to the center -> DONE).
    WITH_POST = "with_post"
    RETURNED = "returned"  # result handed over (or delivered)

    @property
    def status(self) -> Status:
        return STATE_STATUS[self]

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_STATUS: dict[State, Status] = {
    State.DRAFT: Status.DRAFT,
    State.SUBMITTED: Status.NEW,
    State.INTAKE_SUPPLEMENT: Status.SUPPLEMENT_REQUESTED,
    State.NOT_RECEIVED: Status.NOT_RECEIVED,
    State.RECEIVED: Status.RECEIVED,
    State.PROCESSING: Status.PROCESSING,
    State.FORWARDED: Status.PROCESSING,
    State.PROCESSING_SUPPLEMENT: Status.SUPPLEMENT_REQUESTED,
    State.SUPPLEMENTED: Status.PROCESSING,
    State.AWAITING_SIGNATURE: Status.PROCESSING,
    State.WITHDRAWN: Status.WITHDRAWN,
    State.STOPPED: Status.STOPPED,
    State.DONE: Status.DONE,
    State.WITH_POST: Status.DONE,
    State.RETURNED: Status.RETURNED,
}

STATE_LABELS: dict[State, str] = {
    State.DRAFT: N_("Bản nháp"),
    State.SUBMITTED: N_("Chờ tiếp nhận"),
    State.INTAKE_SUPPLEMENT: N_("Chờ công dân bổ sung (trước khi tiếp nhận)"),
    State.NOT_RECEIVED: N_("Không được tiếp nhận"),
    State.RECEIVED: N_("Đã tiếp nhận, chờ phân công"),
    State.PROCESSING: N_("Đang xử lý"),
    State.FORWARDED: N_("Đang lấy ý kiến cơ quan khác"),
    State.PROCESSING_SUPPLEMENT: N_("Chờ công dân bổ sung"),
    State.SUPPLEMENTED: N_("Công dân đã bổ sung, chờ kiểm tra"),
    State.AWAITING_SIGNATURE: N_("Chờ lãnh đạo ký duyệt"),
    State.WITHDRAWN: N_("Đã rút hồ sơ"),
    State.STOPPED: N_("Dừng xử lý"),
    State.DONE: N_("Đã có kết quả, chờ trả"),
    State.WITH_POST: N_("Bưu điện đang chuyển kết quả"),
    State.RETURNED: N_("Đã trả kết quả"),
}

# States in which the deadline runs and the dossier is still somebody's work. The clock starts
# when the counter receives the dossier (Decree 61/2018 art. 19, kept by Decree 118/2025;
# Decision 766 counts from the receipt date): a dossier still waiting at the counter
# (SUBMITTED) is never late.
OPEN_STATES = frozenset(
    {
        State.RECEIVED,
        State.PROCESSING,
        State.FORWARDED,
        State.SUPPLEMENTED,
        State.AWAITING_SIGNATURE,
    }
)
# States waiting for the citizen: the deadline is paused (DOMAIN: supplement time does not count).
WAITING_FOR_CITIZEN = frozenset({State.INTAKE_SUPPLEMENT, State.PROCESSING_SUPPLEMENT})
FINAL_STATES = frozenset({State.NOT_RECEIVED, State.WITHDRAWN, State.STOPPED, State.RETURNED})


class Action(StrEnum):
    SUBMIT = "submit"  # the citizen sends the draft online
    INTAKE = "intake"  # the counter files a dossier for a citizen at the desk (received at once)
    ACCEPT = "accept"
    REFUSE = "refuse"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    TAKE = "take"
    ASSIGN = "assign"
    RECHECK = "recheck"
    FORWARD = "forward"
    RETURN_FORWARD = "return_forward"
    DRAFT_RESULT = "draft_result"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    STOP = "stop"
    WITHDRAW = "withdraw"
    HAND_OVER = "hand_over"
    APOLOGIZE = "apologize"
    # System rows (their values are the event names the timeline has always shown).
    POST_HANDED_OVER = "postal.handed_over"
    POST_DELIVERED = "postal.delivered"
    POST_RETURNED = "postal.returned"
    RESULT_AVAILABLE = "result_available"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS: dict[Action, str] = {
    Action.SUBMIT: N_("Công dân nộp hồ sơ trực tuyến"),
    Action.INTAKE: N_("Tiếp nhận trực tiếp tại Bộ phận Một cửa"),
    Action.ACCEPT: N_("Tiếp nhận hồ sơ"),
    Action.REFUSE: N_("Từ chối tiếp nhận"),
    Action.REQUEST_SUPPLEMENT: N_("Yêu cầu bổ sung"),
    Action.SUPPLEMENT: N_("Nộp giấy tờ bổ sung"),
    Action.TAKE: N_("Nhận xử lý"),
    Action.ASSIGN: N_("Phân công"),
    Action.RECHECK: N_("Kiểm tra lại hồ sơ đã bổ sung"),
    Action.FORWARD: N_("Chuyển cơ quan phối hợp (liên thông)"),
    Action.RETURN_FORWARD: N_("Gửi ý kiến, trả lại cơ quan chủ trì"),
    Action.DRAFT_RESULT: N_("Trình ký kết quả"),
    Action.APPROVE: N_("Ký duyệt kết quả"),
    Action.SEND_BACK: N_("Trả lại chuyên viên"),
    Action.STOP: N_("Dừng giải quyết hồ sơ"),
    Action.WITHDRAW: N_("Rút hồ sơ"),
    Action.HAND_OVER: N_("Trả kết quả tại quầy"),
    Action.APOLOGIZE: N_("Xin lỗi và hẹn lại ngày trả"),
    Action.POST_HANDED_OVER: N_("Bàn giao kết quả cho bưu điện"),
    Action.POST_DELIVERED: N_("Đã giao kết quả"),
    Action.POST_RETURNED: N_("Bưu gửi chuyển hoàn về Trung tâm"),
    Action.RESULT_AVAILABLE: N_("Kết quả điện tử đã có trong tài khoản của công dân"),
}


class Input(StrEnum):
    """What a person must give for an action; checked before anything is written."""

    REASON = "reason"
    DOCUMENTS = "documents"  # which required documents are missing (supplement request)
    FILES = "files"  # the citizen's supplementary pages
    ASSIGNEE = "assignee"
    AGENCY = "agency"  # where to forward
    RESULT_FILE = "result_file"
    RESULT_KIND = "result_kind"  # paper | electronic
    NEW_DATE = "new_date"
    REPLY_BY = "reply_by"  # optional: the date the citizen is asked to answer a supplement by
    RECEIVER = "receiver"  # who collected the result and how they were identified
    # The commune whose People's Committee decides (only for procedures decided by communes;
    # action_checks passes it for the others).
    COMMUNE = "commune"


# Who acts on a dossier: "owner" is the citizen who filed it; "system" rows are run by another
# domain (never offered to a person, never run through the action pages or API).
OWNER = "owner"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    source: State
    action: Action
    target: State
    roles: tuple[str, ...]
    inputs: tuple[Input, ...] = ()
    # Whether the citizen is told (an outbox row); the notification sender arrives later.
    notify: bool = True


def _rows(
    sources: tuple[State, ...],
    action: Action,
    target: State | None,
    roles: tuple[str, ...],
    inputs: tuple[Input, ...] = (),
    notify: bool = True,
) -> list[Transition]:
    """One row per source; target None means "stays where it is" (an apology)."""
    return [Transition(s, action, target or s, roles, inputs, notify) for s in sources]


_AGENCY_WORK = (State.PROCESSING, State.SUPPLEMENTED)
BEFORE_DECISION = (
    State.SUBMITTED,
    State.INTAKE_SUPPLEMENT,
    State.RECEIVED,
    State.PROCESSING,
    State.FORWARDED,
    State.PROCESSING_SUPPLEMENT,
    State.SUPPLEMENTED,
    State.AWAITING_SIGNATURE,
)
_RUNNING = (
    State.RECEIVED,
    State.PROCESSING,
    State.FORWARDED,
    State.SUPPLEMENTED,
    State.AWAITING_SIGNATURE,
)

TRANSITIONS: tuple[Transition, ...] = tuple(
    # Filing: online by the citizen (checked by the counter next), or at the counter, where the
    # officer has seen the papers in person, so filing is receiving.
    _rows((State.DRAFT,), Action.SUBMIT, State.SUBMITTED, (OWNER,), notify=False)
    # Receiving a procedure decided by a commune transfers it to that commune's committee.
    + _rows((State.DRAFT,), Action.INTAKE, State.RECEIVED, (Role.COUNTER,), (Input.COMMUNE,))
    # The counter (Bộ phận Một cửa) checks online dossiers: forms 01, 03, 02.
    + _rows((State.SUBMITTED,), Action.ACCEPT, State.RECEIVED, (Role.COUNTER,), (Input.COMMUNE,))
    + _rows((State.SUBMITTED,), Action.REFUSE, State.NOT_RECEIVED, (Role.COUNTER,), (Input.REASON,))
    + _rows(
        (State.SUBMITTED,),
        Action.REQUEST_SUPPLEMENT,
        State.INTAKE_SUPPLEMENT,
        (Role.COUNTER,),
        (Input.REASON, Input.DOCUMENTS, Input.REPLY_BY),
    )
    + _rows(
        (State.INTAKE_SUPPLEMENT,), Action.SUPPLEMENT, State.SUBMITTED, (OWNER,), (Input.FILES,)
    )
    # The agency.
    + _rows((State.RECEIVED,), Action.TAKE, State.PROCESSING, (Role.SPECIALIST,), notify=False)
    + _rows(
        (State.RECEIVED,),
        Action.ASSIGN,
        State.PROCESSING,
        (Role.LEADER,),
        (Input.ASSIGNEE,),
        notify=False,
    )
    # A second request is the leader's alone (transitions.needs_the_leader).
    + _rows(
        _AGENCY_WORK,
        Action.REQUEST_SUPPLEMENT,
        State.PROCESSING_SUPPLEMENT,
        (Role.SPECIALIST, Role.LEADER),
        (Input.REASON, Input.DOCUMENTS, Input.REPLY_BY),
    )
    + _rows(
        (State.PROCESSING_SUPPLEMENT,),
        Action.SUPPLEMENT,
        State.SUPPLEMENTED,
        (OWNER,),
        (Input.FILES,),
    )
    + _rows(
        (State.SUPPLEMENTED,), Action.RECHECK, State.PROCESSING, (Role.SPECIALIST,), notify=False
    )
    + _rows(
        _AGENCY_WORK,
        Action.FORWARD,
        State.FORWARDED,
        (Role.SPECIALIST,),
        (Input.AGENCY, Input.REASON),
        notify=False,
    )
    + _rows(
        (State.FORWARDED,),
        Action.RETURN_FORWARD,
        State.PROCESSING,
        (Role.SPECIALIST,),
        (Input.REASON,),
        notify=False,
    )
    + _rows(
        (State.PROCESSING,),
        Action.DRAFT_RESULT,
        State.AWAITING_SIGNATURE,
        (Role.SPECIALIST,),
        notify=False,
    )
    + _rows(
        (State.AWAITING_SIGNATURE,),
        Action.APPROVE,
        State.DONE,
        (Role.LEADER,),
        (Input.RESULT_FILE, Input.RESULT_KIND),
    )
    + _rows(
        (State.AWAITING_SIGNATURE,),
        Action.SEND_BACK,
        State.PROCESSING,
        (Role.LEADER,),
        (Input.REASON,),
        notify=False,
    )
    + _rows(_RUNNING, Action.STOP, State.STOPPED, (Role.LEADER,), (Input.REASON,))
    + _rows(BEFORE_DECISION, Action.WITHDRAW, State.WITHDRAWN, (OWNER,), (Input.REASON,))
    + _rows((State.DONE,), Action.HAND_OVER, State.RETURNED, (Role.COUNTER,), (Input.RECEIVER,))
    # Late: an apology with a reason and a new date (form 04); the state does not change. The
    # letter is the deciding agency's, signed by its head: the leader's, not a specialist's.
    + _rows(_RUNNING, Action.APOLOGIZE, None, (Role.LEADER,), (Input.REASON, Input.NEW_DATE))
    # The post (backend.postal) tells its own messages; an electronic result is in the
    # citizen's hands as soon as it is signed (DOMAIN: status 10 when made available).
    + _rows((State.DONE,), Action.POST_HANDED_OVER, State.WITH_POST, (SYSTEM,), notify=False)
    + _rows((State.WITH_POST,), Action.POST_DELIVERED, State.RETURNED, (SYSTEM,), notify=False)
    + _rows((State.WITH_POST,), Action.POST_RETURNED, State.DONE, (SYSTEM,), notify=False)
    + _rows((State.DONE,), Action.RESULT_AVAILABLE, State.RETURNED, (SYSTEM,), notify=False)
)

_BY_KEY: dict[tuple[State, Action], Transition] = {(t.source, t.action): t for t in TRANSITIONS}


def find(source: State, action: Action) -> Transition | None:
    return _BY_KEY.get((source, action))


def actions_from(source: State) -> list[Transition]:
    """The rows people may be offered from this state (not filing, not system rows)."""
    return [t for t in TRANSITIONS if t.source is source and t.action in OFFERED]


# Filing goes through backend.dossiers.submission (completeness, delivery address, idempotency);
# system rows through the domain that causes them. The rest is what the action pages and the
# API offer to people.
FILING = frozenset({Action.SUBMIT, Action.INTAKE})
OFFERED: tuple[Action, ...] = tuple(
    a
    for a in Action
    if a not in FILING and any(SYSTEM not in t.roles for t in TRANSITIONS if t.action is a)
)
