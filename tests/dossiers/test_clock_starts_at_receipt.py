"""The clock starts when the counter receives the dossier (issue 12, item 1; Decree 61/2018
art. 19): a dossier waiting at the counter past its expected date is not marked late, and a
dossier received and decided on the same day ends on time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.dossiers import deadlines
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from tests.conftest import Clock
from tests.dossiers.factory import Factory

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), VN).astimezone(UTC)


async def test_waiting_at_the_counter_is_never_late(clock: Clock) -> None:
    factory = await Factory().setup()
    clock.now = at(date(2027, 3, 1), 9)  # a Monday
    dossier_id = await factory.create(State.SUBMITTED)
    # Weeks pass before the counter looks at it; the deadline watch runs every day.
    clock.now = at(date(2027, 3, 29), 9)
    await deadlines.check(date(2027, 3, 29))
    row = await Dossier.select(Dossier.late).where(Dossier.id == dossier_id).first()
    assert row == {"late": False}
    # Received now: the appointment counts from today, and it is finished the same day.
    await factory.act(factory.people["counter"], dossier_id, Action.ACCEPT)
    for who, action in (
        ("stp.specialist", Action.TAKE),
        ("stp.specialist", Action.DRAFT_RESULT),
        ("stp.leader", Action.APPROVE),
    ):
        await factory.act(factory.people[who], dossier_id, action)
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None
    assert row["received_at"] - clock.now < timedelta(seconds=1)
    assert row["appointment_date"] >= date(2027, 3, 29)
    assert (row["late"], row["on_time"]) == (False, True)
