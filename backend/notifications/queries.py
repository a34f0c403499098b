"""What the notification pages read: the inbox a page at a time, the bell's count, the
categories a person receives and their devices."""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from backend.access.user import CurrentUser
from backend.lib.pagination import PAGE_SIZE, Page, paginate
from backend.lib.prepared import prepared
from backend.notifications.categories import ESSENTIAL, LABELS
from backend.notifications.tables import Notification, NotificationPreference, PushSubscription

# Categories only staff receive; a citizen is not shown them.
STAFF_ONLY = frozenset({"staff"})


async def inbox(
    user_id: int, number: int = 1, query: dict[str, str] | None = None
) -> Page[dict[str, Any]]:
    """One page of a person's messages, newest first (the id follows the time of writing)."""
    mine = Notification.recipient == user_id
    return await paginate(
        Notification.select().where(mine).order_by(Notification.id, ascending=False),
        Notification.count().where(mine),
        number,
        PAGE_SIZE,
        query,
    )


def local_url(url: str) -> str:
    """A message links only within the site (a path), never elsewhere."""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return ""


def as_shown(item: dict[str, Any]) -> dict[str, Any]:
    """A message as the inbox page shows it: its link, and whether it is new to the reader."""
    return {**item, "link": local_url(item["url"] or ""), "new": item["read_at"] is None}


_UNREAD = prepared(
    lambda user: (
        Notification.select(Count())
        .where((Notification.recipient == user) & Notification.read_at.is_null())
        .first()
    )
)


async def unread_count(user_id: int) -> int:
    return int((await _UNREAD(user_id))["count"])


async def devices(user_id: int) -> list[dict[str, Any]]:
    return await PushSubscription.select(
        PushSubscription.id,
        PushSubscription.endpoint,
        PushSubscription.user_agent,
        PushSubscription.created_at,
        PushSubscription.last_success_at,
    ).where(PushSubscription.user == user_id)


async def enabled_categories(user_id: int) -> set[str]:
    off = await NotificationPreference.select(NotificationPreference.category).where(
        (NotificationPreference.user == user_id) & NotificationPreference.enabled.eq(False)
    )
    return set(LABELS) - {r["category"] for r in off}


async def categories(user: CurrentUser) -> list[dict[str, Any]]:
    """The settings' list: essential ones first (always on), then the ones a person may turn
    off."""
    enabled = await enabled_categories(user.id)
    shown = [c for c in LABELS if user.role.is_staff or c not in STAFF_ONLY]
    rows = [
        {
            "name": c,
            "label": LABELS[c],
            "essential": c in ESSENTIAL,
            "enabled": c in ESSENTIAL or c in enabled,
        }
        for c in shown
    ]
    return sorted(rows, key=lambda r: not r["essential"])
