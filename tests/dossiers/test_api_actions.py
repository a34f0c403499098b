"""The action API: POST /api/v1/dossiers/{code}/actions/{action} with a bearer token.

The same rules as the pages (backend.dossiers.transitions.perform), answered in JSON: 200 with
the dossier, 422 with a Vietnamese `detail` and `errors` by field, 409 when the state does not
allow the action or the dossier moved, 403 when the person may not, 404 outside their scope.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from backend.access.user import CurrentUser
from backend.dossiers.tables import Dossier, DossierEvent, DossierFile
from backend.dossiers.uploads import file_store
from backend.dossiers.workflow import OFFERED, TRANSITIONS, Action, State
from tests.dossiers.conftest import code_of, photo
from tests.dossiers.factory import REASON, Factory, snapshot
from tests.helpers import CITIZEN_PASSWORD, PDF, Client, api_headers, register, user_by_login


def url(code: str, action: str) -> str:
    return f"/api/v1/dossiers/{code}/actions/{action}"


async def test_counter_accepts_with_a_bearer_token(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "motcua1")
    before = await snapshot(dossier_id)
    r = await client.post(url(code, "accept"), json={}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["code"], body["state"], body["status"]) == (code, "received", 2)
    assert body["version"] == before.dossier["version"] + 1
    assert body["appointment_date"]
    assert [e["action"] for e in body["events"]][:2] == ["accept", "submit"]
    # Without a body at all (and with the code in lower case) it is the same request.
    again = await factory.create(State.SUBMITTED)
    r = await client.post(url((await code_of(again)).lower(), "accept"), headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "received"


async def test_refuse_without_reason_is_422_in_vietnamese_and_changes_nothing(
    client: Client, factory: Factory
) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "motcua1")
    before = await snapshot(dossier_id)
    for body in ({}, {"reason": "   "}, {"reason": "ok"}):
        r = await client.post(url(code, "refuse"), json=body, headers=headers)
        assert r.status_code == 422, r.text
        problem = r.json()
        assert "lý do" in problem["detail"].lower()
        assert set(problem["errors"]) == {"reason"}
        assert "Vui lòng ghi rõ lý do" in problem["errors"]["reason"]
    assert await snapshot(dossier_id) == before
    r = await client.post(url(code, "refuse"), json={"reason": REASON}, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["status"]) == ("not_received", 3)


async def test_several_missing_inputs_are_reported_together(
    client: Client, factory: Factory
) -> None:
    dossier_id = await factory.create(State.RECEIVED)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "tuphap.ld")
    before = await snapshot(dossier_id)
    r = await client.post(url(code, "apologize"), json={"new_date": "not-a-date"}, headers=headers)
    assert r.status_code == 422, r.text
    assert set(r.json()["errors"]) == {"reason", "new_date"}
    assert "ngày làm việc" in r.json()["errors"]["new_date"]
    assert await snapshot(dossier_id) == before


async def test_action_the_state_does_not_allow_is_409(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    code = await code_of(dossier_id)
    before = await snapshot(dossier_id)
    counter = await api_headers(client, "motcua1")
    r = await client.post(url(code, "hand_over"), json={}, headers=counter)
    assert r.status_code == 409, r.text
    assert "không thể" in r.json()["detail"]
    leader = await api_headers(client, "tuphap.ld")
    r = await client.post(url(code, "approve"), json={"result_kind": "paper"}, headers=leader)
    assert r.status_code == 409, r.text
    assert await snapshot(dossier_id) == before


async def test_stale_expected_version_is_409(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    code = await code_of(dossier_id)
    version = (await snapshot(dossier_id)).dossier["version"]
    headers = await api_headers(client, "motcua1")
    r = await client.post(
        url(code, "accept"), json={"expected_version": version - 1}, headers=headers
    )
    assert r.status_code == 409, r.text
    assert "vừa được người khác xử lý" in r.json()["detail"]
    r = await client.post(url(code, "accept"), json={"expected_version": version}, headers=headers)
    assert r.status_code == 200, r.text


async def test_wrong_role_is_403(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    code = await code_of(dossier_id)
    before = await snapshot(dossier_id)
    for login in ("tuphap.cv", "tuphap.ld", "giamdoc"):
        headers = await api_headers(client, login)
        r = await client.post(url(code, "accept"), json={}, headers=headers)
        assert r.status_code == 403, (login, r.text)
        assert "không có quyền" in r.json()["detail"]
    admin = await api_headers(client, "admin", "quantri123")
    r = await client.post(url(code, "accept"), json={}, headers=admin)
    assert r.status_code == 403, r.text
    assert await snapshot(dossier_id) == before


async def test_unknown_action_and_no_token(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "motcua1")
    r = await client.post(url(code, "delete"), json={}, headers=headers)
    assert r.status_code == 404
    r = await client.post(url("000.00.00.H00-000101-9999", "accept"), json={}, headers=headers)
    assert r.status_code == 404
    r = await client.post(url(code, "accept"), json={})
    assert r.status_code == 401
    r = await client.post(url(code, "accept"), json={}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert (await snapshot(dossier_id)).dossier["state"] == "submitted"


async def test_leader_approves_with_a_pdf_result_as_multipart(
    client: Client, factory: Factory
) -> None:
    dossier_id = await factory.create(State.AWAITING_SIGNATURE)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "tuphap.ld")
    before = await snapshot(dossier_id)
    # Multipart without the file (an empty file part, as a browser sends for an empty input).
    missing = await client.post(
        url(code, "approve"),
        data={"result_kind": "electronic"},
        files={"unused": ("", b"", "application/octet-stream")},
        headers=headers,
    )
    assert missing.status_code == 422, missing.text
    assert "files" in missing.json()["errors"]
    assert await snapshot(dossier_id) == before

    r = await client.post(
        url(code, "approve"),
        data={"result_kind": "electronic", "expected_version": str(before.dossier["version"])},
        files={"result": ("ket-qua.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    # An electronic result is in the citizen's account at once: returned (status 10).
    assert (r.json()["state"], r.json()["status"]) == ("returned", 10)
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None and row["result_kind"] == "electronic" and row["on_time"] is True
    results = await DossierFile.select().where(
        (DossierFile.dossier == dossier_id) & (DossierFile.kind == "result")
    )
    assert len(results) == 1
    assert results[0]["content_type"] == "application/pdf"
    # Stored as qpdf rewrote it (backend.lib.pdfs), under the hash of what was stored.
    stored = file_store().path_for(results[0]["sha256"], "pdf").read_bytes()
    assert results[0]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert results[0]["original_name"] == "ket-qua.pdf"


async def test_a_result_that_is_not_a_document_is_refused(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.AWAITING_SIGNATURE)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "tuphap.ld")
    before = await snapshot(dossier_id)
    r = await client.post(
        url(code, "approve"),
        data={"result_kind": "electronic"},
        files={"result": ("ket-qua.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    assert "files" in r.json()["errors"]
    assert await snapshot(dossier_id) == before


async def test_staff_detail_shows_the_events(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.PROCESSING)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "tuphap.cv")
    r = await client.get(f"/api/v1/dossiers/{code}", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["code"], body["state"], body["status"]) == (code, "processing", 4)
    events = body["events"]
    assert [e["action"] for e in events] == ["take", "accept", "submit"]
    assert [e["actor_role"] for e in events] == ["specialist", "counter", "owner"]
    assert [(e["from_status"], e["to_status"]) for e in events] == [(2, 4), (1, 2), (0, 1)]
    assert all(e["at"] for e in events)
    assert body["documents"] and all(d["files"] for d in body["documents"] if d["required"])


async def test_citizen_withdraws_through_the_api(client: Client, factory: Factory) -> None:
    """The same endpoint serves the citizen's actions on their own dossier."""
    phone = await register(client)
    owner: CurrentUser = await user_by_login(phone)
    headers = await api_headers(client, phone, CITIZEN_PASSWORD)

    dossier_id = await factory.create(State.SUBMITTED, owner=owner)
    code = await code_of(dossier_id)
    r = await client.post(url(code, "withdraw"), json={}, headers=headers)
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = await client.post(url(code, "accept"), json={}, headers=headers)
    assert r.status_code == 403, r.text
    r = await client.post(url(code, "withdraw"), json={"reason": REASON}, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["status"]) == ("withdrawn", 7)


