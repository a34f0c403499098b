""" "Due soon" comes two working days ahead by default (issue 12, item 9): one day ahead was the
last day an apology could still go out (at least one day before the deadline, Decree 61/2018
art. 19). Dates computed by hand on a March 2027 calendar (no holiday that month)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from backend.dossiers import deadlines, queues
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from backend.lib.workdays import WorkCalendar
from backend.settings import get_settings
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at

MON, WED, THU, FRI, SAT = (date(2027, 3, d) for d in (8, 10, 11, 12, 13))
NEXT_MON, NEXT_TUE = date(2027, 3, 15), date(2027, 3, 16)


def with_days(monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    settings = dataclasses.replace(get_settings(), due_soon_working_days=days)
    monkeypatch.setattr(queues, "get_settings", lambda: settings)


def test_the_horizon_is_two_working_days_by_default() -> None:
    calendar = WorkCalendar()
    assert queues.due_soon_horizon(calendar, MON) == WED
    assert queues.due_soon_horizon(calendar, FRI) == NEXT_TUE  # over the weekend
    assert queues.due_soon_horizon(calendar, SAT) == NEXT_TUE  # Monday, then one more
    row = {"state": State.PROCESSING.value}
    assert queues.deadline_flag({**row, "appointment_date": WED}, calendar, MON) == "due-soon"
    assert queues.deadline_flag({**row, "appointment_date": THU}, calendar, MON) == ""
    assert queues.deadline_flag({**row, "appointment_date": FRI}, calendar, SAT) == "overdue"


def test_the_horizon_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    calendar = WorkCalendar()
    with_days(monkeypatch, 1)
    assert queues.due_soon_horizon(calendar, MON) == date(2027, 3, 9)
    assert queues.due_soon_horizon(calendar, SAT) == NEXT_MON
    with_days(monkeypatch, 3)
    assert queues.due_soon_horizon(calendar, MON) == THU


async def test_the_watch_warns_two_working_days_ahead(clock: Clock) -> None:
    factory = await Factory().setup()
    clock.now = at(date(2027, 3, 1), 9)
    dossier_id = await factory.create(State.SUBMITTED)
    await factory.act(factory.people["counter"], dossier_id, Action.ACCEPT)
    await Dossier.update({Dossier.appointment_date: THU}).where(Dossier.id == dossier_id)

    def alerted() -> object:
        return Dossier.select(Dossier.due_soon_alerted_on).where(Dossier.id == dossier_id).first()

    await deadlines.check(MON)  # three working days ahead: not yet
    assert await alerted() == {"due_soon_alerted_on": None}
    await deadlines.check(date(2027, 3, 9))  # Tuesday, two working days ahead: warned
    assert await alerted() == {"due_soon_alerted_on": date(2027, 3, 9)}
