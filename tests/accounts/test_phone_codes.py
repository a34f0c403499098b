"""Phone ownership by one-time code (issue 15): the codes, the SMS outbox through a loopback
gateway, what an account sees before and after proving its phone, and recovery."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from backend.accounts import phone_codes, sms
from backend.accounts.phone_codes import Purpose
from backend.accounts.sms_gateways import LogGateway
from backend.accounts.tables import PhoneCode, SmsMessage, User
from backend.dossiers.tables import Dossier, DossierEvent
from backend.lib.clock import utcnow
from backend.lib.errors import TooManyRequests, UserError
from tests.accounts.sms_gateway import KEY, loopback_gateway
from tests.dossiers.test_claims import walk_in
from tests.helpers import (
    CITIZEN_PASSWORD,
    Client,
    another_client,
    bearer,
    field_errors,
    new_phone,
    post_form,
    post_login,
    prove_phone,
    register,
    sms_code,
    soup,
    text_of,
)

IP = "192.0.2.10"


async def drain() -> None:
    """Whatever earlier tests left in the outbox is not this test's."""
    await SmsMessage.update({SmsMessage.state: "failed", SmsMessage.body: ""}).where(
        SmsMessage.state.is_in(["pending", "sending"])
    )


def wrong(typed: str) -> str:
    return "000000" if typed != "000000" else "111111"


# --- codes -------------------------------------------------------------------------------------


async def test_a_code_is_stored_only_as_a_hash_and_its_text_sealed() -> None:
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.VERIFY)
    code = await sms_code(phone)
    row = await PhoneCode.select().where(PhoneCode.phone == phone).first()
    assert row is not None and code not in str(row) and len(row["code_hash"]) == 64
    message = await SmsMessage.select().where(SmsMessage.phone == phone).first()
    assert message is not None and code not in message["body"]
    assert row["expires_at"] - row["created_at"] == timedelta(minutes=5)


async def test_the_code_expires_after_five_minutes(clock: Any) -> None:
    phone = new_phone()
    start = utcnow()
    clock.now = start
    await phone_codes.issue(phone, Purpose.VERIFY)
    code = await sms_code(phone)
    clock.now = start + timedelta(minutes=5, seconds=1)
    with pytest.raises(UserError):
        await phone_codes.use(phone, Purpose.VERIFY, code, IP)
    # Still good just before.
    await phone_codes.issue(phone, Purpose.VERIFY)
    code = await sms_code(phone)
    clock.now = start + timedelta(minutes=10)
    await phone_codes.use(phone, Purpose.VERIFY, code, IP)


async def test_five_wrong_tries_end_the_code() -> None:
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.VERIFY)
    code = await sms_code(phone)
    for _ in range(phone_codes.MAX_TRIES):
        with pytest.raises(UserError) as refused:
            await phone_codes.use(phone, Purpose.VERIFY, wrong(code), IP)
        assert refused.value.message == phone_codes.WRONG
    with pytest.raises(UserError) as refused:
        await phone_codes.use(phone, Purpose.VERIFY, code, IP)  # right, but too late
    assert refused.value.message == phone_codes.WRONG


async def test_a_code_is_used_once_and_a_new_one_replaces_the_old() -> None:
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.VERIFY)
    first = await sms_code(phone)
    await phone_codes.issue(phone, Purpose.VERIFY)
    second = await sms_code(phone)
    assert await PhoneCode.count().where(PhoneCode.phone == phone) == 1
    if first != second:
        with pytest.raises(UserError):
            await phone_codes.use(phone, Purpose.VERIFY, first, IP)
    await phone_codes.use(phone, Purpose.VERIFY, second, IP)
    with pytest.raises(UserError):
        await phone_codes.use(phone, Purpose.VERIFY, second, IP)


@pytest.mark.parametrize(
    ("sent_for", "typed_for"),
    [
        (Purpose.VERIFY, Purpose.RECOVER),
        (Purpose.RECOVER, Purpose.VERIFY),
        (Purpose.CHANGE, Purpose.RECOVER),
    ],
)
async def test_a_code_for_one_purpose_is_refused_for_another(
    sent_for: Purpose, typed_for: Purpose
) -> None:
    phone = new_phone()
    await phone_codes.issue(phone, sent_for)
    code = await sms_code(phone)
    with pytest.raises(UserError):
        await phone_codes.use(phone, typed_for, code, IP)
    # ... and it still works for its own purpose.
    await phone_codes.use(phone, sent_for, code, IP)


async def test_a_code_sent_for_one_account_is_refused_for_another() -> None:
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.CHANGE, user_id=1)
    code = await sms_code(phone)
    with pytest.raises(UserError):
        await phone_codes.use(phone, Purpose.CHANGE, code, IP, user_id=2)


