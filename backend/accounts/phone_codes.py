"""One-time codes that prove a person holds a phone: 6 digits by SMS, 5 minutes, 5 tries.

- One live code per (purpose, phone): a new one replaces the previous one (an upsert on the
  row's slot), so an old SMS stops working as soon as a new one is asked for.
- Only an HMAC of the code is stored, keyed with the app's secret over purpose, phone and
  code: a code sent for one purpose never matches another purpose's row, nor another number.
- Each try is counted (an atomic update) before the comparison, which is constant-time; after
  MAX_TRIES wrong tries the code is dead. A right code is consumed by a conditional delete,
  so two requests racing with it cannot both use it.
- Sending is throttled per number (someone's phone must not be flooded, and SMS cost money)
  and per address; tries are throttled per address too (guessing across many numbers).
- Every failure reads the same ("wrong or expired"), whether or not a code or an account
  exists, so the recovery form reveals nothing about a number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import StrEnum

from backend.accounts import ratelimit, sms
from backend.accounts.tables import PhoneCode
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import TooManyRequests, UserError
from backend.lib.i18n import N_
from backend.settings import get_settings

CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
SENDS_PER_PHONE, SEND_WINDOW = 3, timedelta(minutes=15)
SENDS_PER_IP, IP_WINDOW = 10, timedelta(hours=1)
TRIES_PER_IP = 30
WRONG = N_(
    "Mã không đúng hoặc đã hết hạn. Mỗi mã dùng được 5 phút và nhập sai tối đa 5 lần; "
    "hãy bấm “Gửi lại mã” để nhận mã mới."
)


class Purpose(StrEnum):
    VERIFY = "verify"  # the account's own number (registration, or an account made earlier)
    CHANGE = "change"  # a new number for a signed-in account
    RECOVER = "recover"  # "Quên mật khẩu?"


# Without diacritics: a plain-text SMS of up to 160 characters is one message on any phone
# (with Vietnamese diacritics it would be UCS-2, 70 characters a message).
_TEXTS = {
    Purpose.VERIFY: "Ma xac nhan so dien thoai MotCua: {code}. Hieu luc 5 phut.",
    Purpose.CHANGE: "Ma xac nhan doi so dien thoai MotCua: {code}. Hieu luc 5 phut.",
    Purpose.RECOVER: "Ma dat lai mat khau MotCua: {code}. Hieu luc 5 phut.",
}
_WARNING = " Khong dua ma nay cho bat ky ai, ke ca can bo."


def _hash(purpose: Purpose, phone: str, code: str) -> str:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, f"{purpose}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _slot(purpose: Purpose, phone: str) -> str:
    return f"{purpose}:{phone}"


async def throttle_send(phone: str, ip: str) -> None:
    """Count a request for a code; refuse it over the limits. Counted whether or not a code
    is then sent, so the answer is the same for a number with or without an account."""
    number = await ratelimit.take("sms-phone", phone, SENDS_PER_PHONE, SEND_WINDOW)
    address = await ratelimit.take("sms-ip", ip, SENDS_PER_IP, IP_WINDOW)
    if not (number.allowed and address.allowed):
        wait = max(number.retry_after if not number.allowed else 0, address.retry_after)
        raise TooManyRequests(
            N_("Bạn đã yêu cầu gửi mã nhiều lần. Vui lòng thử lại sau {minutes} phút."),
            field="code",
            minutes=max(1, -(-wait // 60)),
        )


async def issue(phone: str, purpose: Purpose, user_id: int | None = None) -> None:
    """A new code for (purpose, phone), replacing any earlier one, and its SMS in the outbox,
    in one transaction."""
    code = f"{secrets.randbelow(10**6):06d}"
    now = utcnow()
    expires = now + CODE_TTL
    async with write_transaction():
        await PhoneCode.raw(
            'INSERT INTO phone_code (slot, phone, purpose, "user", code_hash, tries, created_at, '
            "expires_at) VALUES ({}, {}, {}, {}, {}, 0, {}, {}) ON CONFLICT (slot) DO UPDATE SET "
            '"user" = excluded."user", code_hash = excluded.code_hash, tries = 0, '
            "created_at = excluded.created_at, expires_at = excluded.expires_at",
            _slot(purpose, phone),
            phone,
            purpose.value,
            user_id,
            _hash(purpose, phone, code),
            now,
            expires,
        )
        await sms.enqueue(phone, _TEXTS[purpose].format(code=code) + _WARNING, expires)


async def has_live_code(phone: str, purpose: Purpose) -> bool:
    return await PhoneCode.exists().where(
        (PhoneCode.slot == _slot(purpose, phone))
        & (PhoneCode.expires_at > utcnow())
        & (PhoneCode.tries < MAX_TRIES)
    )


async def use(
    phone: str, purpose: Purpose, typed: str, ip: str, user_id: int | None = None
) -> None:
    """Accept and consume the code typed for (purpose, phone), sent for `user_id`; raise
    UserError (always the same message) otherwise."""
    address = await ratelimit.take("code-ip", ip, TRIES_PER_IP, IP_WINDOW)
    if not address.allowed:
        raise TooManyRequests(
            N_("Bạn đã nhập mã nhiều lần. Vui lòng thử lại sau {minutes} phút."),
            field="code",
            minutes=max(1, -(-address.retry_after // 60)),
        )
    code = "".join(ch for ch in typed if ch.isdigit())
    slot = _slot(purpose, phone)
    # The try is counted (and committed) before the comparison.
    rows = (
        await PhoneCode.update({PhoneCode.tries: PhoneCode.tries + 1})
        .where(
            (PhoneCode.slot == slot)
            & (PhoneCode.tries < MAX_TRIES)
            & (PhoneCode.expires_at > utcnow())
        )
        .returning(PhoneCode.id, PhoneCode.code_hash, PhoneCode.user)
    )
    expected = rows[0]["code_hash"] if rows else _hash(purpose, phone, "-")
    matches = hmac.compare_digest(_hash(purpose, phone, code), expected)
    if not rows or not matches or len(code) != 6 or rows[0]["user"] != user_id:
        raise UserError(WRONG, field="code")
    used = (
        await PhoneCode.delete()
        .where((PhoneCode.id == rows[0]["id"]) & (PhoneCode.code_hash == expected))
        .returning(PhoneCode.id)
    )
    if not used:  # another request used it a moment ago
        raise UserError(WRONG, field="code")
    # Only wrong tries count against the address (many people may share one: a carrier's NAT).
    await ratelimit.refund("code-ip", ip, IP_WINDOW)


async def prune() -> None:
    await PhoneCode.delete().where(PhoneCode.expires_at < utcnow())
    await sms.prune()
