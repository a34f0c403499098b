"""The counter kiosk: a tablet on the desk where people tap a face after being served.

A counter officer puts the tablet in kiosk mode for their counter and chooses a PIN; the
tablet then keeps a secret in a cookie (only its hash is stored). Votes are anonymous: they
name the counter and the officer on duty at that moment, never the person. Stuffing is held
back by a per-device rate limit; leaving kiosk mode needs the staff PIN. A counter has one
kiosk at a time: setting one up ends the access of the counter's earlier tablets.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts import passwords, ratelimit
from backend.accounts.tables import User
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import Forbidden, FormErrors, TooManyRequests, UserError
from backend.lib.i18n import N_
from backend.ratings import duty
from backend.ratings import scale as scales
from backend.ratings.tables import KioskDevice, Rating

COOKIE = "mc_kiosk"
# At most this many votes per device in a (sliding) minute, against a script or a stuck finger.
# A counter serves one person at a time, and the kiosk itself takes at most one tap per
# thank-you screen (4 s), about 13 a minute: 30 leaves room for a burst (a family voting one
# after another, votes queued during a network blip arriving together) and still refuses a
# loop. A refused vote is never lost silently: the person at the tablet is told, and a vote
# queued earlier is sent again after the Retry-After the refusal gives (static/js/kiosk.js).
VOTES_PER_MINUTE = 30
PIN_TRIES = 5  # per device per 15 minutes
PIN_WINDOW = timedelta(minutes=15)
MINUTE = timedelta(minutes=1)


class KioskBusy(TooManyRequests):
    """Votes came faster than VOTES_PER_MINUTE; `retry_after` seconds until one fits again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            N_(
                "Máy đang nhận quá nhiều lượt đánh giá nên chưa ghi nhận được đánh giá của bạn. "
                "Vui lòng đợi khoảng {seconds} giây rồi chọn lại."
            ),
            seconds=retry_after,
        )
        self.retry_after = retry_after


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(user: CurrentUser, pin: str, pin_again: str) -> str:
    """Put this tablet in kiosk mode for the officer's counter; returns the device secret."""
    if user.role is not Role.COUNTER:
        raise Forbidden(N_("Chỉ cán bộ Bộ phận Một cửa cài đặt máy đánh giá tại quầy."))
    row = await User.select(User.counter).where(User.id == user.id).first()
    counter = row["counter"] if row else None
    errors: list[UserError] = []
    if counter is None:
        errors.append(UserError(N_("Tài khoản của bạn chưa gắn với quầy nào."), field="_"))
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        errors.append(UserError(N_("Mã PIN gồm 4 đến 8 chữ số."), field="pin"))
    elif pin != pin_again:
        errors.append(UserError(N_("Hai lần nhập mã PIN không khớp."), field="pin_again"))
    if errors:
        raise FormErrors(errors)
    token = secrets.token_urlsafe(32)
    pin_hash = passwords.hash_secret(pin)  # slow: outside the write lock
    async with write_transaction():
        # One kiosk per counter: a tablet replaced (or set up again after a lost cookie) must
        # not keep voting for the counter. Its screen then asks for a new setup.
        await KioskDevice.update({KioskDevice.active: False}).where(
            (KioskDevice.counter == counter) & KioskDevice.active.eq(True)
        )
        await KioskDevice.insert(
            KioskDevice(
                token_hash=_digest(token),
                counter=counter,
                created_by=user.id,
                pin_hash=pin_hash,
                created_at=utcnow(),
            )
        )
    return token


async def active_at_counter(user: CurrentUser) -> list[dict[str, Any]]:
    """The kiosks now taking votes for the officer's counter (a new setup would end them)."""
    row = await User.select(User.counter).where(User.id == user.id).first()
    if row is None or row["counter"] is None:
        return []
    return await (
        KioskDevice.select(
            KioskDevice.id,
            KioskDevice.created_at,
            KioskDevice.created_by.full_name.as_alias("created_by_name"),
        )
        .where((KioskDevice.counter == row["counter"]) & KioskDevice.active.eq(True))
        .order_by(KioskDevice.created_at)
    )


async def device(token: str | None) -> dict[str, Any] | None:
    """The kiosk behind a cookie, with its counter's number, or None."""
    if not token:
        return None
    return await (
        KioskDevice.select(
            *KioskDevice.all_columns(),
            KioskDevice.counter.number.as_alias("counter_number"),
            KioskDevice.counter.name.as_alias("counter_name"),
        )
        .where((KioskDevice.token_hash == _digest(token)) & KioskDevice.active.eq(True))
        .first()
    )


async def ended(token: str | None) -> bool:
    """The cookie names a kiosk whose access ended (its counter was set up on another tablet)."""
    if not token:
        return False
    return await KioskDevice.exists().where(
        (KioskDevice.token_hash == _digest(token)) & KioskDevice.active.eq(False)
    )


async def officer_name(counter_id: int) -> str:
    officer = await duty.on_duty(counter_id, utcnow())
    if officer is None:
        return ""
    row = await User.select(User.full_name).where(User.id == officer).first()
    return row["full_name"] if row else ""


async def vote(kiosk: dict[str, Any], level: Any, client_key: str) -> bool:
    """Record one tap; returns False when it is a replay of a vote already counted."""
    key = f"{kiosk['id']}:{client_key.strip()[:60]}" if client_key.strip() else None
    if key and await Rating.exists().where(Rating.client_key == key):
        return False
    bucket_key = str(kiosk["id"])
    taken = await ratelimit.take("kiosk", bucket_key, VOTES_PER_MINUTE, MINUTE)
    if not taken.allowed:
        # A refused vote does not count against the tablet: the vote sent again after
        # Retry-After finds room, and a loop is held at VOTES_PER_MINUTE all the same.
        await ratelimit.refund("kiosk", bucket_key, MINUTE)
        raise KioskBusy(taken.retry_after)
    scale = await scales.current()
    value = scales.parse_level(level, scale)
    now = utcnow()
    try:
        await Rating.insert(
            Rating(
                source="kiosk",
                scale=scale,
                level=value,
                satisfied=scales.satisfied(value, scale),
                counter=kiosk["counter"],
                officer=await duty.on_duty(kiosk["counter"], now),
                device=kiosk["id"],
                client_key=key,
                created_at=now,
                updated_at=now,
            )
        )
    except Exception as exc:  # the same vote replayed at the same moment
        if key and is_unique_violation(exc):
            await ratelimit.refund("kiosk", bucket_key, MINUTE)
            return False
        raise
    return True


async def leave(kiosk: dict[str, Any], pin: str) -> None:
    """Leave kiosk mode with the staff PIN (tries are limited)."""
    bucket_key = str(kiosk["id"])
    # Counted before the check: parallel guesses of the PIN cannot all be tried.
    if not (await ratelimit.take("kiosk-pin", bucket_key, PIN_TRIES, PIN_WINDOW)).allowed:
        raise TooManyRequests(N_("Nhập sai mã PIN quá nhiều lần. Thử lại sau 15 phút."))
    if not passwords.matches(kiosk["pin_hash"], pin.strip()):
        raise FormErrors([UserError(N_("Mã PIN không đúng."), field="pin")])
    await ratelimit.reset("kiosk-pin", bucket_key)
    await KioskDevice.update({KioskDevice.active: False}).where(KioskDevice.id == kiosk["id"])
