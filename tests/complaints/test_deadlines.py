"""Target dates in Vietnamese working days, with the real 2026 calendar.

Around the receipt day used here, Wednesday 29 April 2026, the calendar is:
    Thu 30/4 Reunification Day, Fri 1/5 Labour Day (public holidays), Sat 2/5, Sun 3/5;
    then working days Mon 4/5 (1), Tue 5/5 (2), Wed 6/5 (3), Thu 7/5 (4), Fri 8/5 (5),
    11-15/5 (6-10), 18-22/5 (11-15), 25/5 (16), 26/5 (17), 27/5 (18).
Every expected date below is read off this list by hand.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from backend.catalog.tables import CalendarDay
from backend.complaints import deadlines, handling
from backend.complaints.deadlines import LATE, MET, OPEN, OVERDUE, PAUSED
from backend.complaints.workflow import Action
from backend.lib.workdays import WorkCalendar
from tests.complaints.conftest import People, file_as, row, vn

CALENDAR = WorkCalendar()  # the national calendar only


def test_targets_from_a_receipt_before_the_april_holidays() -> None:
    targets = deadlines.at_receipt(vn(2026, 4, 29, 10), CALENDAR)
    assert targets.accept_due == date(2026, 5, 5)  # 2 working days: Mon 4/5, Tue 5/5
    assert targets.info_due == date(2026, 5, 8)  # 5: Fri 8/5
    assert targets.answer_due == date(2026, 5, 22)  # 15: Fri 22/5


@pytest.mark.parametrize(
    ("received", "accept_due", "answer_due"),
    [
        # Late in the evening in Vietnam is still 29/4 (15:30 UTC).
        (vn(2026, 4, 29, 22, 30), date(2026, 5, 5), date(2026, 5, 22)),
        # 01:00 on 29/4 in Vietnam is 18:00 on 28/4 in UTC: still the 29th.
        (vn(2026, 4, 29, 1, 0), date(2026, 5, 5), date(2026, 5, 22)),
        # Sent on the holiday: counted from Monday 4/5 (day 0), so 6/5 and 25/5.
        (vn(2026, 4, 30, 10), date(2026, 5, 6), date(2026, 5, 25)),
        # Sent on Sunday 3/5: the same.
        (vn(2026, 5, 3, 10), date(2026, 5, 6), date(2026, 5, 25)),
    ],
)
def test_receipt_day_in_vietnam_and_days_off(
    received: datetime, accept_due: date, answer_due: date
) -> None:
    targets = deadlines.at_receipt(received, CALENDAR)
    assert (targets.accept_due, targets.answer_due) == (accept_due, answer_due)


@pytest.mark.parametrize(
    ("asked", "answered", "waited", "answer_due"),
    [
        # Asked Wed 6/5, answered Mon 11/5: Thu 7, Fri 8, Mon 11 waited -> 22/5 + 3 = Wed 27/5.
        (vn(2026, 5, 6, 9), vn(2026, 5, 11, 15), 3, date(2026, 5, 27)),
        # Answered the same day: nothing waited.
        (vn(2026, 5, 6, 9), vn(2026, 5, 6, 16), 0, date(2026, 5, 22)),
        # Asked Wed 29/4, answered Mon 4/5: only Monday was a working day -> Mon 25/5.
        (vn(2026, 4, 29, 9), vn(2026, 5, 4, 9), 1, date(2026, 5, 25)),
    ],
)
def test_the_clock_stands_still_while_waiting(
    asked: datetime, answered: datetime, waited: int, answer_due: date
) -> None:
    moved, days = deadlines.after_pause(date(2026, 5, 22), asked, answered, CALENDAR)
    assert (moved, days) == (answer_due, waited)


def test_publishing_is_due_two_working_days_after_the_answer() -> None:
    # Answered Wed 29/4 -> Mon 4/5 (1), Tue 5/5 (2).
    assert deadlines.publish_due(vn(2026, 4, 29, 16), CALENDAR) == date(2026, 5, 5)


def _complaint(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "state": "received",
        "accept_due": date(2026, 5, 5),
        "info_due": date(2026, 5, 8),
        "answer_due": date(2026, 5, 22),
        "publish_due": None,
        "decided_at": None,
        "info_requested_at": None,
        "answered_at": None,
        "published_at": None,
    }
    return {**base, **over}


def test_status_marks_what_is_overdue_met_or_paused() -> None:
    fresh = deadlines.status(_complaint(), date(2026, 5, 5))
    assert [(t.key, t.status) for t in fresh] == [
        ("accept", OPEN),
        ("info", OPEN),
        ("answer", OPEN),
    ]
    late = deadlines.status(_complaint(), date(2026, 5, 6))
    assert [(t.key, t.status) for t in late] == [
        ("accept", OVERDUE),
        ("info", OPEN),
        ("answer", OPEN),
    ]
    assert late[0].overdue
    waiting = deadlines.status(
        _complaint(state="waiting_info", info_requested_at=vn(2026, 5, 4)), date(2026, 6, 30)
    )
    assert [(t.key, t.status) for t in waiting] == [
        ("accept", PAUSED),
        ("info", MET),
        ("answer", PAUSED),
    ]
    answered = deadlines.status(
        _complaint(
            state="answered",
            decided_at=vn(2026, 5, 6),
            answered_at=vn(2026, 5, 20),
            publish_due=date(2026, 5, 22),
        ),
        date(2026, 5, 25),
    )
    assert [(t.key, t.status) for t in answered] == [
        ("accept", LATE),
        ("answer", MET),
        ("publish", OVERDUE),
    ]
    urgent = deadlines.most_urgent(answered)
    assert urgent is not None and urgent.key == "publish"


async def test_filed_on_29_april_through_the_service(people: People) -> None:
    complaint = await file_as(people, now=vn(2026, 4, 29, 10))
    assert complaint["code"].startswith("PAKN-260429-")
    assert (complaint["accept_due"], complaint["info_due"], complaint["answer_due"]) == (
        date(2026, 5, 5),
        date(2026, 5, 8),
        date(2026, 5, 22),
    )


async def test_an_administrators_extra_day_off_counts(people: People) -> None:
    """The province closes Monday 4/5 as well: every target moves by one working day."""
    extra = CalendarDay(day=date(2026, 5, 4), working=False, note="Nghỉ bù theo quyết định tỉnh")
    await extra.save()
    try:
        complaint = await file_as(people, now=vn(2026, 4, 29, 10))
    finally:
        await CalendarDay.delete().where(CalendarDay.id == extra.id)
    assert (complaint["accept_due"], complaint["info_due"], complaint["answer_due"]) == (
        date(2026, 5, 6),
        date(2026, 5, 11),
        date(2026, 5, 25),
    )


async def test_waiting_for_the_filer_moves_the_answer_date(people: People) -> None:
    complaint = await file_as(people, people.citizen, now=vn(2026, 4, 29, 10))
    manager = people.manager
    await handling.take_step(
        manager, complaint["id"], Action.ACCEPT, handling.StepInput(), vn(2026, 5, 4, 9)
    )
    asked = await handling.take_step(
        manager,
        complaint["id"],
        Action.REQUEST_INFO,
        handling.StepInput(text="Xin cho biết quầy số mấy và giờ nào."),
        vn(2026, 5, 6, 9),
    )
    assert asked["state"] == "waiting_info"
    # While waiting, the page shows the answer date as standing still, never as overdue.
    targets = {t.key: t for t in deadlines.status(asked, date(2026, 6, 30))}
    assert targets["answer"].status == PAUSED
    replied = await handling.reply(
        asked, handling.StepInput(text="Quầy số 3, khoảng 9 giờ sáng."), None, vn(2026, 5, 11, 15)
    )
    assert replied["state"] == "accepted"  # back where it was
    assert replied["answer_due"] == date(2026, 5, 27)  # 22/5 + Thu 7, Fri 8, Mon 11
    assert replied["accept_due"] == date(2026, 5, 5)  # already decided: unchanged
    assert replied["paused_at"] is None


async def test_asking_before_deciding_moves_the_decision_date_too(people: People) -> None:
    complaint = await file_as(people, now=vn(2026, 4, 29, 10))
    asked = await handling.take_step(
        people.manager,
        complaint["id"],
        Action.REQUEST_INFO,
        handling.StepInput(text="Xin cho biết mã hồ sơ đã nộp."),
        vn(2026, 5, 4, 9),
    )
    replied = await handling.reply(
        asked, handling.StepInput(text="Mã hồ sơ tôi không nhớ."), None, vn(2026, 5, 6, 9)
    )
    assert replied["state"] == "received"
    # Tue 5/5 and Wed 6/5 waited: 5/5 + 2 = Thu 7/5; 22/5 + 2 = Tue 26/5.
    assert (replied["accept_due"], replied["answer_due"]) == (date(2026, 5, 7), date(2026, 5, 26))
    assert (await row(complaint["id"]))["info_requested_at"] is not None
