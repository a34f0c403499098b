"""Giving a forwarded dossier back answers success, by the page and by the API, although the
consulted agency no longer sees the dossier afterwards (issue 11, item 9)."""

from __future__ import annotations

from backend.dossiers.tables import Dossier
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action, State
from tests.dossiers.conftest import act
from tests.dossiers.factory import Factory
from tests.helpers import Client, api_headers, sign_in, soup


async def forwarded_to_sxd(factory: Factory) -> int:
    dossier_id = await factory.create(State.PROCESSING)
    inp = await factory.inputs(dossier_id, Action.FORWARD)
    inp.agency = "sxd"
    await perform(factory.people["stp.specialist"], dossier_id, Action.FORWARD, inp)
    return dossier_id


async def test_the_page_goes_back_to_the_queue_with_the_notice(client: Client) -> None:
    factory = await Factory().setup()
    dossier_id = await forwarded_to_sxd(factory)
    await sign_in(client, "xaydung.cv")
    r = await act(client, dossier_id, "return_forward", reason="Sở Xây dựng đồng ý phương án.")
    assert r.status_code == 303 and r.headers["location"] == "/staff/queue?done=return_forward"
    page = soup((await client.get(r.headers["location"])).text)
    assert (
        "Đã thực hiện: Gửi ý kiến, trả lại cơ quan chủ trì."
        in page.select_one(".alert.good").get_text()
    )
    row = await Dossier.select(Dossier.state).where(Dossier.id == dossier_id).first()
    assert row == {"state": "processing"}


async def test_the_api_answers_200_with_the_new_state(client: Client) -> None:
    factory = await Factory().setup()
    dossier_id = await forwarded_to_sxd(factory)
    code = (await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first())["code"]
    headers = await api_headers(client, "xaydung.cv")
    r = await client.post(
        f"/api/v1/dossiers/{code}/actions/return_forward",
        json={"reason": "Sở Xây dựng đồng ý phương án."},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json() | {} == {
        "code": code,
        "state": "processing",
        "status": 4,
        "status_label": "Đang xử lý",
        "visible": False,
    }
