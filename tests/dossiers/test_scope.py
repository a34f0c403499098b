"""Who sees and acts on which dossier, by page and by API.

Agency staff see their agency's dossiers and those forwarded to them, and nothing else: another
agency's dossier answers 404 everywhere, as if it did not exist. The center's manager sees
everything and may do nothing. A citizen sees their own dossiers only.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backend.dossiers.tables import Dossier, DossierFile
from backend.dossiers.workflow import OFFERED, Action, State, actions_from
from tests.dossiers.conftest import act, alert_text, code_of
from tests.dossiers.factory import REASON, STAFF_LOGINS, Factory, snapshot
from tests.helpers import (
    CITIZEN_PASSWORD,
    Client,
    another_client,
    api_headers,
    register,
    sign_in,
    soup,
    user_by_login,
)


@pytest.fixture(scope="module")
async def people(app: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Signed-in browsers, one per person, each from its own address."""
    keys = ("stp.specialist", "stp.leader", "sxd.specialist", "sxd.leader", "manager")
    logins = {key: STAFF_LOGINS[key] for key in keys}
    clients: dict[str, httpx.AsyncClient] = {}
    try:
        for i, (key, login) in enumerate(logins.items()):
            clients[key] = another_client(app, f"198.51.100.{120 + i}")
            await sign_in(clients[key], login)
        yield clients
    finally:
        for c in clients.values():
            await c.aclose()


async def a_file_of(dossier_id: int) -> int:
    row = await DossierFile.select(DossierFile.id).where(DossierFile.dossier == dossier_id).first()
    assert row is not None
    return int(row["id"])


def offered_actions(html: str, dossier_id: int) -> set[str]:
    """The actions the staff page offers (its action forms)."""
    pattern = re.compile(rf"^/dossiers/{dossier_id}/actions/(\w+)$")
    return {
        m.group(1)
        for form in soup(html).select("form[action]")
        if (m := pattern.match(str(form["action"])))
    }


async def queue_codes(client: httpx.AsyncClient, query: str = "") -> str:
    """Every page of the person's queue (it comes 50 dossiers at a time)."""
    pages, url = [], f"/staff/queue{query}"
    while url:
        r = await client.get(url)
        assert r.status_code == 200, r.text
        pages.append(r.text)
        after = soup(r.text).select_one(".pager a[rel=next]")
        url = f"/staff/queue{after['href']}" if after else ""
    return "\n".join(pages)


async def test_another_agencys_dossier_is_invisible_on_the_pages(
    factory: Factory, people: dict[str, httpx.AsyncClient]
) -> None:
    dossier_id = await factory.create(State.RECEIVED, agency="sxd")
    code = await code_of(dossier_id)
    file_id = await a_file_of(dossier_id)
    before = await snapshot(dossier_id)

    # The agency's own staff see it (so the 404s below are about scope, not a wrong address).
    own = people["sxd.specialist"]
    assert code in await queue_codes(own)
    page = await own.get(f"/staff/dossiers/{dossier_id}")
    assert page.status_code == 200 and code in page.text
    assert "take" in offered_actions(page.text, dossier_id)
    assert (await own.get(f"/dossiers/{dossier_id}/files/{file_id}")).status_code == 200

    for key in ("stp.specialist", "stp.leader"):
        other = people[key]
        assert code not in await queue_codes(other), key
        assert code not in await queue_codes(other, "?step=received"), key
        assert (await other.get(f"/staff/dossiers/{dossier_id}")).status_code == 404, key
        assert (await other.get(f"/dossiers/{dossier_id}")).status_code == 404, key
        assert (await other.get(f"/dossiers/{dossier_id}/files/{file_id}")).status_code == 404
        assert (await other.get(f"/dossiers/{dossier_id}/files/{file_id}/thumb")).status_code == 404
        assert (await other.get(f"/dossiers/{dossier_id}/forms/06")).status_code == 404, key
        for action, fields in (
            ("take", {}),
            ("assign", {"assignee": str(factory.people["stp.specialist"].id)}),
            ("stop", {"reason": REASON}),
        ):
            r = await act(other, dossier_id, action, **fields)
            assert r.status_code == 404, (key, action, alert_text(r.text))
    assert await snapshot(dossier_id) == before


