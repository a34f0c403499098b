"""Procedures decided by the commune People's Committee (issue 12, item 7): the provincial
center receives the dossier whatever the applicant's ward (Decree 118/2025) and transfers it at
receipt to the committee of the commune chosen by the counter; that committee's officers
process it and its name is the "Cơ quan giải quyết" on the forms."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from backend.access.roles import Role
from backend.catalog.tables import Agency, Procedure
from backend.dossiers import drafts, submission
from backend.dossiers.inputs import ActionInput
from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action, State
from backend.lib.errors import FormErrors, NotFound
from tests.dossiers.conftest import act
from tests.dossiers.factory import Factory
from tests.helpers import Client, make_user, sign_in_as, soup, text_of

HOA_LU = "14329"  # Phường Hoa Lư, tỉnh Ninh Bình
BA_DINH = "00004"  # Phường Ba Đình, Hà Nội: outside the center's province
HOA_LU_COMMITTEE = "Ủy ban nhân dân phường Hoa Lư"


@pytest.fixture
async def factory() -> AsyncIterator[Factory]:
    """The factory's Sở Tư pháp procedure, made a commune-decided one for the test."""
    made = await Factory().setup()
    proc = made.procedures["stp"]["id"]
    await Procedure.update({Procedure.decided_by_commune: True}).where(Procedure.id == proc)
    yield made
    await Procedure.update({Procedure.decided_by_commune: False}).where(Procedure.id == proc)


async def accept(factory: Factory, dossier_id: int, commune: str) -> None:
    await perform(
        factory.people["counter"], dossier_id, Action.ACCEPT, ActionInput(commune=commune)
    )


async def row_of(dossier_id: int) -> dict:
    row = (
        await Dossier.select(
            Dossier.state, Dossier.agency.code.as_alias("agency_code"), Dossier.agency.name
        )
        .where(Dossier.id == dossier_id)
        .first()
    )
    assert row is not None
    return row


async def test_receipt_needs_a_commune_of_the_province(factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    for wrong in ("", BA_DINH, "99999"):
        with pytest.raises(FormErrors) as refused:
            await accept(factory, dossier_id, wrong)
        assert [e.field for e in refused.value.errors] == ["commune"]
    assert (await row_of(dossier_id))["state"] == State.SUBMITTED.value


async def test_receipt_transfers_the_dossier_to_the_committee(factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    await accept(factory, dossier_id, HOA_LU)
    row = await row_of(dossier_id)
    assert row["state"] == State.RECEIVED.value
    assert row["agency_code"] == f"ubnd{HOA_LU}"
    assert row["agency.name"] == HOA_LU_COMMITTEE
    committee = await Agency.select(Agency.kind).where(Agency.code == f"ubnd{HOA_LU}").first()
    assert committee == {"kind": "commune"}
    event = (
        await DossierEvent.select(DossierEvent.note, DossierEvent.data)
        .where((DossierEvent.dossier == dossier_id) & (DossierEvent.action == "accept"))
        .first()
    )
    assert event is not None
    assert event["note"] == f"Chuyển hồ sơ đến {HOA_LU_COMMITTEE} giải quyết."
    assert f'"commune": "{HOA_LU}"' in event["data"]

    # The committee's officers process it; the managing department no longer sees it.
    with pytest.raises(NotFound):
        await perform(factory.staff("stp", "specialist"), dossier_id, Action.TAKE, ActionInput())
    officer = await make_user(Role.SPECIALIST, "test.hoalu.cv", f"ubnd{HOA_LU}")
    outcome = await perform(officer, dossier_id, Action.TAKE, ActionInput())
    assert outcome.state is State.PROCESSING


async def test_a_second_transfer_to_the_same_commune_reuses_its_committee(
    factory: Factory,
) -> None:
    for _ in range(2):
        await accept(factory, await factory.create(State.SUBMITTED), HOA_LU)
    assert await Agency.count().where(Agency.code == f"ubnd{HOA_LU}") == 1


async def test_other_procedures_ignore_a_commune(factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED, agency="sxd")
    await accept(factory, dossier_id, HOA_LU)
    assert (await row_of(dossier_id))["agency_code"] == "sxd"


async def test_a_walk_in_is_transferred_when_filed(factory: Factory) -> None:
    counter = factory.people["counter"]
    proc = factory.procedures["stp"]
    dossier_id = await drafts.start_walk_in(counter, proc["id"], "0911222333", "Lò Văn Pả")
    assert factory.photo is not None
    for doc in proc["required"]:
        await drafts.add_file(counter, dossier_id, doc, factory.photo, "trang.jpg")
    with pytest.raises(FormErrors):
        await submission.submit(counter, dossier_id)
    await submission.submit(counter, dossier_id, commune=HOA_LU)
    row = await row_of(dossier_id)
    assert (row["state"], row["agency_code"]) == (State.RECEIVED.value, f"ubnd{HOA_LU}")


def words(el: object) -> str:
    return " ".join(str(getattr(el, "get_text", lambda _: "")(" ")).split())


def deciding_body(html: str) -> str:
    for box in soup(html).select("dl div"):
        if words(box.select_one("dt")) == "Cơ quan giải quyết":
            return words(box.select_one("dd"))
    raise AssertionError("no 'Cơ quan giải quyết' on the page")


async def test_pages_name_the_deciding_body(factory: Factory, client: Client) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    await sign_in_as(client, factory.people["owner"])
    before = (await client.get(f"/dossiers/{dossier_id}")).text
    assert deciding_body(before).startswith("Ủy ban nhân dân cấp xã có thẩm quyền")

    # The counter's page asks where to transfer, then the transfer is made from it.
    await sign_in_as(client, factory.people["counter"])
    page = soup((await client.get(f"/staff/dossiers/{dossier_id}")).text)
    choice = page.select_one("form[action$='/actions/accept'] select[name=commune]")
    assert choice is not None and choice.select_one(f"option[value='{HOA_LU}']") is not None
    refused = await act(client, dossier_id, "accept")
    assert refused.status_code == 422
    assert "Chọn xã, phường" in " ".join(text_of(refused.text, ".error"))
    done = await act(client, dossier_id, "accept", commune=HOA_LU)
    assert done.status_code == 303, done.text

    await sign_in_as(client, factory.people["owner"])
    form_01 = (await client.get(f"/dossiers/{dossier_id}/receipt")).text
    assert deciding_body(form_01) == HOA_LU_COMMITTEE
    timeline = text_of((await client.get(f"/dossiers/{dossier_id}")).text, ".timeline li")
    assert any(f"Chuyển hồ sơ đến {HOA_LU_COMMITTEE} giải quyết." in li for li in timeline)


async def test_procedure_page_says_who_decides(factory: Factory, client: Client) -> None:
    page = (await client.get(f"/procedures/{factory.procedures['stp']['id']}")).text
    assert deciding_body(page).startswith("Ủy ban nhân dân xã, phường nơi có thẩm quyền")
    other = (await client.get(f"/procedures/{factory.procedures['sxd']['id']}")).text
    assert deciding_body(other) == "Sở Xây dựng tỉnh Ninh Bình"


async def test_the_demo_catalog_marks_commune_procedures() -> None:
    marked = {
        r["catalog_id"]
        for r in await Procedure.select(Procedure.catalog_id).where(
            Procedure.decided_by_commune.eq(True)
        )
    }
    # Birth registration and marriage with a foreign element are the commune's since 7/2025;
    # a construction permit for a large building stays with Sở Xây dựng.
    assert {"P004", "P005", "P006"} <= marked
    assert "P026" not in marked
