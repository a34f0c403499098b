"""A supplement request says by when to answer (issue 12, item 19): the officer's date, or
SUPPLEMENT_REPLY_WORKING_DAYS working days by default; shown to the citizen and on form 02."""

from __future__ import annotations

import json
from datetime import date

import pytest

from backend.dossiers.inputs import ActionInput
from backend.dossiers.tables import Dossier
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action, State
from backend.lib.errors import FormErrors
from backend.lib.formatting import format_date
from backend.settings import get_settings
from tests.conftest import Clock
from tests.dossiers.factory import REASON, Factory
from tests.dossiers.test_clock_starts_at_receipt import at
from tests.helpers import Client, sign_in_as, soup

MON = date(2027, 3, 1)  # a week without holidays


async def asked(dossier_id: int) -> dict:
    row = await Dossier.select(Dossier.supplement_request).where(Dossier.id == dossier_id).first()
    assert row is not None
    return json.loads(row["supplement_request"])


async def test_the_default_date_is_shown_to_the_citizen_and_on_form_02(
    factory: Factory, client: Client, clock: Clock
) -> None:
    clock.now = at(MON, 9)
    dossier_id = await factory.create(State.PROCESSING_SUPPLEMENT)
    expected = factory.calendar.add_working_days(MON, get_settings().supplement_reply_working_days)
    assert (await asked(dossier_id))["reply_by"] == expected.isoformat()
    await sign_in_as(client, factory.people["owner"])
    page = soup((await client.get(f"/dossiers/{dossier_id}")).text)
    box = page.select_one("#supplement").get_text(" ", strip=True)
    assert "Hạn bổ sung:" in box and format_date(expected) in box
    form_02 = soup((await client.get(f"/dossiers/{dossier_id}/forms/02")).text).get_text(" ")
    assert f"Đề nghị Ông/Bà bổ sung trước ngày {format_date(expected)}." in " ".join(
        form_02.split()
    )


async def test_the_officer_sets_a_working_day_ahead(factory: Factory, clock: Clock) -> None:
    clock.now = at(MON, 9)
    dossier_id = await factory.create(State.SUBMITTED)
    counter = factory.people["counter"]
    doc = factory.procedures["stp"]["required"][0]
    for wrong in (MON, date(2027, 3, 6), date(2027, 9, 1)):  # today, a Saturday, too far
        with pytest.raises(FormErrors) as refused:
            await perform(
                counter,
                dossier_id,
                Action.REQUEST_SUPPLEMENT,
                ActionInput(reason=REASON, documents=[doc], reply_by=wrong),
            )
        assert [e.field for e in refused.value.errors] == ["reply_by"]
    chosen = date(2027, 3, 5)
    await perform(
        counter,
        dossier_id,
        Action.REQUEST_SUPPLEMENT,
        ActionInput(reason=REASON, documents=[doc], reply_by=chosen),
    )
    assert (await asked(dossier_id))["reply_by"] == chosen.isoformat()
