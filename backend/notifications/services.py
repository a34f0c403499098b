"""Devices that receive push, the in-app inbox's messages, and per-person category choices
(written here; read by backend.notifications.queries)."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import UserError
from backend.lib.i18n import N_
from backend.notifications.categories import ESSENTIAL, LABELS, category_of
from backend.notifications.tables import (
    Notification,
    NotificationPreference,
    OutboxItem,
    PushSubscription,
)
from backend.settings import get_settings

# The browsers' push services. A subscription endpoint is a URL the server will POST to, so
# anything else is refused: it must not become a way to make the server call arbitrary hosts.
KNOWN_PUSH_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Edge on Android, most Android browsers
    "push.services.mozilla.com",  # Firefox (updates.push.services.mozilla.com)
    "push.apple.com",  # Safari, iOS home-screen apps (web.push.apple.com)
    "notify.windows.com",  # Edge on Windows (wns2-*.notify.windows.com)
)
BAD_ENDPOINT = N_("Địa chỉ nhận thông báo không thuộc dịch vụ push của trình duyệt.")
BAD_KEYS = N_("Khóa mã hóa của thiết bị không hợp lệ.")

MAX_ENDPOINT = 2048  # real endpoints are a few hundred characters
# A URL as push services hand it out: printable ASCII, no space. Control characters (a CR LF
# inside would be stored and later written into a request), spaces and non-ASCII letters
# (look-alike host names) are refused, never cleaned up.
URL_CHARACTERS = re.compile(r"[\x21-\x7e]+")
# RFC 8291: the browser's P-256 public key as an uncompressed point, and its auth secret.
P256DH_BYTES = 65
AUTH_BYTES = 16
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def check_endpoint(endpoint: str) -> str:
    if len(endpoint) > MAX_ENDPOINT or not URL_CHARACTERS.fullmatch(endpoint):
        raise UserError(BAD_ENDPOINT, field="endpoint")
    # A fragment means nothing to a push service; a backslash is read as a slash by some URL
    # parsers and not by others.
    if "#" in endpoint or "\\" in endpoint:
        raise UserError(BAD_ENDPOINT, field="endpoint")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:  # a malformed host or port
        raise UserError(BAD_ENDPOINT, field="endpoint") from None
    if not parts.path.startswith("/"):
        raise UserError(BAD_ENDPOINT, field="endpoint")
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin in get_settings().push_endpoint_allowlist:
        return endpoint
    host = (parts.hostname or "").lower()
    known = any(host == h or host.endswith("." + h) for h in KNOWN_PUSH_HOSTS)
    if parts.scheme != "https" or not known or parts.username or port not in (None, 443):
        raise UserError(BAD_ENDPOINT, field="endpoint")
    return endpoint


def _base64url(text: str, size: int) -> bytes | None:
    """`size` bytes written in base64url, with or without its padding; None otherwise."""
    unpadded = text.rstrip("=")
    padded = unpadded + "=" * (-len(unpadded) % 4)
    if len(unpadded) != (size * 4 + 2) // 3 or not BASE64URL.fullmatch(unpadded):
        return None
    if text not in (unpadded, padded):
        return None  # padding, but not the right amount
    return base64.urlsafe_b64decode(padded)


def check_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The device's keys, without padding, as browsers send them; refused unless the public
    key is a point of P-256 (the message could not be encrypted for it) and the auth secret
    is 16 bytes."""
    point, secret = _base64url(p256dh, P256DH_BYTES), _base64url(auth, AUTH_BYTES)
    if point is None or secret is None:
        raise UserError(BAD_KEYS, field="keys")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise UserError(BAD_KEYS, field="keys") from None
    return p256dh.rstrip("="), auth.rstrip("=")


async def subscribe(user_id: int, endpoint: str, p256dh: str, auth: str, user_agent: str) -> int:
    """One row per endpoint per account: the same browser subscribing again for the same
    person updates its keys; another person signed in on that browser gets a row of their
    own (the unique index on (user, endpoint) makes two concurrent requests one row)."""
    endpoint = check_endpoint(endpoint)
    p256dh, auth = check_keys(p256dh, auth)
    row = PushSubscription(
        user=user_id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        user_agent=user_agent[:300],
        created_at=utcnow(),
    )
    saved = (
        await PushSubscription.insert(row)
        .on_conflict(
            target=(PushSubscription.user, PushSubscription.endpoint),
            action="DO UPDATE",
            values=[PushSubscription.p256dh, PushSubscription.auth, PushSubscription.user_agent],
        )
        .returning(PushSubscription.id)
    )
    return int(saved[0]["id"])


async def unsubscribe(user_id: int, endpoint: str) -> bool:
    gone = (
        await PushSubscription.delete()
        .where((PushSubscription.user == user_id) & (PushSubscription.endpoint == endpoint))
        .returning(PushSubscription.id)
    )
    return bool(gone)


async def set_category(user_id: int, category: str, enabled: bool) -> None:
    if category not in LABELS:
        raise UserError(N_("Không có loại thông báo này."))
    if category in ESSENTIAL and not enabled:
        raise UserError(N_("Thông báo này quan trọng nên luôn được gửi."))
    await NotificationPreference.delete().where(
        (NotificationPreference.user == user_id) & (NotificationPreference.category == category)
    )
    if not enabled:
        await NotificationPreference.insert(
            NotificationPreference(user=user_id, category=category, enabled=False)
        )


async def choose_categories(user_id: int, choices: dict[str, bool]) -> None:
    """A person's choice of categories (the settings page's form, the API's PUT): each named
    category on or off, the others as they were. All or nothing: one refused choice (an
    unknown category, an essential one turned off) leaves every category as it was."""
    async with write_transaction():
        for category in sorted(choices):
            await set_category(user_id, category, choices[category])


async def deliver(
    *,
    recipient: int,
    dossier_id: int | None,
    kind: str,
    title: str,
    body: str,
    url: str,
    now: datetime,
) -> int:
    """The inbox message, and one outbox row per device that wants this category.

    Runs inside the caller's transaction, so the message exists exactly when its cause does.
    """
    note = Notification(
        recipient=recipient,
        dossier=dossier_id,
        kind=kind,
        title=title[:200],
        body=body,
        url=url,
        created_at=now,
    )
    await note.save()
    category = category_of(kind)
    wanted = category in ESSENTIAL or not await NotificationPreference.exists().where(
        (NotificationPreference.user == recipient)
        & (NotificationPreference.category == category)
        & NotificationPreference.enabled.eq(False)
    )
    if wanted:
        for device in await PushSubscription.select(PushSubscription.id).where(
            PushSubscription.user == recipient
        ):
            await OutboxItem.insert(
                OutboxItem(notification=note.id, subscription=device["id"], available_at=now)
            )
    return int(note.id)


async def mark_read(user_id: int, notification_id: int | None = None) -> None:
    q = Notification.update({Notification.read_at: utcnow()}).where(
        (Notification.recipient == user_id) & Notification.read_at.is_null()
    )
    if notification_id is not None:
        q = q.where(Notification.id == notification_id)
    await q
