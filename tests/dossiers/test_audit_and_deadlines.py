"""Tamper evidence of the event log, and the supplement pause moving the appointment date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from backend.access.user import CurrentUser
from backend.accounts.tables import User
from backend.dossiers.events import HISTORY
from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.transitions import ActionInput, perform
from backend.dossiers.workflow import Action
from backend.lib.errors import Forbidden
from backend.settings import get_settings
from tests.audit.helpers import run_audit
from tests.conftest import Clock
from tests.dossiers.conftest import submitted_dossier
from tests.helpers import Client, user_by_login

verify = HISTORY.verify
VN = ZoneInfo("Asia/Ho_Chi_Minh")


async def test_verify_passes_then_names_the_edited_event(client: Client) -> None:
    d = await submitted_dossier(client)
    counter = await user_by_login("motcua1")
    await perform(counter, d["id"], Action.ACCEPT, ActionInput())
    checked, broken = await verify()
    assert broken is None and checked >= 2
    ok = run_audit("verify")
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout

    event = (
        await DossierEvent.select()
        .where((DossierEvent.dossier == d["id"]) & (DossierEvent.action == "accept"))
        .first()
    )
    assert event is not None
    try:
        # Somebody with database access quietly changes who accepted it.
        await DossierEvent.update({DossierEvent.actor_role: "leader"}).where(
            DossierEvent.id == event["id"]
        )
        checked, broken = await verify()
        assert broken is not None and broken.event_id == event["id"]
        failed = run_audit("verify")
        assert failed.returncode != 0
        assert f"event id {event['id']}" in failed.stderr
    finally:
        await DossierEvent.update({DossierEvent.actor_role: event["actor_role"]}).where(
            DossierEvent.id == event["id"]
        )
    assert (await verify())[1] is None


async def test_verify_detects_a_deleted_event(client: Client) -> None:
    d = await submitted_dossier(client)
    await perform(await user_by_login("motcua1"), d["id"], Action.ACCEPT, ActionInput())
    first = (
        await DossierEvent.select()
        .where(DossierEvent.dossier == d["id"])
        .order_by(DossierEvent.seq)
        .first()
    )
    assert first is not None
    await DossierEvent.delete().where(DossierEvent.id == first["id"])
    try:
        _checked, broken = await verify()
        assert broken is not None
        assert broken.seq == first["seq"] + 1 or broken.event_id is None
    finally:
        await DossierEvent.insert(DossierEvent(**{k: v for k, v in first.items()}))
    assert (await verify())[1] is None


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), VN).astimezone(UTC)


async def test_supplement_pause_moves_the_date_by_the_working_days_waited(
    client: Client, clock: Clock
) -> None:
    """Hùng Kings' day 2027 is Friday 16 April: the pause crosses it."""
    d = await submitted_dossier(client, "sxd", days_min=2)
    days = (
        await Dossier.select(Dossier.procedure.processing_days).where(Dossier.id == d["id"]).first()
    )["procedure.processing_days"]
    clock.now = at(date(2027, 4, 12), 9)  # Monday
    await perform(await user_by_login("motcua1"), d["id"], Action.ACCEPT, ActionInput())
    from backend.catalog.services import load_calendar

    calendar = await load_calendar()
    due = (await Dossier.select(Dossier.appointment_date).where(Dossier.id == d["id"]).first())[
        "appointment_date"
    ]
    assert due == calendar.add_working_days(date(2027, 4, 12), days)

    specialist = await user_by_login("xaydung.cv")
    await perform(specialist, d["id"], Action.TAKE, ActionInput())
    doc = next(x for x in d["procedure_detail"]["documents"] if x["required"])
    clock.now = at(date(2027, 4, 13), 10)  # Tuesday
    await perform(
        specialist,
        d["id"],
        Action.REQUEST_SUPPLEMENT,
        ActionInput(reason="Thiếu bản vẽ mặt bằng.", documents=[doc["id"]]),
    )
    # The citizen answers on Monday 19 April: Wed 14, Thu 15, (Fri 16 holiday), Mon 19 = 3 days.
    clock.now = at(date(2027, 4, 19), 10)
    citizen = CurrentUser.from_row(await User.select().where(User.id == d["citizen"]).first())
    from backend.dossiers import drafts
    from tests.dossiers.conftest import photo

    stored_path = get_settings().upload_dir / "tmp" / "sup.jpg"
    stored_path.parent.mkdir(parents=True, exist_ok=True)
    stored_path.write_bytes(photo(300, 400))
    from backend.dossiers.uploads import file_store

    stored = file_store().accept(stored_path, "sup.jpg")
    await drafts.add_file(citizen, d["id"], doc["id"], stored, "sup.jpg")
    await perform(citizen, d["id"], Action.SUPPLEMENT, ActionInput())
    row = await Dossier.select().where(Dossier.id == d["id"]).first()
    assert row["appointment_date"] == calendar.add_working_days(due, 3)
    if due == date(2027, 4, 15):
        assert row["appointment_date"] == date(2027, 4, 21)
    assert row["late"] is False and row["supplement_count"] == 1

    # A second request is the leader's (issue 12, item 8), and marks the dossier late
    # (DOMAIN: more than one supplement request).
    await perform(specialist, d["id"], Action.RECHECK, ActionInput())
    second = ActionInput(reason="Bản vẽ chưa có dấu.", documents=[doc["id"]])
    with pytest.raises(Forbidden, match="cần lãnh đạo cơ quan phê duyệt"):
        await perform(specialist, d["id"], Action.REQUEST_SUPPLEMENT, second)
    assert (await Dossier.select(Dossier.state).where(Dossier.id == d["id"]).first()) == {
        "state": "processing"
    }
    await perform(await user_by_login("xaydung.ld"), d["id"], Action.REQUEST_SUPPLEMENT, second)
    row = await Dossier.select().where(Dossier.id == d["id"]).first()
    assert row["supplement_count"] == 2 and row["late"] is True


async def test_apology_moves_the_date_and_keeps_the_history(client: Client) -> None:
    d = await submitted_dossier(client, "stp")
    await perform(await user_by_login("motcua1"), d["id"], Action.ACCEPT, ActionInput())
    leader = await user_by_login("tuphap.ld")
    before = (await Dossier.select(Dossier.appointment_date).where(Dossier.id == d["id"]).first())[
        "appointment_date"
    ]
    from backend.catalog.services import load_calendar

    calendar = await load_calendar()
    new_date = calendar.add_working_days(before, 5)
    with pytest.raises(Exception) as refused:
        await perform(
            leader, d["id"], Action.APOLOGIZE, ActionInput(reason="Chờ ý kiến Sở Xây dựng.")
        )
    assert getattr(refused.value, "status_code", None) == 422
    await perform(
        leader,
        d["id"],
        Action.APOLOGIZE,
        ActionInput(reason="Chờ ý kiến Sở Xây dựng.", new_date=new_date),
    )
    row = await Dossier.select().where(Dossier.id == d["id"]).first()
    assert (
        row["appointment_date"] == new_date and row["late"] is True and row["state"] == "received"
    )
    event = (
        await DossierEvent.select()
        .where((DossierEvent.dossier == d["id"]) & (DossierEvent.action == "apologize"))
        .first()
    )
    import json

    data = json.loads(event["data"])
    assert (
        data["appointment_before"] == before.isoformat()
        and data["appointment_after"] == new_date.isoformat()
    )
    assert event["note"] == "Chờ ý kiến Sở Xây dựng."
