"""One place for "now", so that tests and deadlines agree on it.

Every module asks `utcnow()`; the test suite moves time for all of them at once with
`travel_to(moment)` (the `clock` fixture of tests/conftest.py), instead of patching each module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

_fixed: datetime | None = None


def utcnow() -> datetime:
    return _fixed if _fixed is not None else datetime.now(UTC)


def travel_to(moment: datetime | None) -> None:
    """Make `utcnow()` answer `moment` (aware) from now on; None goes back to the real time."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("travel_to needs an aware datetime")
    _fixed = moment


def local_today() -> date:
    """Today in the center's time zone (deadlines, registers and forms are in local days)."""
    from backend.settings import get_settings  # settings reads the environment once

    return utcnow().astimezone(get_settings().time_zone).date()


def local_days_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Local days first..last in UTC: from the first day's midnight to the one after the last."""
    from backend.settings import get_settings

    tz = get_settings().time_zone
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end
