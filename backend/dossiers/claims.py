"""Claiming a dossier filed at the counter: its code and the claim code on its receipt, or a
proven phone.

A walk-in dossier belongs to an account nobody signs in to (accounts.holder_account) until
the citizen, signed in to their own account, types the dossier's code and the claim code
printed on form 01. The claim code is derived from the dossier with the server's secret, so it
is never stored: a copy of the database alone does not give it. Tries are counted per person
and per address, before the codes are compared.

The second path (issue 15): a citizen who proved, by a code sent to it, that they hold the
number the counter typed gets the walk-ins filed for that number: those filed at most
PHONE_CLAIM_WINDOW before the proof (when the proof is made), and those filed later (when the
counter files them). Knowing a number is not enough: registering with it proves nothing
(accounts.phone), so an unproven account sees nothing it did not file or claim with a paper.
What remains (said in the report): whoever controls the SIM (a swapped SIM, a number the
carrier gave to someone new) gets what is filed for it; the window keeps a recycled number
from bringing in its former holder's older dossiers, and the paper claim code still works.
A draft being filed at the desk stays with the counter until it is received.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from backend.access.user import CurrentUser
from backend.accounts import ratelimit
from backend.accounts.hooks import PhoneProven
from backend.accounts.services import HOLDER_PREFIX, PLACEHOLDER_HASH, is_holder
from backend.accounts.tables import User
from backend.dossiers import events
from backend.dossiers.status import Status
from backend.dossiers.tables import Dossier
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Conflict, Forbidden, NotFound, TooManyRequests
from backend.lib.i18n import N_
from backend.settings import get_settings

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRIES_PER_PERSON = 10
TRIES_PER_ADDRESS = 30
WINDOW = timedelta(hours=1)
PHONE_CLAIM_WINDOW = timedelta(days=90)
WRONG = N_("Mã hồ sơ hoặc mã nhận hồ sơ không đúng. Vui lòng kiểm tra lại trên giấy tiếp nhận.")


def claim_code(dossier: dict[str, Any]) -> str:
    """The dossier's claim code, e.g. "K7QX-3M9P"."""
    secret = get_settings().secret_key.encode()
    message = f"claim:{dossier['id']}:{dossier['code']}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    chars = "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:8])
    return f"{chars[:4]}-{chars[4:]}"


def _normalized(typed: str) -> str:
    text = "".join(ch for ch in typed.upper() if ch.isalnum())
    return f"{text[:4]}-{text[4:]}" if len(text) == 8 else text


async def claimable(dossier: dict[str, Any]) -> bool:
    """Filed at the counter and not yet claimed by anybody."""
    return bool(dossier["code"]) and dossier["channel"] == 1 and await is_holder(dossier["citizen"])


async def claim(user: CurrentUser, code: str, typed: str, ip: str) -> int:
    """Make the dossier with this code the signed-in citizen's; returns its id."""
    if not user.is_citizen:
        raise Forbidden(N_("Chỉ tài khoản công dân mới nhận hồ sơ."))
    person = await ratelimit.take("claim", str(user.id), TRIES_PER_PERSON, WINDOW)
    address = await ratelimit.take("claim-ip", ip, TRIES_PER_ADDRESS, WINDOW)
    if not (person.allowed and address.allowed):
        raise TooManyRequests(N_("Bạn nhập sai nhiều lần. Vui lòng thử lại sau một giờ."))
    row = await Dossier.select().where(Dossier.code == code.strip().upper()[:40]).first()
    if row is not None and row["citizen"] == user.id:
        return int(row["id"])  # already theirs (e.g. through their proven phone)
    if row is None or not await claimable(row):
        raise NotFound(WRONG, field="claim_code")
    if not secrets.compare_digest(_normalized(typed), claim_code(row)):
        raise NotFound(WRONG, field="claim_code")
    now = utcnow()
    async with write_transaction():
        moved = (
            await Dossier.update({Dossier.citizen: user.id, Dossier.updated_at: now})
            .where((Dossier.id == row["id"]) & (Dossier.citizen == row["citizen"]))
            .returning(Dossier.id)
        )
        if not moved:
            raise Conflict(N_("Hồ sơ này vừa được nhận. Vui lòng tải lại trang."))
        await events.record_step(row, "claim", now, user, data={"holder": row["citizen"]})
    return int(row["id"])


async def _move(rows: list[dict[str, Any]], user: CurrentUser, how: str) -> list[int]:
    """Each held dossier becomes the citizen's, with a claim step in its history."""
    moved_ids: list[int] = []
    now = utcnow()
    async with write_transaction():
        for row in rows:
            moved = (
                await Dossier.update({Dossier.citizen: user.id, Dossier.updated_at: now})
                .where((Dossier.id == row["id"]) & (Dossier.citizen == row["citizen"]))
                .returning(Dossier.id)
            )
            if moved:
                data = {"holder": row["citizen"], "by": how}
                await events.record_step(row, "claim", now, user, data=data)
                moved_ids.append(int(row["id"]))
    return moved_ids


async def _held_for(phone: str, since: Any = None, dossier_id: int | None = None) -> list[Any]:
    """Walk-ins received for `phone` still held by their placeholder account."""
    holders = User.select(User.id).where(
        (User.phone == phone)
        & (User.password_hash == PLACEHOLDER_HASH)
        & User.login.like(HOLDER_PREFIX + "%")
    )
    where = (
        Dossier.citizen.is_in(holders)
        & (Dossier.channel == 1)
        & (Dossier.status != Status.DRAFT)  # a draft still being filed at the desk is the counter's
        & (Dossier.applicant_phone == phone)
    )
    if since is not None:
        where &= Dossier.created_at >= since
    if dossier_id is not None:
        where &= Dossier.id == dossier_id
    return await Dossier.select().where(where)


async def claim_by_proven_phone(event: PhoneProven) -> None:
    """accounts.hooks.on_phone_proven: the walk-ins of the proven number become visible."""
    user_row = await User.select().where(User.id == event.user_id).first()
    if user_row is None or user_row["role"] != "citizen":
        return
    rows = await _held_for(event.phone, since=event.at - PHONE_CLAIM_WINDOW)
    if rows:
        await _move(rows, CurrentUser.from_row(user_row), "phone")


async def claim_after_intake(dossier_id: int) -> None:
    """A walk-in just received for a number an account has proven goes to that account."""
    row = await Dossier.select(Dossier.applicant_phone).where(Dossier.id == dossier_id).first()
    if row is None or not row["applicant_phone"]:
        return
    owner = (
        await User.select()
        .where(
            (User.login == row["applicant_phone"])
            & (User.role == "citizen")
            & User.active.eq(True)
            & User.phone_verified_at.is_not_null()
        )
        .first()
    )
    if owner is None:
        return
    rows = await _held_for(row["applicant_phone"], dossier_id=dossier_id)
    if rows:
        await _move(rows, CurrentUser.from_row(owner), "phone")
