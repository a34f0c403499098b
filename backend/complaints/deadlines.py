"""Target dates of a complaint, in Vietnamese working days (DOMAIN.md: rejected within 2
working days of receipt, information asked within 5, answered within 15, published within 2
after answering; the time spent waiting for the filer's information does not count).

Pure functions of dates and a WorkCalendar: the service stores their results on the complaint,
the pages ask `status()` how each target stands today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.complaints.workflow import State
from backend.lib.i18n import N_
from backend.lib.workdays import VIETNAM_TZ, WorkCalendar

ACCEPT_DAYS = 2
INFO_DAYS = 5
ANSWER_DAYS = 15
PUBLISH_DAYS = 2


def local_day(moment: datetime, tz: ZoneInfo = VIETNAM_TZ) -> date:
    """The date in Vietnam: servers store UTC, and 18:00 UTC is already tomorrow there."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(tz).date()


@dataclass(frozen=True)
class Targets:
    accept_due: date
    info_due: date
    answer_due: date


def at_receipt(received_at: datetime, calendar: WorkCalendar, tz: ZoneInfo = VIETNAM_TZ) -> Targets:
    """The targets counted from the day of receipt (a day off counts as the next working day:
    nobody can read a complaint sent on Sunday before Monday)."""
    start = calendar.add_working_days(local_day(received_at, tz), 0)
    return Targets(
        accept_due=calendar.add_working_days(start, ACCEPT_DAYS),
        info_due=calendar.add_working_days(start, INFO_DAYS),
        answer_due=calendar.add_working_days(start, ANSWER_DAYS),
    )


def after_pause(
    due: date,
    paused_at: datetime,
    resumed_at: datetime,
    calendar: WorkCalendar,
    tz: ZoneInfo = VIETNAM_TZ,
) -> tuple[date, int]:
    """`due` moved by the working days spent waiting for the filer, and that number.

    Counted as for a dossier's supplement: the working days in (asked, answered], so an answer
    the next working day moves the target by one day, and one the same day by none.
    """
    waited = calendar.working_days_between(local_day(paused_at, tz), local_day(resumed_at, tz))
    return (calendar.add_working_days(due, waited) if waited else due), waited


def publish_due(answered_at: datetime, calendar: WorkCalendar, tz: ZoneInfo = VIETNAM_TZ) -> date:
    start = calendar.add_working_days(local_day(answered_at, tz), 0)
    return calendar.add_working_days(start, PUBLISH_DAYS)


# How a target stands: met (done on or before the date), late (done after it), overdue (not
# done and the date has passed), paused (the clock stands still), open (still time).
MET, LATE, OVERDUE, PAUSED, OPEN = "met", "late", "overdue", "paused", "open"


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    due: date
    status: str
    done_on: date | None = None

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE


def _target(key: str, label: str, due: date, done: datetime | None, today: date) -> Target:
    if done is not None:
        day = local_day(done)
        return Target(key, label, due, MET if day <= due else LATE, day)
    return Target(key, label, due, OVERDUE if today > due else OPEN)


def status(complaint: dict[str, Any], today: date) -> list[Target]:
    """The targets that apply to this complaint, in order, each with how it stands `today`."""
    state = State(complaint["state"])
    waiting = state is State.WAITING_INFO
    decided = complaint["decided_at"]
    accept_label = N_("Xem xét tiếp nhận")
    targets = [
        Target("accept", accept_label, complaint["accept_due"], PAUSED)
        if waiting and decided is None
        else _target("accept", accept_label, complaint["accept_due"], decided, today)
    ]
    if state is State.REJECTED:
        return targets
    asked = complaint["info_requested_at"]
    if asked is not None:
        targets.append(
            _target("info", N_("Đề nghị bổ sung thông tin"), complaint["info_due"], asked, today)
        )
    elif state in (State.RECEIVED, State.ACCEPTED) and today <= complaint["info_due"]:
        # Asking is optional: the date is shown while there is still time to ask, and is
        # never overdue.
        targets.append(
            Target("info", N_("Đề nghị bổ sung thông tin (nếu cần)"), complaint["info_due"], OPEN)
        )
    answer_label = N_("Trả lời")
    targets.append(
        Target("answer", answer_label, complaint["answer_due"], PAUSED)
        if waiting
        else _target(
            "answer", answer_label, complaint["answer_due"], complaint["answered_at"], today
        )
    )
    if complaint["publish_due"] is not None:
        targets.append(
            _target(
                "publish",
                N_("Công khai câu trả lời"),
                complaint["publish_due"],
                complaint["published_at"],
                today,
            )
        )
    return targets


def most_urgent(targets: list[Target]) -> Target | None:
    """The first required target not yet met: what the queue sorts and flags by."""
    pending = [t for t in targets if t.key != "info" and t.status in (OPEN, OVERDUE, PAUSED)]
    return pending[0] if pending else None
