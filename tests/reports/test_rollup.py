"""A period cut into whole months and edge days covers each of its days exactly once."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from backend.reports.rollup import spans

DAY = timedelta(days=1)


def _days(kind: str, first: date, last: date) -> list[date]:
    found = []
    moment = first
    while moment <= last:
        assert kind == "day" or moment.day == 1 or found, "a month range starts on a 1st"
        found.append(moment)
        moment += DAY
    if kind == "month":  # a month range ends on a month's last day
        assert (last + DAY).day == 1
    return found


@given(
    first=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=0, max_value=800),
)
def test_every_day_once(first: date, length: int) -> None:
    last = first + timedelta(days=length)
    covered: list[date] = []
    for kind, lo, hi in spans(first, last):
        assert lo is not None
        covered += _days(kind, lo, hi)
    assert sorted(covered) == [first + timedelta(days=n) for n in range(length + 1)]


def test_since_the_beginning_and_whole_periods() -> None:
    assert spans(None, date(2026, 3, 14)) == [
        ("month", None, date(2026, 2, 28)),
        ("day", date(2026, 3, 1), date(2026, 3, 14)),
    ]
    assert spans(date(2026, 1, 1), date(2026, 12, 31)) == [
        ("month", date(2026, 1, 1), date(2026, 12, 31))
    ]
    assert spans(date(2026, 3, 5), date(2026, 3, 20)) == [
        ("day", date(2026, 3, 5), date(2026, 3, 20))
    ]