async def test_sending_is_throttled_per_number() -> None:
    phone = new_phone()
    for n in range(phone_codes.SENDS_PER_PHONE):
        await phone_codes.throttle_send(phone, f"192.0.2.{20 + n}")
    with pytest.raises(TooManyRequests):
        await phone_codes.throttle_send(phone, "192.0.2.99")


async def test_sending_is_throttled_per_address() -> None:
    for _ in range(phone_codes.SENDS_PER_IP):
        await phone_codes.throttle_send(new_phone(), "192.0.2.50")
    with pytest.raises(TooManyRequests):
        await phone_codes.throttle_send(new_phone(), "192.0.2.50")
    await phone_codes.throttle_send(new_phone(), "192.0.2.51")  # another address still may


async def test_resend_on_the_page_is_throttled(client: Client) -> None:
    phone = await register(client, prove=False)  # the first code went at registration
    for _ in range(phone_codes.SENDS_PER_PHONE - 1):
        r = await post_form(client, "/verify-phone/send", next="/")
        assert r.status_code == 200
        assert text_of(r.text, ".alert.good")
    r = await post_form(client, "/verify-phone/send", next="/")
    assert r.status_code == 429
    assert "thử lại sau" in r.text
    assert await SmsMessage.count().where(SmsMessage.phone == phone) == phone_codes.SENDS_PER_PHONE


# --- the outbox and the gateways ---------------------------------------------------------------


async def test_the_outbox_retries_after_a_gateway_500(clock: Any) -> None:
    await drain()
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.VERIFY)
    code = await sms_code(phone)
    async with loopback_gateway() as box:
        assert box.gateway is not None
        box.statuses = [500]
        assert await sms.run_once(box.gateway) == 1
        row = await SmsMessage.select().where(SmsMessage.phone == phone).first()
        assert row is not None
        assert (row["state"], row["attempts"]) == ("pending", 1)
        assert "HTTP 500" in row["last_error"] and row["body"]
        # Not due yet: nothing is sent again at once.
        assert await sms.run_once(box.gateway) == 0
        clock.now = row["available_at"] + timedelta(seconds=1)
        assert await sms.run_once(box.gateway) == 1
    assert len(box.received) == 2
    assert all(r["authorization"] == f"Bearer {KEY}" for r in box.received)
    assert box.received[1]["body"]["to"] == phone and code in box.received[1]["body"]["text"]
    row = await SmsMessage.select().where(SmsMessage.phone == phone).first()
    assert row is not None
    assert (row["state"], row["attempts"], row["body"]) == ("sent", 2, "")


async def test_a_message_not_sent_before_its_code_expires_is_dropped(clock: Any) -> None:
    await drain()
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.VERIFY)
    clock.now = utcnow() + timedelta(minutes=6)
    async with loopback_gateway() as box:
        assert box.gateway is not None
        assert await sms.run_once(box.gateway) == 0
    assert box.received == []
    row = await SmsMessage.select(SmsMessage.state, SmsMessage.body).where(
        SmsMessage.phone == phone
    )
    assert row == [{"state": "expired", "body": ""}]


async def test_a_refusing_gateway_is_not_retried() -> None:
    await drain()
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.VERIFY)
    async with loopback_gateway() as box:
        assert box.gateway is not None
        box.statuses = [400]
        assert await sms.run_once(box.gateway) == 1
    row = await SmsMessage.select(SmsMessage.state).where(SmsMessage.phone == phone).first()
    assert row == {"state": "failed"}


