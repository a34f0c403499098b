"""Pages: the in-app inbox (/inbox) and the notification settings (/settings/notifications).

Both work without JavaScript. The inbox keeps every message, so a person whose browser cannot
show push notifications (or who turned them off) misses nothing. Turning push on for a device
is done by /static/js/push.js against the JSON API (backend/notifications/api.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.access.guards import require_user, user_of
from backend.access.user import CurrentUser
from backend.lib.db import write_transaction
from backend.lib.errors import UserError
from backend.lib.web import form_errors, render, see_other
from backend.notifications import services
from backend.notifications.categories import ESSENTIAL, LABELS

# Repeated fields (a checkbox per category) arrive as a list, a single one as a string.
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

# Categories only staff receive; a citizen is not shown them.
STAFF_ONLY = frozenset({"staff"})


def _values(data: dict[str, Any], name: str) -> set[str]:
    value = data.get(name, [])
    return {value} if isinstance(value, str) else {str(v) for v in value}


def _local_url(url: str) -> str:
    """A message links only within the site (a path), never elsewhere."""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return ""


def _categories(user: CurrentUser, enabled: set[str]) -> list[dict[str, Any]]:
    """Essential ones first (always on), then the ones a person may turn off."""
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


async def settings_page(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Template:
    extra: dict[str, Any] = {}
    if request.method != "GET":  # the bell's count is only looked up for page views
        extra["unread"] = await services.unread_count(user.id)
    return render(
        request,
        "notifications/settings.html",
        status_code=status_code,
        **extra,
        categories=_categories(user, await services.enabled_categories(user.id)),
        devices=len(await services.devices(user.id)),
        errors=errors or {},
        saved=saved,
    )


class NotificationController(Controller):
    include_in_schema = False

    @get("/inbox")
    async def inbox(self, request: Request[Any, Any, Any]) -> Template:
        """Newest first; what was unread when the page opened is marked "Mới", and opening
        the page marks everything read (the bell then shows no count)."""
        user = require_user(request)
        items = [
            {**item, "link": _local_url(item["url"] or ""), "new": item["read_at"] is None}
            for item in await services.inbox(user.id)
        ]
        if any(item["new"] for item in items):
            await services.mark_read(user.id)
        return render(request, "notifications/inbox.html", items=items, unread=0)

    @get("/settings/notifications")
    async def settings(self, request: Request[Any, Any, Any], saved: str = "") -> Template:
        user = require_user(request)
        return await settings_page(request, user, saved=saved == "1")

    @post("/settings/notifications")
    async def save(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        """`shown` lists the categories the form let the person choose (the optional ones);
        each is on when its checkbox (`on`) was ticked. Essential ones cannot be turned off."""
        user = require_user(request)
        checked = _values(data, "on")
        try:
            # All or nothing: a refused choice leaves the others as they were.
            async with write_transaction():
                for category in sorted(_values(data, "shown")):
                    await services.set_category(user.id, category, category in checked)
        except UserError as e:
            return await settings_page(request, user, status_code=422, errors=form_errors(e))
        return see_other("/settings/notifications?saved=1#categories")


NOTIFICATION_CONTROLLERS: list[type[Controller]] = [NotificationController]


async def count_unread(request: Request[Any, Any, Any]) -> None:
    """before_request hook (wired in backend.app): the bell's count on every page a signed-in
    person views (one indexed count; not for the API or form posts)."""
    request.state.unread = 0
    user = user_of(request)
    if user and request.method == "GET" and not request.url.path.startswith("/api/"):
        request.state.unread = await services.unread_count(user.id)