async def test_another_agencys_dossier_is_invisible_through_the_api(
    client: Client, factory: Factory
) -> None:
    dossier_id = await factory.create(State.RECEIVED, agency="sxd")
    code = await code_of(dossier_id)
    before = await snapshot(dossier_id)
    own = await api_headers(client, "xaydung.cv")
    assert (await client.get(f"/api/v1/dossiers/{code}", headers=own)).status_code == 200
    for login in ("tuphap.cv", "tuphap.ld"):
        headers = await api_headers(client, login)
        r = await client.get(f"/api/v1/dossiers/{code}", headers=headers)
        assert r.status_code == 404, (login, r.text)
        assert "Không tìm thấy" in r.json()["detail"]
        for action in Action:
            r = await client.post(
                f"/api/v1/dossiers/{code}/actions/{action.value}", json={}, headers=headers
            )
            assert r.status_code == 404, (login, action, r.text)
    assert await snapshot(dossier_id) == before
    # The own agency's specialist takes it through the same endpoint.
    r = await client.post(f"/api/v1/dossiers/{code}/actions/take", json={}, headers=own)
    assert r.status_code == 200 and r.json()["state"] == "processing"


async def test_the_manager_sees_everything_and_may_do_nothing(
    client: Client, factory: Factory, people: dict[str, httpx.AsyncClient]
) -> None:
    manager = people["manager"]
    headers = await api_headers(client, "giamdoc")
    states = (
        State.SUBMITTED,
        State.RECEIVED,
        State.PROCESSING,
        State.FORWARDED,
        State.PROCESSING_SUPPLEMENT,
        State.AWAITING_SIGNATURE,
        State.DONE,
    )
    cases = [("stp", state) for state in states] + [("sxd", State.RECEIVED)]
    for agency, state in cases:
        dossier_id = await factory.create(state, agency=agency)
        code = await code_of(dossier_id)
        before = await snapshot(dossier_id)
        if state in (State.RECEIVED, State.PROCESSING, State.DONE):
            assert code in await queue_codes(manager), (agency, state)
        page = await manager.get(f"/staff/dossiers/{dossier_id}")
        assert page.status_code == 200, (agency, state)
        assert offered_actions(page.text, dossier_id) == set(), (agency, state)
        file_id = await a_file_of(dossier_id)
        assert (await manager.get(f"/dossiers/{dossier_id}/files/{file_id}")).status_code == 200
        detail = await client.get(f"/api/v1/dossiers/{code}", headers=headers)
        assert detail.status_code == 200 and detail.json()["state"] == state.value
        # Every action is refused as not the manager's, whatever the step: no row of the
        # table lets a manager act.
        offered = [t.action for t in actions_from(state)]
        not_offered = next(a for a in OFFERED if a not in offered)
        for action in [*offered, not_offered]:
            inp = await factory.inputs(dossier_id, action)
            body: dict[str, Any] = {
                "reason": inp.reason,
                "documents": inp.documents,
                "assignee": inp.assignee,
                "agency": inp.agency,
                "new_date": inp.new_date.isoformat() if inp.new_date else None,
                "result_kind": inp.result_kind,
                "receiver_name": inp.receiver_name,
                "receiver_id": inp.receiver_id,
                "receiver_relation": inp.receiver_relation,
            }
            r = await client.post(
                f"/api/v1/dossiers/{code}/actions/{action.value}", json=body, headers=headers
            )
            assert r.status_code == 403, (agency, state, action, r.text)
        r = await act(manager, dossier_id, "stop", reason=REASON)
        assert r.status_code == 403, (agency, state)
        assert await snapshot(dossier_id) == before, (agency, state)


