"""The 15:00 cut-off belongs to same-day procedures, not to all (issue 12, item 6): a dossier
received at 16:00 on Monday 1 March 2027 counts from Monday for an ordinary procedure and from
Tuesday for one with the cut-off (March 2027 has no holiday)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from backend.catalog.tables import Procedure
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from tests.conftest import Clock
from tests.dossiers.factory import Factory
from tests.dossiers.test_clock_starts_at_receipt import at

MON, TUE = date(2027, 3, 1), date(2027, 3, 2)


@pytest.fixture
async def factory() -> AsyncIterator[Factory]:
    made = await Factory().setup()
    proc = made.procedures["stp"]["id"]
    before = await Procedure.select(Procedure.same_day_cutoff).where(Procedure.id == proc).first()
    yield made
    assert before is not None
    await Procedure.update({Procedure.same_day_cutoff: before["same_day_cutoff"]}).where(
        Procedure.id == proc
    )


async def received_at_four_pm(factory: Factory, clock: Clock, cutoff: bool) -> date:
    await Procedure.update({Procedure.same_day_cutoff: cutoff}).where(
        Procedure.id == factory.procedures["stp"]["id"]
    )
    clock.now = at(MON, 9)
    dossier_id = await factory.create(State.SUBMITTED)
    clock.now = at(MON, 16)
    await factory.act(factory.people["counter"], dossier_id, Action.ACCEPT)
    row = await Dossier.select(Dossier.promised_date).where(Dossier.id == dossier_id).first()
    assert row is not None
    return row["promised_date"]


async def test_the_cutoff_applies_only_where_the_procedure_has_it(
    factory: Factory, clock: Clock
) -> None:
    days = factory.procedures["stp"]["processing_days"]
    ordinary = await received_at_four_pm(factory, clock, cutoff=False)
    same_day = await received_at_four_pm(factory, clock, cutoff=True)
    assert ordinary == factory.calendar.add_working_days(MON, days)
    assert same_day == factory.calendar.add_working_days(TUE, days)
    assert same_day > ordinary


async def test_the_demo_catalog_marks_the_procedures_that_state_it() -> None:
    marked = {
        r["catalog_id"]
        for r in await Procedure.select(Procedure.catalog_id).where(
            Procedure.same_day_cutoff.eq(True)
        )
    }
    # Birth registration and copies of civil-status extracts say "sau 15 giờ" in their note;
    # a business registration does not.
    assert {"P004", "P005", "P007"} <= marked
    assert "P013" not in marked
