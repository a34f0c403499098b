"""The public lookup shows the steps and what happens next, not just a status (issue 12, item
21), and nothing personal beyond what the code and phone already prove."""

from __future__ import annotations

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from tests.dossiers.factory import Factory
from tests.helpers import Client, soup


async def code_and_phone(dossier_id: int) -> tuple[str, str]:
    row = (
        await Dossier.select(Dossier.code, Dossier.applicant_phone)
        .where(Dossier.id == dossier_id)
        .first()
    )
    assert row is not None
    return row["code"], row["applicant_phone"]


async def test_the_lookup_lists_the_steps_and_the_next_one(client: Client) -> None:
    factory = await Factory().setup()
    dossier_id = await factory.create(State.PROCESSING)
    await factory.act(factory.people["stp.leader"], dossier_id, Action.APOLOGIZE)
    code, phone = await code_and_phone(dossier_id)

    r = await client.get("/api/v1/track", params={"code": code, "phone": phone})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["status"] for s in body["steps"]] == [1, 2, 4, 4]
    assert body["steps"][-1]["apology"] is True
    assert body["next_step"].startswith("Cơ quan giải quyết đang xử lý hồ sơ")

    token = client.cookies.get("csrftoken") or ""
    if not token:
        await client.get("/track")
        token = client.cookies["csrftoken"]
    page = await client.post("/track", data={"_csrf_token": token, "code": code, "phone": phone})
    html = soup(page.text)
    steps = [" ".join(li.text.split()) for li in html.select(".status-card ol.timeline li")]
    assert len(steps) == 4
    assert "Cơ quan giải quyết xin lỗi và hẹn lại ngày trả" in steps[0]  # newest first
    assert "Mới đăng ký" in steps[-1]
    assert "Tiếp theo:" in html.select_one(".next-step").text
    # The officers' names and their notes stay inside.
    for person in ("counter", "stp.specialist", "stp.leader"):
        assert factory.people[person].full_name not in page.text