async def test_a_forwarded_dossier_is_the_consulted_agencys_until_it_is_returned(
    factory: Factory, people: dict[str, httpx.AsyncClient]
) -> None:
    """sxd (the dossier's agency) asks stp for its opinion: stp's specialist sees and returns
    it, then only sxd acts again."""
    dossier_id = await factory.create(State.PROCESSING, agency="sxd")  # held by xaydung.cv
    code = await code_of(dossier_id)
    file_id = await a_file_of(dossier_id)
    host, host_leader = people["sxd.specialist"], people["sxd.leader"]
    consulted = people["stp.specialist"]

    assert (await consulted.get(f"/staff/dossiers/{dossier_id}")).status_code == 404
    r = await act(host, dossier_id, "forward", agency="stp", reason="Xin ý kiến Sở Tư pháp.")
    assert r.status_code == 303, alert_text(r.text)
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None and row["state"] == "forwarded"

    # The consulted agency sees it, with its files, and may return it.
    assert code in await queue_codes(consulted)
    page = await consulted.get(f"/staff/dossiers/{dossier_id}")
    assert page.status_code == 200
    assert "return_forward" in offered_actions(page.text, dossier_id)
    assert (await consulted.get(f"/dossiers/{dossier_id}/files/{file_id}")).status_code == 200
    # The host agency still sees it; while it is away the host can only apologise to the
    # citizen for a delay (it stays answerable for the deadline; the letter is its leader's),
    # not take it back.
    page = await host.get(f"/staff/dossiers/{dossier_id}")
    assert page.status_code == 200 and offered_actions(page.text, dossier_id) == set()
    page = await host_leader.get(f"/staff/dossiers/{dossier_id}")
    assert offered_actions(page.text, dossier_id) == {"apologize", "stop"}
    before = await snapshot(dossier_id)
    r = await act(host, dossier_id, "return_forward", reason="Tự lấy lại hồ sơ.")
    assert r.status_code == 403, alert_text(r.text)
    r = await act(host, dossier_id, "draft_result")
    assert r.status_code == 409, alert_text(r.text)
    assert await snapshot(dossier_id) == before
    # The consulted agency's leader sees it too.
    assert (await people["stp.leader"].get(f"/staff/dossiers/{dossier_id}")).status_code == 200

    r = await act(consulted, dossier_id, "return_forward", reason="Sở Tư pháp đồng ý.")
    assert r.status_code == 303, alert_text(r.text)
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None
    assert (row["state"], row["handling_agency"]) == ("processing", None)
    assert row["assignee"] == factory.people["sxd.specialist"].id

    # Returned: stp no longer sees it or acts on it; sxd goes on.
    assert code not in await queue_codes(consulted)
    assert (await consulted.get(f"/staff/dossiers/{dossier_id}")).status_code == 404
    assert (await consulted.get(f"/dossiers/{dossier_id}/files/{file_id}")).status_code == 404
    before = await snapshot(dossier_id)
    for action in ("draft_result", "forward", "return_forward"):
        r = await act(consulted, dossier_id, action, agency="sxd", reason=REASON)
        assert r.status_code == 404, (action, alert_text(r.text))
    assert await snapshot(dossier_id) == before
    page = await host.get(f"/staff/dossiers/{dossier_id}")
    assert {"draft_result", "forward", "request_supplement"} <= offered_actions(
        page.text, dossier_id
    )
    r = await act(host, dossier_id, "draft_result")
    assert r.status_code == 303, alert_text(r.text)
    page = await host_leader.get(f"/staff/dossiers/{dossier_id}")
    assert "approve" in offered_actions(page.text, dossier_id)


async def test_a_citizen_sees_only_their_own_dossiers(
    client: Client, app: Any, factory: Factory
) -> None:
    owner_phone = await register(client)
    owner = await user_by_login(owner_phone)
    mine = await factory.create(State.RECEIVED, agency="stp", owner=owner)
    code = await code_of(mine)
    file_id = await a_file_of(mine)
    assert (await client.get(f"/dossiers/{mine}")).status_code == 200
    assert (await client.get(f"/dossiers/{mine}/files/{file_id}")).status_code == 200
    assert code in (await client.get("/my/dossiers")).text

    async with another_client(app, "198.51.100.150") as stranger:
        phone = await register(stranger)
        theirs = await factory.create(State.SUBMITTED, owner=await user_by_login(phone))
        before = await snapshot(mine)
        assert (await stranger.get(f"/dossiers/{mine}")).status_code == 404
        assert (await stranger.get(f"/dossiers/{mine}/files/{file_id}")).status_code == 404
        assert (await stranger.get(f"/dossiers/{mine}/receipt")).status_code == 404
        assert (await stranger.get(f"/staff/dossiers/{mine}")).status_code in (403, 404)
        assert (await stranger.get("/staff/queue")).status_code == 403
        listed = (await stranger.get("/my/dossiers")).text
        assert code not in listed and await code_of(theirs) in listed
        r = await act(stranger, mine, "withdraw", reason=REASON)
        assert r.status_code == 404, alert_text(r.text)

        headers = await api_headers(stranger, phone, CITIZEN_PASSWORD)
        r = await stranger.get(f"/api/v1/dossiers/{code}", headers=headers)
        assert r.status_code == 404
        listed_api = (await stranger.get("/api/v1/dossiers/", headers=headers)).json()
        assert [d["code"] for d in listed_api] == [await code_of(theirs)]
        r = await stranger.post(
            f"/api/v1/dossiers/{code}/actions/withdraw", json={"reason": REASON}, headers=headers
        )
        assert r.status_code == 404
        assert await snapshot(mine) == before

    # The owner's own token reaches it.
    headers = await api_headers(client, owner_phone, CITIZEN_PASSWORD)
    r = await client.get(f"/api/v1/dossiers/{code}", headers=headers)
    assert r.status_code == 200 and r.json()["state"] == "received"
