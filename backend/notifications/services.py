"""Devices that receive push, the in-app inbox's messages, and per-person category choices
(written here; read by backend.notifications.queries)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from backend.lib.clock import utcnow
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


MAX_ENDPOINT = 2048  # real endpoints are a few hundred characters


def check_endpoint(endpoint: str) -> str:
    endpoint = endpoint.strip()
    if not endpoint or len(endpoint) > MAX_ENDPOINT:
        raise UserError(BAD_ENDPOINT, field="endpoint")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:  # a malformed host or port
        raise UserError(BAD_ENDPOINT, field="endpoint") from None
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin in get_settings().push_endpoint_allowlist:
        return endpoint
    host = (parts.hostname or "").lower()
    known = any(host == h or host.endswith("." + h) for h in KNOWN_PUSH_HOSTS)
    if parts.scheme != "https" or not known or parts.username or port not in (None, 443):
        raise UserError(BAD_ENDPOINT, field="endpoint")
    return endpoint


async def subscribe(user_id: int, endpoint: str, p256dh: str, auth: str, user_agent: str) -> int:
    endpoint = check_endpoint(endpoint)
    if not (40 <= len(p256dh) <= 200 and 8 <= len(auth) <= 100):
        raise UserError(N_("Khoá mã hoá của thiết bị không hợp lệ."), field="keys")
    # One row per endpoint: a browser that subscribes again (or changes hands) is updated.
    await PushSubscription.delete().where(PushSubscription.endpoint == endpoint)
    row = PushSubscription(
        user=user_id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        user_agent=user_agent[:300],
        created_at=utcnow(),
    )
    await row.save()
    return int(row.id)


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
