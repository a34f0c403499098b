"""Working-day arithmetic; every expected date below was worked out by hand on a calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.lib.workdays import WorkCalendar, appointment_date

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NEW_YORK = ZoneInfo("America/New_York")
CUTOFF = time(15, 0)
NATIONAL = WorkCalendar()


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VN)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Tết 2026: Mon 16 – Fri 20 Feb are off, between two weekends.
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 18), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        # Tết 2027: Thu 4 – Wed 10 Feb are off.
        (date(2027, 2, 3), True),
        (date(2027, 2, 4), False),
        (date(2027, 2, 8), False),
        (date(2027, 2, 10), False),
        (date(2027, 2, 11), True),
        # Hùng Kings 2026 falls on Sunday 26 Apr, so Monday 27 Apr is off instead.
        (date(2026, 4, 26), False),
        (date(2026, 4, 27), False),
        (date(2026, 4, 28), True),
        # 30/4 and 1/5 2026 (Thu, Fri).
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        # National Day 2026: Saturday 22 Aug is worked so that Mon 31 Aug – Wed 2 Sep are off.
        (date(2026, 8, 22), True),
        (date(2026, 8, 29), False),
        (date(2026, 8, 31), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        # A swap announced across a year boundary: Sat 2014-12-27 worked for Fri 2015-01-02.
        (date(2014, 12, 27), True),
        (date(2015, 1, 2), False),
        # An ordinary week and weekend.
        (date(2026, 3, 2), True),
        (date(2026, 3, 7), False),
        (date(2026, 3, 8), False),
    ],
)
def test_is_working_day_national_calendar(day: date, expected: bool) -> None:
    assert NATIONAL.is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Tết 2026.
        (date(2026, 2, 12), 1, date(2026, 2, 13)),
        (date(2026, 2, 13), 1, date(2026, 2, 23)),
        (date(2026, 2, 12), 2, date(2026, 2, 23)),
        (date(2026, 2, 13), 3, date(2026, 2, 25)),
        (date(2026, 2, 16), 0, date(2026, 2, 23)),
        (date(2026, 2, 16), 1, date(2026, 2, 24)),
        # Tết 2027.
        (date(2027, 2, 3), 1, date(2027, 2, 11)),
        (date(2027, 2, 2), 2, date(2027, 2, 11)),
        (date(2027, 2, 3), 3, date(2027, 2, 15)),
        (date(2027, 2, 5), 0, date(2027, 2, 11)),
        # Hùng Kings on a Sunday, then 30/4 and 1/5.
        (date(2026, 4, 24), 1, date(2026, 4, 28)),
        (date(2026, 4, 24), 3, date(2026, 5, 4)),
        # The worked Saturday counts, the National Day break does not.
        (date(2026, 8, 21), 1, date(2026, 8, 22)),
        (date(2026, 8, 22), 1, date(2026, 8, 24)),
        (date(2026, 8, 28), 1, date(2026, 9, 3)),
        # Plain weeks: 0 is the day itself, a weekend start counts from Monday.
        (date(2026, 3, 2), 0, date(2026, 3, 2)),
        (date(2026, 3, 2), 3, date(2026, 3, 5)),
        (date(2026, 3, 6), 1, date(2026, 3, 9)),
        (date(2026, 3, 7), 0, date(2026, 3, 9)),
        (date(2026, 3, 7), 1, date(2026, 3, 10)),
        (date(2026, 3, 2), 10, date(2026, 3, 16)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert NATIONAL.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 2), date(2026, 3, 3)),
        (date(2026, 3, 6), date(2026, 3, 9)),
        (date(2026, 2, 13), date(2026, 2, 23)),
        (date(2027, 2, 3), date(2027, 2, 11)),
        (date(2026, 4, 24), date(2026, 4, 28)),
        (date(2026, 8, 21), date(2026, 8, 22)),
    ],
)
def test_next_working_day_is_strictly_after(day: date, expected: date) -> None:
    assert NATIONAL.next_working_day(day) == expected


def test_add_working_days_refuses_negative_days() -> None:
    with pytest.raises(ValueError, match="negative"):
        NATIONAL.add_working_days(date(2026, 3, 2), -1)


def test_datetime_is_refused_where_a_date_is_expected() -> None:
    # Otherwise a datetime on a holiday would not match the holiday's date and count as working.
    with pytest.raises(TypeError):
        NATIONAL.is_working_day(datetime(2026, 2, 17, 9, 0))


def test_administrator_day_off() -> None:
    calendar = WorkCalendar(extra_days_off=frozenset({date(2026, 3, 4)}))
    assert NATIONAL.is_working_day(date(2026, 3, 4))
    assert not calendar.is_working_day(date(2026, 3, 4))
    assert calendar.add_working_days(date(2026, 3, 3), 1) == date(2026, 3, 5)
    assert calendar.next_working_day(date(2026, 3, 3)) == date(2026, 3, 5)
    assert calendar.working_days_between(date(2026, 3, 2), date(2026, 3, 6)) == 3


def test_administrator_working_saturday() -> None:
    calendar = WorkCalendar(extra_working_days=frozenset({date(2026, 3, 7)}))
    assert calendar.is_working_day(date(2026, 3, 7))
    assert not calendar.is_working_day(date(2026, 3, 8))
    assert calendar.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 7)
    assert calendar.add_working_days(date(2026, 3, 6), 2) == date(2026, 3, 9)
    assert calendar.working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 2


def test_administrator_working_day_overrides_a_public_holiday() -> None:
    calendar = WorkCalendar(extra_working_days=frozenset({date(2026, 4, 27)}))
    assert calendar.is_working_day(date(2026, 4, 27))
    assert calendar.add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 27)


def test_administrator_day_off_overrides_everything() -> None:
    both = frozenset({date(2026, 8, 22)})
    calendar = WorkCalendar(extra_days_off=both, extra_working_days=both)
    assert not calendar.is_working_day(date(2026, 8, 22))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # (Fri 24 Apr, Mon 4 May]: Tue 28, Wed 29 Apr and Mon 4 May.
        (date(2026, 4, 24), date(2026, 5, 4), 3),
        # (Fri 13 Feb, Mon 23 Feb]: only Monday 23.
        (date(2026, 2, 13), date(2026, 2, 23), 1),
        (date(2026, 2, 13), date(2026, 2, 20), 0),
        # (Wed 3 Feb, Mon 15 Feb 2027]: Thu 11, Fri 12, Mon 15.
        (date(2027, 2, 3), date(2027, 2, 15), 3),
        # The worked Saturday is counted, the break after it is not.
        # (Fri 21 Aug, Thu 3 Sep 2026]: Sat 22, Mon 24 – Fri 28, Thu 3 Sep.
        (date(2026, 8, 21), date(2026, 9, 3), 7),
        (date(2026, 3, 2), date(2026, 3, 6), 4),
        (date(2026, 3, 2), date(2026, 3, 3), 1),
        (date(2026, 3, 2), date(2026, 3, 2), 0),
        (date(2026, 3, 6), date(2026, 3, 2), 0),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert NATIONAL.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "days"),
    [(date(2026, 2, 13), n) for n in (0, 1, 5)]
    + [(date(2027, 2, 3), n) for n in (1, 4, 20)]
    + [(date(2026, 8, 20), n) for n in (1, 2, 3, 15)],
)
def test_working_days_between_undoes_add_working_days(start: date, days: int) -> None:
    assert NATIONAL.working_days_between(start, NATIONAL.add_working_days(start, days)) == days


@pytest.mark.parametrize(
    ("received_at", "days", "expected"),
    [
        # Monday 2 March 2026, 3 working days.
        (local(2026, 3, 2, 10, 0), 3, date(2026, 3, 5)),
        (local(2026, 3, 2, 14, 59, 59), 3, date(2026, 3, 5)),
        (local(2026, 3, 2, 15, 0), 3, date(2026, 3, 6)),
        (local(2026, 3, 2, 15, 0, 1), 3, date(2026, 3, 6)),
        (local(2026, 3, 2, 16, 0), 3, date(2026, 3, 6)),
        # Same-day procedures.
        (local(2026, 3, 2, 10, 0), 0, date(2026, 3, 2)),
        (local(2026, 3, 2, 15, 0), 0, date(2026, 3, 3)),
        # Friday after the cut-off, Saturday and Sunday all start on Monday 9 March.
        (local(2026, 3, 6, 16, 0), 1, date(2026, 3, 10)),
        (local(2026, 3, 7, 9, 0), 1, date(2026, 3, 10)),
        (local(2026, 3, 8, 9, 0), 3, date(2026, 3, 12)),
        (local(2026, 3, 7, 9, 0), 0, date(2026, 3, 9)),
        # Received on a Tết holiday morning.
        (local(2026, 2, 17, 9, 0), 1, date(2026, 2, 24)),
        # Received on the worked Saturday before National Day.
        (local(2026, 8, 22, 9, 0), 1, date(2026, 8, 24)),
        (local(2026, 8, 22, 9, 0), 0, date(2026, 8, 22)),
    ],
)
def test_appointment_date(received_at: datetime, days: int, expected: date) -> None:
    assert appointment_date(received_at, days, NATIONAL, CUTOFF) == expected


@pytest.mark.parametrize(
    ("received_at", "cutoff", "expected"),
    [
        # 18:00Z Monday is 01:00 Tuesday in Vietnam.
        (datetime(2026, 3, 2, 18, 0, tzinfo=UTC), CUTOFF, date(2026, 3, 3)),
        # With a late cut-off only the local date tells Tuesday from Monday.
        (datetime(2026, 3, 2, 18, 0, tzinfo=UTC), time(23, 0), date(2026, 3, 3)),
        # 08:30Z is 15:30 local: after the cut-off though before it in UTC.
        (datetime(2026, 3, 2, 8, 30, tzinfo=UTC), CUTOFF, date(2026, 3, 3)),
        (datetime(2026, 3, 2, 7, 59, tzinfo=UTC), CUTOFF, date(2026, 3, 2)),
        # A procedure without the cut-off (None): 15:30 Monday still counts from Monday...
        (datetime(2026, 3, 2, 8, 30, tzinfo=UTC), None, date(2026, 3, 2)),
        # ...but a day off still starts on the next working day (Saturday -> Monday).
        (datetime(2026, 3, 7, 2, 0, tzinfo=UTC), None, date(2026, 3, 9)),
        # 17:30Z Friday is 00:30 Saturday local: counting starts Monday.
        (datetime(2026, 3, 6, 17, 30, tzinfo=UTC), time(23, 0), date(2026, 3, 9)),
        # Any other offset is converted too (UTC-5 evening = next morning in Vietnam).
        (datetime(2026, 3, 2, 20, 0, tzinfo=NEW_YORK), CUTOFF, date(2026, 3, 3)),
    ],
)
def test_appointment_date_uses_vietnam_local_time(
    received_at: datetime, cutoff: time | None, expected: date
) -> None:
    assert appointment_date(received_at, 0, NATIONAL, cutoff) == expected


def test_appointment_date_honours_tz_argument() -> None:
    received = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert appointment_date(received, 0, NATIONAL, time(23, 0), tz=ZoneInfo("UTC")) == date(
        2026, 3, 2
    )


def test_appointment_date_refuses_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        appointment_date(datetime(2026, 3, 2, 10, 0), 3, NATIONAL, CUTOFF)


def test_appointment_date_uses_administrator_changes() -> None:
    calendar = WorkCalendar(
        extra_days_off=frozenset({date(2026, 3, 3)}),
        extra_working_days=frozenset({date(2026, 3, 7)}),
    )
    # Mon after cut-off -> Tue is off -> count from Wed 4; 3 days -> Thu, Fri, Sat 7.
    assert appointment_date(local(2026, 3, 2, 16, 0), 3, calendar, CUTOFF) == date(2026, 3, 7)


def test_calendar_with_no_working_day_fails_instead_of_looping() -> None:
    start = date(2026, 1, 1)
    closed = WorkCalendar(extra_days_off=frozenset(start + timedelta(n) for n in range(4000)))
    with pytest.raises(ValueError, match="no working day"):
        closed.next_working_day(start)
    with pytest.raises(ValueError, match="no working day"):
        closed.add_working_days(start, 0)
    with pytest.raises(ValueError, match="no working day"):
        appointment_date(local(2026, 1, 2, 9, 0), 1, closed, CUTOFF)


@pytest.mark.parametrize(
    ("calendar", "day"),
    [
        (NATIONAL, date.max),
        (WorkCalendar(extra_days_off=frozenset({date.max})), date(9999, 12, 30)),
    ],
)
def test_end_of_calendar_raises_value_error(calendar: WorkCalendar, day: date) -> None:
    with pytest.raises(ValueError, match="no working day"):
        calendar.next_working_day(day)


def test_working_days_between_reaches_the_last_date() -> None:
    assert NATIONAL.working_days_between(date(9999, 12, 30), date.max) == 1