async def test_the_log_gateway_writes_the_code_to_the_log(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    await drain()
    phone = new_phone()
    await phone_codes.issue(phone, Purpose.RECOVER)
    code = await sms_code(phone)
    with caplog.at_level(logging.WARNING, logger="motcua.sms"):
        assert await sms.run_once(LogGateway()) == 1
    assert any(phone in r.getMessage() and code in r.getMessage() for r in caplog.records)
    assert code in capsys.readouterr().err


# --- what an account sees ----------------------------------------------------------------------


async def test_nothing_filed_at_the_counter_is_visible_before_the_proof(app: Litestar) -> None:
    phone = new_phone()
    async with (
        another_client(app, "198.51.100.81") as counter,
        another_client(app, "198.51.100.82") as citizen,
    ):
        dossier = await walk_in(counter, phone)
        await register(citizen, phone, prove=False)
        page = await citizen.get("/verify-phone?next=/my/dossiers")
        code_input = soup(page.text).select_one("input[name=code]")
        assert code_input is not None
        assert code_input["inputmode"] == "numeric"
        assert code_input["autocomplete"] == "one-time-code"
        # Before the code: not in the list, not openable, not its receipt; a wrong code
        # changes nothing.
        assert dossier["code"] not in (await citizen.get("/my/dossiers")).text
        assert (await citizen.get(f"/dossiers/{dossier['id']}")).status_code == 404
        bad = await post_form(citizen, "/verify-phone", code=wrong(await sms_code(phone)))
        assert bad.status_code == 422 and "code" in field_errors(bad.text)
        assert dossier["code"] not in (await citizen.get("/my/dossiers")).text
        # The right code: the walk-in is theirs, with a claim step saying how.
        await prove_phone(citizen, phone)
        assert dossier["code"] in (await citizen.get("/my/dossiers")).text
        assert (await citizen.get(f"/dossiers/{dossier['id']}")).status_code == 200
        step = (
            await DossierEvent.select(DossierEvent.action, DossierEvent.data)
            .where(DossierEvent.dossier == dossier["id"])
            .order_by(DossierEvent.seq, ascending=False)
            .first()
        )
        assert step is not None and step["action"] == "claim" and "phone" in str(step["data"])
        # The receipt's claim code now just leads to it.
        r = await post_form(
            citizen, "/my/dossiers/claim", code=dossier["code"], claim_code=dossier["claim_code"]
        )
        assert r.status_code == 303
        # A walk-in filed after the proof goes straight to the account.
        later = await walk_in(counter, phone, claim_code=False)
        assert later["code"] in (await citizen.get("/my/dossiers")).text


async def test_an_old_walk_in_of_a_number_does_not_follow_a_new_holder(
    app: Litestar, clock: Any
) -> None:
    """A carrier gives a long-unused number to someone new: that person proving it must not
    bring in what its former holder filed months ago (the receipt's code still can)."""
    phone = new_phone()
    async with (
        another_client(app, "198.51.100.83") as counter,
        another_client(app, "198.51.100.84") as newcomer,
    ):
        old = await walk_in(counter, phone)
        clock.now = utcnow() + timedelta(days=120)
        await register(newcomer, phone)
        assert old["code"] not in (await newcomer.get("/my/dossiers")).text
        row = await Dossier.select(Dossier.citizen).where(Dossier.id == old["id"]).first()
        assert row is not None and row["citizen"] == old["citizen"]


async def test_an_older_account_is_asked_to_prove_its_phone_but_not_locked_out(
    client: Client,
) -> None:
    phone = await register(client, prove=False)  # as the accounts made before this change
    await User.update({User.phone_verified_at: None}).where(User.login == phone)
    client.cookies.clear()
    r = await post_login(client, phone, CITIZEN_PASSWORD, next="/my/dossiers")
    assert r.status_code == 303
    assert r.headers["location"] == "/verify-phone?next=/my/dossiers"
    page = await client.get(r.headers["location"])
    later = soup(page.text).find("a", string="Để sau")
    assert later is not None and later["href"] == "/my/dossiers"
    assert (await client.get("/my/dossiers")).status_code == 200
    # The code is sent when asked for, then typed back.
    assert (await post_form(client, "/verify-phone/send", next="/my/dossiers")).status_code == 200
    await prove_phone(client, phone)
    row = await User.select(User.phone_verified_at).where(User.login == phone).first()
    assert row is not None and row["phone_verified_at"] is not None
    # Proven: the next sign-in goes straight on.
    client.cookies.clear()
    r = await post_login(client, phone, CITIZEN_PASSWORD)
    assert r.headers["location"] == "/my/dossiers"


# --- "Quên mật khẩu?" --------------------------------------------------------------------------


async def forgot(client: Client, phone: str) -> Any:
    await client.get("/forgot-password")
    return await post_form(client, "/forgot-password", phone=phone)


async def test_recovery_ends_every_session_and_token(app: Litestar) -> None:
    async with (
        another_client(app, "198.51.100.91") as phone_browser,
        another_client(app, "198.51.100.92") as laptop,
        another_client(app, "198.51.100.93") as helper,
    ):
        phone = await register(phone_browser)
        await post_login(laptop, phone, CITIZEN_PASSWORD)
        user = await User.select(User.id).where(User.login == phone).first()
        assert user is not None
        token = await bearer(user["id"])
        for c in (phone_browser, laptop):
            assert (await c.get("/my/dossiers")).status_code == 200
        assert (await helper.get("/api/v1/dossiers/", headers=token)).status_code == 200

        login_page = await helper.get("/login")
        assert soup(login_page.text).find("a", string="Quên mật khẩu?")["href"] == (
            "/forgot-password"
        )
        page = await forgot(helper, phone)
        assert page.status_code == 200
        new_password = "mua-xuan-ve-tren-pho"
        r = await post_form(
            helper,
            "/forgot-password/reset",
            phone=phone,
            code=await sms_code(phone),
            password=new_password,
            password_again=new_password,
        )
        assert r.status_code == 303, r.text
        # The helper's browser is signed in anew; everything from before is signed out.
        assert (await helper.get("/my/dossiers")).status_code == 200
        for c in (phone_browser, laptop):
            assert (await c.get("/my/dossiers", follow_redirects=False)).status_code in (302, 303)
        assert (await helper.get("/api/v1/dossiers/", headers=token)).status_code == 401
        laptop.cookies.clear()
        assert (await post_login(laptop, phone, CITIZEN_PASSWORD)).status_code == 422
        laptop.cookies.clear()
        assert (await post_login(laptop, phone, new_password)).status_code == 303


def _without(html: str, *parts: str) -> str:
    page = soup(html).select_one("main") or soup(html)
    for hidden in page.select("input[type=hidden]"):
        hidden.decompose()
    text = " ".join(page.get_text(" ").split())
    for part in parts:
        text = text.replace(part, "#")
    return text


async def test_recovery_reveals_nothing_about_a_number(app: Litestar) -> None:
    async with (
        another_client(app, "198.51.100.94") as owner,
        another_client(app, "198.51.100.95") as stranger,
    ):
        known = await register(owner)
        unknown = new_phone()
        pages = [await forgot(stranger, n) for n in (known, unknown)]
        assert [p.status_code for p in pages] == [200, 200]
        assert _without(pages[0].text, known) == _without(pages[1].text, unknown)
        answers = []
        for number in (known, unknown):
            r = await post_form(
                stranger,
                "/forgot-password/reset",
                phone=number,
                code="123456",
                password="mua-xuan-ve-tren-pho",
                password_again="mua-xuan-ve-tren-pho",
            )
            answers.append((r.status_code, field_errors(r.text)))
        assert answers[0] == answers[1]
        assert answers[0][0] == 422
        # Only the number with an account got a message.
        assert await SmsMessage.count().where(SmsMessage.phone == unknown) == 0


async def test_changing_the_phone_number_needs_a_code_to_the_new_one(client: Client) -> None:
    old = await register(client)
    new = new_phone()
    r = await post_form(client, "/account/phone", phone=new, password="sai-mat-khau-roi")
    assert r.status_code == 422 and "password" in field_errors(r.text)
    r = await post_form(client, "/account/phone", phone=new, password=CITIZEN_PASSWORD)
    assert r.status_code == 200
    bad = await post_form(client, "/account/phone/confirm", phone=new, code="000000")
    assert bad.status_code == 422
    assert await User.exists().where(User.login == old)
    r = await post_form(client, "/account/phone/confirm", phone=new, code=await sms_code(new))
    assert r.status_code == 303
    row = await User.select().where(User.login == new).first()
    assert row is not None and row["phone"] == new and row["phone_verified_at"] is not None
    client.cookies.clear()
    assert (await post_login(client, new, CITIZEN_PASSWORD)).headers["location"] == "/my/dossiers"


async def test_a_new_number_signs_out_every_other_browser_and_token(app: Litestar) -> None:
    """The number changes most often when the old phone is lost: whoever holds it may still
    be signed in there. The browser that changed the number stays signed in."""
    async with (
        another_client(app, "198.51.100.94") as mine,
        another_client(app, "198.51.100.95") as lost_phone,
    ):
        old = await register(mine)
        await post_login(lost_phone, old, CITIZEN_PASSWORD)
        user = await User.select(User.id).where(User.login == old).first()
        assert user is not None
        token = await bearer(user["id"])
        assert (await lost_phone.get("/my/dossiers")).status_code == 200
        new = new_phone()
        await post_form(mine, "/account/phone", phone=new, password=CITIZEN_PASSWORD)
        r = await post_form(mine, "/account/phone/confirm", phone=new, code=await sms_code(new))
        assert r.status_code == 303
        assert (await mine.get("/my/dossiers")).status_code == 200
        gone = await lost_phone.get("/my/dossiers", follow_redirects=False)
        assert gone.status_code in (302, 303)
        assert (await mine.get("/api/v1/dossiers/", headers=token)).status_code == 401


async def test_registration_sends_the_code_and_asks_for_it_next(client: Client) -> None:
    phone = new_phone()
    r = await post_form(
        client,
        "/register",
        phone=phone,
        full_name="Bà Tư",
        citizen_id="",
        password=CITIZEN_PASSWORD,
        password_again=CITIZEN_PASSWORD,
        next="/procedures",
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/verify-phone?next=/procedures"
    page = await client.get(r.headers["location"])
    assert re.search(r"\d{6}", await sms_code(phone))
    assert soup(page.text).select_one("form[action='/verify-phone'] input[name=code]")
    r = await post_form(client, "/verify-phone", code=await sms_code(phone), next="/procedures")
    assert (r.status_code, r.headers["location"]) == (303, "/procedures")
