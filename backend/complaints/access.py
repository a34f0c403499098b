"""Who may open a complaint: its handlers, the signed-in citizen who filed it, or whoever
knows its code and the filer's phone number (the only key of someone filing without an account,
like the public dossier lookup). Wrong pairs answer like unknown codes and count against the
caller's IP address; too many, and the address waits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from backend.access.user import CurrentUser
from backend.accounts import ratelimit
from backend.complaints.schemas import code_of
from backend.complaints.tables import Complaint
from backend.complaints.workflow import may_handle
from backend.lib.errors import NotFound, TooManyRequests, UserError
from backend.lib.i18n import N_
from backend.lib.validation import normalize_phone
from backend.settings import get_settings

LOOKUP_WINDOW = timedelta(minutes=10)
LOOKUP_LIMIT_PER_IP = 30
NOT_FOUND = N_("Không tìm thấy phản ánh với mã và số điện thoại này. Vui lòng kiểm tra lại.")


def link_key(code: str, phone: str) -> str:
    """What the filer's links carry instead of their phone number: a key signed with the
    server's secret, so that the number never sits in addresses, browser history or logs."""
    secret = get_settings().secret_key.encode()
    digest = hmac.new(secret, f"complaint:{code_of(code)}:{phone}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode()


async def phone_from_key(code: str, key: str) -> str:
    """The filer's phone number when `key` is their link key for this complaint, else ""."""
    if not key:
        return ""
    row = await by_code(code)
    if row is None or not row["filer_phone"]:
        return ""
    expected = link_key(row["code"], row["filer_phone"])
    return str(row["filer_phone"]) if secrets.compare_digest(expected, key[:40]) else ""


class PhoneNeeded(Exception):
    """The complaint exists, but this visitor must prove they filed it."""


async def by_code(code: str) -> dict[str, Any] | None:
    return await Complaint.select().where(Complaint.code == code_of(code)).first()


async def by_id(complaint_id: int) -> dict[str, Any] | None:
    return await Complaint.select().where(Complaint.id == complaint_id).first()


def is_filer(user: CurrentUser | None, complaint: dict[str, Any]) -> bool:
    return user is not None and complaint["filer"] is not None and complaint["filer"] == user.id


async def for_filer(code: str, user: CurrentUser | None, phone: str, ip: str) -> dict[str, Any]:
    """The complaint, if this visitor filed it. Without a phone number to check, a visitor who
    is not the signed-in filer gets PhoneNeeded (or NotFound for an unknown code, which is
    cheap to learn anyway: codes are sequential)."""
    row = await by_code(code)
    if row is not None and is_filer(user, row):
        return row
    if not phone:
        if row is None:
            raise NotFound(NOT_FOUND)
        raise PhoneNeeded()
    # Counted before the check, so parallel guesses cannot all pass; a right answer is
    # refunded: the filer's own page asks again for every thumbnail.
    if not (
        await ratelimit.take("complaint-lookup", ip, LOOKUP_LIMIT_PER_IP, LOOKUP_WINDOW)
    ).allowed:
        raise TooManyRequests(N_("Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."))
    try:
        phone = normalize_phone(phone)
    except UserError:
        phone = ""
    if row is None or row["filer_phone"] != phone:
        raise NotFound(NOT_FOUND)
    await ratelimit.refund("complaint-lookup", ip, LOOKUP_WINDOW)
    return row


async def for_handler(user: CurrentUser, complaint_id: int) -> dict[str, Any]:
    """A complaint for its handlers; to anybody else it does not exist."""
    row = await by_id(complaint_id)
    if row is None or not may_handle(user, row):
        raise NotFound(N_("Không tìm thấy phản ánh này."))
    return row


async def for_attachment(
    code: str, user: CurrentUser | None, phone: str, ip: str
) -> dict[str, Any]:
    """The complaint whose attachment is asked for, to its handlers and its filer only: the
    papers are private, and to anybody else the file does not exist."""
    row = await by_code(code)
    if row is not None and may_handle(user, row):
        return row
    try:
        return await for_filer(code, user, phone, ip)
    except PhoneNeeded:
        raise NotFound(N_("Không tìm thấy tệp.")) from None
