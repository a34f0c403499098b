"""Claiming a dossier filed at the counter: its code and the claim code on its receipt.

A walk-in dossier belongs to an account nobody signs in to (accounts.holder_account) until
the citizen, signed in to their own account, types the dossier's code and the claim code
printed on form 01. The claim code is derived from the dossier with the server's secret, so it
is never stored: a copy of the database alone does not give it. Tries are counted per person
and per address, before the codes are compared.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from backend.access.user import CurrentUser
from backend.accounts import ratelimit
from backend.accounts.services import is_holder
from backend.dossiers import events
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
