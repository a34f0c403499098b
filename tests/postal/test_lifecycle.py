"""A paper result's way by post, through the services: every step is an event of the dossier's
hash chain, the dossier's status follows, the citizen is told, and refusals change nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from backend.catalog.tables import PostOffice
from backend.dossiers.delivery import Delivery
from backend.dossiers.events import HISTORY
from backend.dossiers.tables import DossierEvent
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action, State
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound
from backend.notifications.tables import Notification
from backend.postal import handover, shipments
from backend.postal.confirmations import confirm
from backend.postal.lifecycle import Step
from backend.postal.schemas import Change, StepInput
from backend.postal.tables import HandoverList
from backend.postal.tariff import quote_delivery
from tests.postal.conftest import HOA_LU, PHU_LY, Postal, signature_png

DELIVERED = StepInput(
    received_by="Nguyễn Thị Nhận", relation="self", id_last_digits="1234", proof=signature_png()
)


async def _events(dossier_id: int) -> list[str]:
    rows = (
        await DossierEvent.select(DossierEvent.action)
        .where((DossierEvent.dossier == dossier_id) & DossierEvent.action.like("postal.%"))
        .order_by(DossierEvent.seq)
    )
    return [r["action"] for r in rows]


async def _kinds(dossier_id: int) -> list[str]:
    rows = (
        await Notification.select(Notification.kind)
        .where((Notification.dossier == dossier_id) & Notification.kind.like("postal.%"))
        .order_by(Notification.id)
    )
    return [r["kind"] for r in rows]


async def test_full_lifecycle_to_delivered(postal: Postal) -> None:
    dossier_id = await postal.ready()
    parcel = await postal.shipment(dossier_id)
    assert parcel["state"] == "created"
    assert parcel["ward"] == "Phường Phủ Lý" and parcel["province"] == "Ninh Bình"
    assert parcel["fee_vnd"] == (await quote_delivery("Ninh Bình")).fee_vnd
    # Suggested: an office that serves Phủ Lý (not the catch-all one).
    office = (
        await PostOffice.select(PostOffice.ward_codes)
        .where(PostOffice.id == parcel["post_office"])
        .first()
    )
    assert office is not None and PHU_LY in office["ward_codes"].split(",")
    assert (await postal.dossier(dossier_id))["state"] == State.DONE

    # The counter lists it; the post must count the same number before anything moves.
    list_id = await handover.create_list(postal.counter, postal.office_a, [parcel["id"]])
    with pytest.raises(FormErrors):
        await handover.confirm_list(postal.courier_a, list_id, 2)
    assert (await postal.shipment(dossier_id))["state"] == "created"
    signed = await handover.confirm_list(postal.courier_a, list_id, 1)
    assert signed["confirmed_by"] == postal.courier_a.id
    dossier = await postal.dossier(dossier_id)
    assert dossier["state"] == State.WITH_POST and dossier["status"] == 9

    code = parcel["code"]
    for step in (Step.TRANSIT, Step.OUT):
        answer = await confirm(postal.courier_a, code, step, StepInput(), f"k-{step}-{dossier_id}")
        assert answer.status_code == 200, answer.body
    answer = await confirm(postal.courier_a, code, Step.DELIVER, DELIVERED, f"k-d-{dossier_id}")
    assert answer.status_code == 200 and answer.body["state"] == "delivered"

    dossier = await postal.dossier(dossier_id)
    assert dossier["state"] == State.RETURNED and dossier["status"] == 10
    parcel = await postal.shipment(dossier_id)
    assert parcel["received_by"] == "Nguyễn Thị Nhận" and parcel["id_last_digits"] == "1234"
    assert parcel["proof_sha256"] and parcel["proof_extension"] == "png"
    assert parcel["attempts"] == 1 and parcel["courier"] == postal.courier_a.id
    assert await _events(dossier_id) == [
        "postal.created",
        "postal.handed_over",
        "postal.in_transit",
        "postal.out_for_delivery",
        "postal.delivered",
    ]
    assert await _kinds(dossier_id) == [
        "postal.handed_over",
        "postal.out_for_delivery",
        "postal.delivered",
    ]
    delivered = (
        await DossierEvent.select()
        .where((DossierEvent.dossier == dossier_id) & (DossierEvent.action == "postal.delivered"))
        .first()
    )
    assert delivered is not None and delivered["actor"] == postal.courier_a.id
    assert delivered["to_status"] == 10
    assert json.loads(delivered["data"])["relation"] == "self"
    checked, broken = await HISTORY.verify()
    assert broken is None and checked > 0


async def test_failed_attempts_up_to_the_limit_then_back_to_the_counter(postal: Postal) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    limit = (await postal.shipment(dossier_id))["max_attempts"]
    assert limit == 3
    for attempt in range(1, limit + 1):
        assert (await confirm(postal.courier_a, code, Step.OUT, StepInput())).status_code == 200
        failed = await confirm(
            postal.courier_a, code, Step.FAIL, StepInput(reason="not_home", note="")
        )
        assert failed.status_code == 200 and failed.body["attempts"] == attempt
    # A fourth attempt is refused: the parcel must go back.
    refused = await confirm(postal.courier_a, code, Step.OUT, StepInput())
    assert refused.status_code == 409
    assert (await postal.shipment(dossier_id))["attempts"] == limit
    back = await confirm(postal.courier_a, code, Step.RETURN, StepInput())
    assert back.status_code == 200 and back.body["state"] == "returned"
    dossier = await postal.dossier(dossier_id)
    assert dossier["state"] == State.DONE and dossier["status"] == 9
    kinds = await _kinds(dossier_id)
    assert kinds.count("postal.failed") == limit and kinds[-1] == "postal.returned"

    # The citizen collects it at the counter: only now is the result returned (status 10).
    inp = await postal.factory.inputs(dossier_id, Action.HAND_OVER)
    await perform(postal.counter, dossier_id, Action.HAND_OVER, inp)
    assert (await postal.dossier(dossier_id))["status"] == 10
    assert (await postal.shipment(dossier_id))["state"] == "collected"


async def test_failure_needs_a_reason_and_other_needs_a_note(postal: Postal) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    for bad in (StepInput(reason=""), StepInput(reason="other", note="")):
        answer = await confirm(postal.courier_a, code, Step.FAIL, bad)
        assert answer.status_code == 422
    missing_proof = StepInput(received_by="An", relation="self", id_last_digits="1234")
    assert (await confirm(postal.courier_a, code, Step.DELIVER, missing_proof)).status_code == 422
    assert (await postal.shipment(dossier_id))["state"] == "out_for_delivery"


async def test_address_change_until_out_for_delivery(postal: Postal) -> None:
    owner = postal.owner
    dossier_id = await postal.ready()
    new = Change(
        delivery=Delivery(
            method="post",
            recipient_name="Nguyễn Thị Nhận",
            recipient_phone="0912000111",
            street="Thôn Đông, số 12",
            province="Ninh Bình",
            ward_code=HOA_LU,
        )
    )
    assert await shipments.change(owner, dossier_id, new) == "changed"
    assert (await postal.shipment(dossier_id))["ward"] == "Phường Hoa Lư"
    code = await postal.handed_over(dossier_id, postal.courier_a)
    # Still changeable after the handover: the courier sees the new address.
    assert await shipments.change(owner, dossier_id, new) == "changed"
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    before = await postal.shipment(dossier_id)
    with pytest.raises(Conflict):
        await shipments.change(owner, dossier_id, new)
    after = await postal.shipment(dossier_id)
    assert after == before
    # Going back to the counter is refused once the result has left the center.
    await confirm(postal.courier_a, code, Step.FAIL, StepInput(reason="wrong_address"))
    counter = Change(delivery=Delivery(method="counter"))
    with pytest.raises(FormErrors):
        await shipments.change(owner, dossier_id, counter)
    # After a failed attempt the address may be corrected for the next one.
    assert await shipments.change(owner, dossier_id, new) == "changed"


async def test_switching_back_to_the_counter_before_the_handover(postal: Postal) -> None:
    dossier_id = await postal.ready()
    counter = Change(delivery=Delivery(method="counter"))
    assert await shipments.change(postal.owner, dossier_id, counter) == "counter"
    assert (await postal.shipment(dossier_id))["state"] == "cancelled"
    assert (await postal.dossier(dossier_id))["delivery_method"] == "counter"
    assert "postal.cancelled" in await _events(dossier_id)
    # A cancelled parcel is on no handover list.
    waiting = [p["dossier"] for p in await handover.waiting()]
    assert dossier_id not in waiting


async def test_choosing_the_post_after_the_result_is_ready(postal: Postal) -> None:
    dossier_id = await postal.ready(by_post=False)
    assert (await postal.dossier(dossier_id))["delivery_method"] == "counter"
    assert await shipments.of_dossier(dossier_id) is None
    post = Change(
        delivery=Delivery(
            method="post",
            recipient_name="Trần Văn Muộn",
            recipient_phone="0988777666",
            street="Số 1 phố Mới",
            province="Hà Nội",
            ward_code="00004",
        )
    )
    assert await shipments.change(postal.owner, dossier_id, post) == "opened"
    parcel = await postal.shipment(dossier_id)
    assert parcel["state"] == "created" and parcel["province"] == "Hà Nội"
    assert parcel["fee_vnd"] == (await quote_delivery("Hà Nội")).fee_vnd


async def test_a_post_office_sees_and_moves_only_its_own_parcels(postal: Postal) -> None:
    from backend.postal.queries import round_for

    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id, postal.courier_a)
    before = await postal.shipment(dossier_id)
    answer = await confirm(postal.courier_b, code, Step.OUT, StepInput(), "b-tries-it-1")
    assert answer.status_code == 404
    assert await postal.shipment(dossier_id) == before
    codes_b = [
        p["code"] for g in (await round_for(postal.courier_b))["groups"] for p in g["parcels"]
    ]
    codes_a = [
        p["code"] for g in (await round_for(postal.courier_a))["groups"] for p in g["parcels"]
    ]
    assert code in codes_a and code not in codes_b
    # B cannot sign A's handover list either.
    other = await postal.ready()
    parcel = await postal.shipment(other)
    list_id = await handover.create_list(postal.counter, postal.office_a, [parcel["id"]])
    with pytest.raises(NotFound):
        await handover.confirm_list(postal.courier_b, list_id, 1)
    assert (await HandoverList.select().where(HandoverList.id == list_id).first() or {}).get(
        "confirmed_at"
    ) is None


async def test_a_citizen_changes_only_their_own_dossier(postal: Postal) -> None:
    dossier_id = await postal.ready()
    stranger = postal.factory.people["other_citizen"]
    counter = Change(delivery=Delivery(method="counter"))
    with pytest.raises(NotFound):
        await shipments.change(stranger, dossier_id, counter)
    assert (await postal.shipment(dossier_id))["state"] == "created"


async def test_the_same_confirmation_twice_is_applied_once(postal: Postal) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    events_before = len(await _events(dossier_id))
    first = await confirm(postal.courier_a, code, Step.DELIVER, DELIVERED, "same-key-0001")
    again = await confirm(postal.courier_a, code, Step.DELIVER, DELIVERED, "same-key-0001")
    assert first.status_code == again.status_code == 200
    assert again.body["replayed"] is True and first.body["replayed"] is False
    assert again.body["event"] == first.body["event"]
    assert len(await _events(dossier_id)) == events_before + 1
    assert (await _kinds(dossier_id)).count("postal.delivered") == 1


async def test_the_same_key_sent_concurrently_is_applied_once(postal: Postal) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    answers = await asyncio.gather(
        *(
            confirm(postal.courier_a, code, Step.DELIVER, DELIVERED, "racing-key-01")
            for _ in range(3)
        )
    )
    assert all(a.status_code == 200 for a in answers), [a.body for a in answers]
    assert len({a.body["event"] for a in answers}) == 1
    assert (await _events(dossier_id)).count("postal.delivered") == 1


async def test_two_couriers_confirming_the_same_parcel_one_wins(postal: Postal) -> None:
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    parcel = await postal.shipment(dossier_id)
    seen = StepInput(**{**DELIVERED.__dict__, "expected_version": parcel["version"]})
    answers = await asyncio.gather(
        confirm(postal.courier_a, code, Step.DELIVER, seen, "courier-a-key"),
        confirm(postal.courier_a2, code, Step.DELIVER, seen, "courier-a2-key"),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert (await _events(dossier_id)).count("postal.delivered") == 1
    # The loser's replay hears the same refusal and still changes nothing.
    loser = next(a for a in answers if a.status_code == 409)
    who = postal.courier_a if answers[0] is loser else postal.courier_a2
    key = "courier-a-key" if who is postal.courier_a else "courier-a2-key"
    again = await confirm(who, code, Step.DELIVER, seen, key)
    assert again.status_code == 409 and again.body["replayed"] is True


async def test_no_workflow_action_applies_while_the_post_holds_the_result(postal: Postal) -> None:
    """The counter cannot hand over, nor the citizen withdraw, a result that is with the post."""
    dossier_id = await postal.ready()
    await postal.handed_over(dossier_id)
    before = await postal.dossier(dossier_id)
    for who, action in (
        (postal.counter, Action.HAND_OVER),
        (postal.owner, Action.WITHDRAW),
        (postal.leader, Action.STOP),
    ):
        inp = await postal.factory.inputs(dossier_id, action)
        with pytest.raises(Conflict):
            await perform(who, dossier_id, action, inp)
    assert await postal.dossier(dossier_id) == before


async def test_the_citizens_phone_gets_a_push_at_each_step(postal: Postal) -> None:
    """An outbox row per step for the citizen's subscribed device (the sender, tested with a
    real push endpoint in tests/notifications, takes it from there)."""
    from backend.lib.clock import utcnow
    from backend.notifications.tables import OutboxItem, PushSubscription
    from tests.helpers import make_citizen

    citizen = await make_citizen()
    device = PushSubscription(
        user=citizen.id,
        endpoint=f"https://push.example.test/{citizen.id}",
        p256dh="x" * 87,
        auth="y" * 22,
        created_at=utcnow(),
    )
    await device.save()
    dossier_id = await postal.ready(owner=citizen)
    code = await postal.handed_over(dossier_id)
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    await confirm(postal.courier_a, code, Step.FAIL, StepInput(reason="refused"))
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    await confirm(postal.courier_a, code, Step.DELIVER, DELIVERED)
    rows = (
        await OutboxItem.select(OutboxItem.notification.kind.as_alias("kind"))
        .where(
            (OutboxItem.subscription == device.id) & OutboxItem.notification.kind.like("postal.%")
        )
        .order_by(OutboxItem.id)
    )
    assert [r["kind"] for r in rows] == [
        "postal.handed_over",
        "postal.out_for_delivery",
        "postal.failed",
        "postal.out_for_delivery",
        "postal.delivered",
    ]
    failed = (
        await Notification.select(Notification.body)
        .where((Notification.dossier == dossier_id) & (Notification.kind == "postal.failed"))
        .first()
    )
    assert failed is not None and "Người nhận từ chối nhận" in failed["body"]
    assert "còn 2 lần" in failed["body"]


async def test_a_list_the_post_cannot_confirm_is_withdrawn_and_made_again(postal: Postal) -> None:
    """A parcel missing at the handover: the counter cancels the list, the parcels wait
    again, and a new list goes through; the old one can no longer be signed."""
    dossier_id = await postal.ready()
    parcel = await postal.shipment(dossier_id)
    old = await handover.create_list(postal.counter, postal.office_a, [parcel["id"]])
    with pytest.raises(FormErrors):
        await handover.confirm_list(postal.courier_a, old, 0)  # the post found none
    with pytest.raises(Forbidden):
        await handover.cancel_list(postal.courier_a, old)
    await handover.cancel_list(postal.counter, old)
    assert dossier_id in [p["dossier"] for p in await handover.waiting()]
    assert old not in [row["id"] for row in await handover.pending_for(postal.courier_a)]
    with pytest.raises(Conflict):
        await handover.confirm_list(postal.courier_a, old, 1)
    with pytest.raises(Conflict):
        await handover.cancel_list(postal.counter, old)
    new = await handover.create_list(postal.counter, postal.office_a, [parcel["id"]])
    await handover.confirm_list(postal.courier_a, new, 1)
    assert (await postal.shipment(dossier_id))["state"] == "handed_over"


async def test_a_result_goes_only_to_the_applicant_a_representative_or_an_authorised_person(
    postal: Postal,
) -> None:
    """Issue 12, item 5: "Khác (bảo vệ, hàng xóm...)" was accepted and the dossier became 10."""
    dossier_id = await postal.ready()
    code = await postal.handed_over(dossier_id)
    await confirm(postal.courier_a, code, Step.OUT, StepInput())
    for relation in ("other", "family", ""):
        neighbour = dataclasses.replace(DELIVERED, relation=relation)
        answer = await confirm(postal.courier_a, code, Step.DELIVER, neighbour)
        assert answer.status_code == 422, relation
        assert "người được ủy quyền bằng văn bản" in str(answer.body)
    unproven = dataclasses.replace(DELIVERED, relation="authorized", authorization="")
    answer = await confirm(postal.courier_a, code, Step.DELIVER, unproven)
    assert answer.status_code == 422 and "văn bản ủy quyền" in str(answer.body)
    assert (await postal.shipment(dossier_id))["state"] == "out_for_delivery"
    assert (await postal.dossier(dossier_id))["status"] != 10

    authorised = dataclasses.replace(
        DELIVERED, relation="authorized", authorization="  Giấy ủy quyền số 7/UQ  ngày 2/12/2026 "
    )
    assert (await confirm(postal.courier_a, code, Step.DELIVER, authorised)).status_code == 200
    assert (await postal.dossier(dossier_id))["status"] == 10
    delivered = (
        await DossierEvent.select(DossierEvent.data)
        .where((DossierEvent.dossier == dossier_id) & (DossierEvent.action == "postal.delivered"))
        .first()
    )
    assert delivered is not None
    recorded = json.loads(delivered["data"])
    assert recorded["relation"] == "authorized"
    assert recorded["authorization"] == "Giấy ủy quyền số 7/UQ ngày 2/12/2026"
