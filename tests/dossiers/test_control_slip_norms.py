"""Form 06 judges each step against the approved internal procedure (issue 12, item 11): the
leader assigns a received dossier within `assign_days` and signs a drafted result within
`sign_days` working days, however far the appointment still is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from backend.catalog.tables import Procedure
from backend.dossiers.workflow import Action, State
from backend.lib.formatting import format_date
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, sign_in_as, soup

# Monday 1 March 2027 to Friday 5 March: a week without holidays.
MON, TUE, WED, THU = (date(2027, 3, d) for d in (1, 2, 3, 4))


@pytest.fixture
async def factory() -> AsyncIterator[Factory]:
    """The factory's procedure with 10 working days, 1 to assign and 1 to sign."""
    made = await Factory().setup()
    proc = made.procedures["stp"]["id"]
    before = (
        await Procedure.select(
            Procedure.processing_days, Procedure.assign_days, Procedure.sign_days
        )
        .where(Procedure.id == proc)
        .first()
    )
    await Procedure.update(
        {Procedure.processing_days: 10, Procedure.assign_days: 1, Procedure.sign_days: 1}
    ).where(Procedure.id == proc)
    yield made
    assert before is not None
    await Procedure.update(before).where(Procedure.id == proc)


def slip_row(html: str, step: str) -> list[str]:
    """The cells of form 06's row for the step whose label starts with `step`."""
    rows = soup(html).select("table.control tbody tr")
    cells = [[" ".join(td.get_text(" ").split()) for td in r.select("td")] for r in rows]
    return next(c for c in cells if c[0].startswith(step))


async def test_each_step_is_judged_by_its_own_time(
    factory: Factory, client: Client, clock: Clock
) -> None:
    counter, specialist = factory.people["counter"], factory.staff("stp", "specialist")
    leader = factory.staff("stp", "leader")
    clock.now = at(MON, 8)
    dossier_id = await factory.create(State.SUBMITTED)
    clock.now = at(MON, 9)
    await factory.act(counter, dossier_id, Action.ACCEPT)
    clock.now = at(WED, 9)  # taken two days later: the assignment was due on Tuesday
    await factory.act(specialist, dossier_id, Action.TAKE)
    clock.now = at(WED, 15)
    await factory.act(specialist, dossier_id, Action.DRAFT_RESULT)
    clock.now = at(THU, 10)  # signed the next working day: on time
    await factory.act(leader, dossier_id, Action.APPROVE)

    await sign_in_as(client, counter)
    slip = (await client.get(f"/dossiers/{dossier_id}/forms/06")).text
    received, taken = slip_row(slip, "Tiếp nhận hồ sơ"), slip_row(slip, "Nhận xử lý")
    drafted = slip_row(slip, "Trình ký")
    assert received[4] == format_date(TUE) and received[5] == "Trễ hạn"
    # The specialist's own step is due by the appointment, ten working days after Monday.
    appointment = factory.calendar.add_working_days(MON, 10)
    assert taken[4] == format_date(appointment) and taken[5] == "Đúng hạn"
    assert drafted[4] == format_date(THU) and drafted[5] == "Đúng hạn"


async def test_a_signature_two_days_late_is_late(
    factory: Factory, client: Client, clock: Clock
) -> None:
    await Procedure.update({Procedure.sign_days: 2}).where(
        Procedure.id == factory.procedures["stp"]["id"]
    )
    clock.now = at(MON, 8)
    dossier_id = await factory.create(State.SUBMITTED)
    for who, action in (
        (factory.people["counter"], Action.ACCEPT),
        (factory.staff("stp", "specialist"), Action.TAKE),
        (factory.staff("stp", "specialist"), Action.DRAFT_RESULT),
    ):
        await factory.act(who, dossier_id, action)
    clock.now = at(date(2027, 3, 4), 9)  # Thursday: two working days after Monday is Wednesday
    await factory.act(factory.staff("stp", "leader"), dossier_id, Action.APPROVE)
    await sign_in_as(client, factory.people["counter"])
    slip = (await client.get(f"/dossiers/{dossier_id}/forms/06")).text
    drafted = slip_row(slip, "Trình ký")
    assert drafted[4] == format_date(WED) and drafted[5] == "Trễ hạn"
