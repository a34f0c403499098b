"""The whole back-office path over HTTP, as the people at the center would click it."""

from __future__ import annotations

import json

from backend.dossiers.tables import Dossier, DossierEvent
from backend.notifications.tables import Notification
from tests.dossiers.conftest import act, alert_text, photo, submitted_dossier, upload
from tests.helpers import PDF, Client, another_client, sign_in, soup


async def state_of(dossier_id: int) -> dict:
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert row is not None
    return row


async def test_counter_accepts_agency_processes_with_supplement_leader_approves(
    client: Client, app: object
) -> None:
    d = await submitted_dossier(client, "stp", days_min=3)
    citizen = client
    async with another_client(app, "198.51.100.41") as staff:
        await sign_in(staff, "motcua1")
        # Among the dossiers waiting at the counter (other tests leave more than a page).
        queue = await staff.get(f"/staff/queue?view=intake&procedure={d['procedure']}")
        while d["code"] not in queue.text and 'rel="next"' in queue.text:
            link = soup(queue.text).select_one(".pager a[rel=next]")
            queue = await staff.get("/staff/queue" + link["href"])
        assert d["code"] in queue.text
        r = await act(staff, d["id"], "accept", expected_version=d["version"])
        assert r.status_code == 303, alert_text(r.text)
        row = await state_of(d["id"])
        assert (row["state"], row["status"]) == ("received", 2)
        assert row["received_at"] is not None and row["appointment_date"] is not None

        await sign_in(staff, "tuphap.cv")
        assert d["code"] in (await staff.get("/staff/queue")).text
        assert (await act(staff, d["id"], "take")).status_code == 303
        doc = next(x for x in d["procedure_detail"]["documents"] if x["required"])
        r = await act(
            staff,
            d["id"],
            "request_supplement",
            reason="Ảnh bị mờ, không đọc được số.",
            documents=str(doc["id"]),
        )
        assert r.status_code == 303, alert_text(r.text)
        row = await state_of(d["id"])
        assert (row["state"], row["status"], row["supplement_count"]) == (
            "processing_supplement",
            5,
            1,
        )
        assert row["paused_at"] is not None

        # The citizen sees what is asked, adds a page and sends it.
        page = await citizen.get(f"/dossiers/{d['id']}")
        assert "Ảnh bị mờ" in page.text and doc["name"] in page.text
        assert (await upload(citizen, d["id"], doc["id"], photo(700, 900))).status_code == 200
        r = await act(citizen, d["id"], "supplement")
        assert r.status_code == 303, alert_text(r.text)
        assert (await state_of(d["id"]))["state"] == "supplemented"

        assert (await act(staff, d["id"], "recheck")).status_code == 303
        assert (await act(staff, d["id"], "draft_result")).status_code == 303

        await sign_in(staff, "tuphap.ld")
        missing = await act(staff, d["id"], "approve", result_kind="electronic")
        assert missing.status_code == 422
        assert "văn bản kết quả" in alert_text(missing.text)
        r = await act(
            staff,
            d["id"],
            "approve",
            result_kind="electronic",
            files={"result": ("ket-qua.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 303, alert_text(r.text)
        row = await state_of(d["id"])
        assert (row["state"], row["status"], row["on_time"]) == ("returned", 10, True)

    # The citizen downloads the electronic result from the dossier page.
    page = soup((await citizen.get(f"/dossiers/{d['id']}")).text)
    link = page.select_one("a[download]")
    assert link is not None
    result = await citizen.get(link["href"])
    # What was stored is qpdf's rewrite of the upload (backend.lib.pdfs), offered as a file.
    assert result.status_code == 200 and result.content.startswith(b"%PDF-")
    assert result.headers["content-disposition"].startswith("attachment")

    actions = [
        e["action"]
        for e in await DossierEvent.select(DossierEvent.action)
        .where(DossierEvent.dossier == d["id"])
        .order_by(DossierEvent.seq)
    ]
    assert actions == [
        "submit",
        "accept",
        "take",
        "request_supplement",
        "supplement",
        "recheck",
        "draft_result",
        "approve",
        "result_available",
    ]
    kinds = [
        n["kind"]
        for n in await Notification.select(Notification.kind)
        .where(Notification.dossier == d["id"])
        .order_by(Notification.id)
    ]
    assert kinds == [
        "dossier.accept",
        "dossier.request_supplement",
        "dossier.supplement",
        "dossier.approve",
    ]


async def test_refuse_needs_a_reason_and_changes_nothing_without_one(
    client: Client, app: object
) -> None:
    d = await submitted_dossier(client)
    async with another_client(app, "198.51.100.42") as staff:
        await sign_in(staff, "motcua1")
        r = await act(staff, d["id"], "refuse", reason="  ")
        assert r.status_code == 422
        assert "lý do" in alert_text(r.text).lower()
        assert (await state_of(d["id"]))["state"] == "submitted"
        r = await act(
            staff, d["id"], "refuse", reason="Thủ tục này không thuộc thẩm quyền của tỉnh."
        )
        assert r.status_code == 303
        row = await state_of(d["id"])
        assert (row["state"], row["status"]) == ("not_received", 3)
    event = (
        await DossierEvent.select()
        .where((DossierEvent.dossier == d["id"]) & (DossierEvent.action == "refuse"))
        .first()
    )
    assert event is not None and "thẩm quyền" in event["note"]
    note = await Notification.select().where(Notification.dossier == d["id"]).first()
    assert note is not None and "thẩm quyền" in note["body"]


async def test_stale_page_gets_a_clear_message(client: Client, app: object) -> None:
    d = await submitted_dossier(client)
    async with another_client(app, "198.51.100.43") as a, another_client(app, "198.51.100.44") as b:
        await sign_in(a, "motcua1")
        await sign_in(b, "motcua1")
        version = d["version"]
        assert (await act(a, d["id"], "accept", expected_version=version)).status_code == 303
        late = await act(
            b, d["id"], "refuse", reason="Giấy tờ không hợp lệ.", expected_version=version
        )
        assert late.status_code == 409
        assert "vừa được người khác xử lý" in alert_text(late.text)
    row = await state_of(d["id"])
    assert row["state"] == "received"
    assert await DossierEvent.count().where(DossierEvent.dossier == d["id"]) == 2


async def test_citizen_withdraws_before_decision(client: Client) -> None:
    d = await submitted_dossier(client)
    r = await act(client, d["id"], "withdraw", reason="Tôi nộp nhầm thủ tục.")
    assert r.status_code == 303
    row = await state_of(d["id"])
    assert (row["state"], row["status"]) == ("withdrawn", 7)
    data = json.loads(
        (
            await DossierEvent.select(DossierEvent.data)
            .where((DossierEvent.dossier == d["id"]) & (DossierEvent.action == "withdraw"))
            .first()
        )["data"]
    )
    assert data["reason"] == "Tôi nộp nhầm thủ tục."