async def test_citizen_sends_supplementary_pages_with_the_api_action(
    client: Client, factory: Factory
) -> None:
    """Asked for a paper, the citizen sends the page of that document with the action, as the
    page's form does (field `doc-<required document id>`): a native app has no other way to
    add a page to a submitted dossier."""
    phone = await register(client)
    owner: CurrentUser = await user_by_login(phone)
    headers = await api_headers(client, phone, CITIZEN_PASSWORD)
    dossier_id = await factory.create(State.PROCESSING, owner=owner)
    code = await code_of(dossier_id)
    specialist = factory.people["stp.specialist"]
    await factory.act(specialist, dossier_id, Action.REQUEST_SUPPLEMENT)
    doc = factory.procedures["stp"]["required"][0]  # the document the specialist asked for
    r = await client.post(
        url(code, "supplement"),
        data={},
        files={f"doc-{doc}": ("bo-sung.jpg", photo(600, 800), "image/jpeg")},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "supplemented"
    pages = await DossierFile.select().where(
        (DossierFile.dossier == dossier_id) & (DossierFile.kind == "supplement")
    )
    assert [p["document"] for p in pages] == [doc]


async def test_a_file_sent_with_an_action_that_takes_none_is_not_stored(
    client: Client, factory: Factory
) -> None:
    """Only the leader's result (approve) is a file input of the staff actions."""
    dossier_id = await factory.create(State.SUBMITTED)
    code = await code_of(dossier_id)
    headers = await api_headers(client, "motcua1")
    files_before = await DossierFile.count().where(DossierFile.dossier == dossier_id)
    r = await client.post(
        url(code, "accept"),
        data={},
        files={"result": ("ket-qua.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert r.status_code in (200, 422), r.text
    assert await DossierFile.count().where(DossierFile.dossier == dossier_id) == files_before


async def test_openapi_lists_the_action_route_and_every_action(client: Client) -> None:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    paths = schema["paths"]
    route = paths.get("/api/v1/dossiers/{code}/actions/{action}")
    assert route is not None, sorted(paths)
    post: dict[str, Any] = route["post"]
    description = post["description"]
    for action in OFFERED:
        assert f"`{action.value}`" in description, action
    for code in ("403", "409", "422"):
        assert code in description
    names = {p["name"] for p in post.get("parameters", [])}
    assert {"code", "action"} <= names
    # The page endpoint for the same actions is not part of the public API.
    assert not any(p.startswith("/dossiers/") for p in paths)


def test_openapi_description_names_every_role_of_every_action() -> None:
    """An action run by several roles in different states (request_supplement: the counter at
    intake, the specialist while processing) lists them all."""
    from backend.dossiers.api import ACTIONS_DOC

    entries = dict(re.findall(r"`(\w+)` \(([^;]*);", ACTIONS_DOC))
    assert set(entries) == {a.value for a in OFFERED}
    for action in OFFERED:
        roles = {r for t in TRANSITIONS if t.action is action for r in t.roles}
        assert set(entries[action.value].split("/")) == roles, action


async def test_the_counter_hands_a_result_only_to_whom_the_rules_allow(
    client: Client, factory: Factory
) -> None:
    """Issue 12, item 5 at the counter (as for the post): the applicant, a legal representative
    or a person authorised in writing (its number and date recorded), identity checked."""
    dossier_id = await factory.create(State.DONE)
    code = await code_of(dossier_id)
    counter = await api_headers(client, "motcua1")
    base = {"receiver_name": "Trần Văn Hàng Xóm", "receiver_id": "CCCD số cuối 9876"}
    before = await snapshot(dossier_id)
    for relation in ("", "other", "family"):
        r = await client.post(
            url(code, "hand_over"), json={**base, "receiver_relation": relation}, headers=counter
        )
        assert r.status_code == 422, r.text
        assert "người được ủy quyền bằng văn bản" in r.json()["errors"]["receiver_relation"]
    r = await client.post(
        url(code, "hand_over"), json={**base, "receiver_relation": "authorized"}, headers=counter
    )
    assert r.status_code == 422 and "receiver_authorization" in r.json()["errors"], r.text
    assert await snapshot(dossier_id) == before

    r = await client.post(
        url(code, "hand_over"),
        json={
            **base,
            "receiver_relation": "authorized",
            "receiver_authorization": "Giấy ủy quyền số 5/UQ ngày 01/12/2026",
        },
        headers=counter,
    )
    assert r.status_code == 200, r.text
    row = await Dossier.select(Dossier.status).where(Dossier.id == dossier_id).first()
    assert row == {"status": 10}
    event = (
        await DossierEvent.select(DossierEvent.data)
        .where((DossierEvent.dossier == dossier_id) & (DossierEvent.action == "hand_over"))
        .first()
    )
    assert event is not None
    data = json.loads(event["data"])
    assert data["receiver_relation"] == "authorized"
    assert data["receiver_authorization"] == "Giấy ủy quyền số 5/UQ ngày 01/12/2026"
