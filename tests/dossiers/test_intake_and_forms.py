"""Walk-in intake at the counter, printable forms, and the deadline watch."""

from __future__ import annotations

import re
from datetime import date

from backend.accounts.tables import User
from backend.dossiers import deadlines
from backend.dossiers.tables import Dossier, DossierEvent
from backend.notifications.tables import Notification
from tests.dossiers.conftest import act, alert_text, fill_required, submit, submitted_dossier
from tests.helpers import Client, another_client, csrf, new_phone, sign_in, soup, text_of


async def test_walk_in_is_received_at_once_with_a_claim_code(client: Client, app: object) -> None:
    phone = new_phone()
    await sign_in(client, "motcua1")
    token = await csrf(client)
    refused = await client.post(
        "/staff/intake/",
        data={"_csrf_token": token, "procedure": "", "phone": "12", "full_name": ""},
    )
    assert refused.status_code == 422
    errors = text_of(refused.text, ".error")
    assert any("thủ tục" in e.lower() for e in errors) or "Chọn thủ tục" in refused.text

    proc = (await client.get("/api/v1/procedures?agency=stp")).json()[0]
    detail = (await client.get(f"/api/v1/procedures/{proc['id']}")).json()
    r = await client.post(
        "/staff/intake/",
        data={
            "_csrf_token": token,
            "procedure": str(proc["id"]),
            "phone": phone,
            "full_name": "Cụ Nguyễn Văn Tư",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    dossier_id = int(re.search(r"/dossiers/(\d+)/edit", r.headers["location"]).group(1))
    page = await client.get(r.headers["location"])
    assert "Tiếp nhận trực tiếp" in page.text
    await fill_required(client, dossier_id, detail)
    done = await submit(client, dossier_id)
    assert done.headers["location"] == f"/dossiers/{dossier_id}/receipt"
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    assert (row["state"], row["status"], row["channel"]) == ("received", 2, 1)
    assert row["received_at"] is not None and row["code"]
    receipt = await client.get(f"/dossiers/{dossier_id}/receipt")
    assert "Cụ Nguyễn Văn Tư" in receipt.text and soup(receipt.text).select_one(".qr svg")

    # The receipt the counter prints carries the claim code; registering with the phone
    # number alone shows the citizen nothing (tests/dossiers/test_claims.py).
    assert soup(receipt.text).select_one(".claim .code") is not None
    user = await User.select().where(User.id == row["citizen"]).first()
    assert not user["active"] and user["login"].startswith("walkin-")


async def test_printed_forms_follow_the_event_log(client: Client, app: object) -> None:
    d = await submitted_dossier(client)
    doc = next(x for x in d["procedure_detail"]["documents"] if x["required"])
    async with another_client(app, "198.51.100.62") as staff:
        await sign_in(staff, "motcua1")
        r = await act(
            staff,
            d["id"],
            "request_supplement",
            reason="Thiếu chữ ký người khai.",
            documents=str(doc["id"]),
        )
        assert r.status_code == 303, alert_text(r.text)
        form02 = await staff.get(f"/dossiers/{d['id']}/forms/02")
        assert form02.status_code == 200
        assert "Phiếu yêu cầu bổ sung" in form02.text and "Thiếu chữ ký người khai." in form02.text
        assert doc["name"] in form02.text
        assert (await staff.get(f"/dossiers/{d['id']}/forms/03")).status_code == 404
        slip = await staff.get(f"/dossiers/{d['id']}/forms/06")
        steps = soup(slip.text).select("table.control tbody tr")
        assert len(steps) == 2
    # The citizen can print the same supplement request.
    assert (await client.get(f"/dossiers/{d['id']}/forms/02")).status_code == 200


async def test_deadline_watch_warns_once_and_marks_overdue(client: Client, app: object) -> None:
    d = await submitted_dossier(client, "sxd", days_min=2)
    async with another_client(app, "198.51.100.63") as staff:
        await sign_in(staff, "motcua1")
        assert (await act(staff, d["id"], "accept")).status_code == 303
    row = await Dossier.select().where(Dossier.id == d["id"]).first()
    due = row["appointment_date"]
    # The day before the appointment (a working day): warned once, not twice.
    from backend.catalog.services import load_calendar

    calendar = await load_calendar()
    day_before = due
    while True:
        day_before = date.fromordinal(day_before.toordinal() - 1)
        if calendar.is_working_day(day_before):
            break
    first = await deadlines.check(day_before)
    again = await deadlines.check(day_before)
    assert first["warned"] >= 1 and again["warned"] == 0
    warned = await Notification.select().where(
        (Notification.dossier == d["id"]) & (Notification.kind == "deadline.due_soon")
    )
    leaders = {
        u["id"]
        for u in await User.select(User.id).where(User.login.is_in(["xaydung.cv", "xaydung.ld"]))
    }
    assert {n["recipient"] for n in warned} == leaders
    # After the appointment date it is overdue: marked late.
    after = date.fromordinal(due.toordinal() + 1)
    await deadlines.check(after)
    assert (await Dossier.select(Dossier.late).where(Dossier.id == d["id"]).first())["late"] is True
    assert await DossierEvent.count().where(DossierEvent.dossier == d["id"]) == 2
