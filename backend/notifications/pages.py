"""Pages: the in-app inbox (/inbox) and the notification settings (/settings/notifications),
and the bell's count on every page.

Both work without JavaScript. The inbox keeps every message, so a person whose browser cannot
show push notifications (or who turned them off) misses nothing. Turning push on for a device
is done by /static/js/push.js against the JSON API (backend/notifications/api.py).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, signed_in, user_of
from backend.access.user import CurrentUser
from backend.lib.errors import UserError
from backend.lib.forms import decode
from backend.lib.pagination import page_number
from backend.lib.web import FormData, form_errors, render, see_other
from backend.notifications import queries, services
from backend.notifications.schemas import CategoryChoice


async def settings_page(
    request: HTMXRequest,
    user: CurrentUser,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    saved: bool = False,
) -> Template:
    extra: dict[str, Any] = {}
    if request.method != "GET":  # the bell's count is only looked up for page views
        extra["unread"] = await queries.unread_count(user.id)
    return render(
        request,
        "notifications/settings.html",
        status_code=status_code,
        **extra,
        categories=await queries.categories(user),
        devices=len(await queries.devices(user.id)),
        errors=errors or {},
        saved=saved,
    )


class NotificationController(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/inbox")
    async def inbox(self, request: HTMXRequest, user: SignedIn) -> Template:
        """Newest first, 50 a page; what was unread when the page opened is marked "Mới", and
        opening the page marks everything read (the bell then shows no count)."""
        page = await queries.inbox(
            user.id, page_number(request.query_params.get("page")), dict(request.query_params)
        )
        items = [queries.as_shown(item) for item in page.rows]
        if any(item["new"] for item in items):
            await services.mark_read(user.id)
        return render(request, "notifications/inbox.html", items=items, page=page, unread=0)

    @get("/settings/notifications")
    async def settings(self, request: HTMXRequest, user: SignedIn, saved: str = "") -> Template:
        return await settings_page(request, user, saved=saved == "1")

    @post("/settings/notifications")
    async def save(
        self, request: HTMXRequest, user: SignedIn, data: FormData
    ) -> Template | Redirect:
        """Essential categories cannot be turned off: asking to is refused (422)."""
        choice = decode(CategoryChoice, data)
        checked = set(choice.on)
        try:
            await services.choose_categories(user.id, {c: c in checked for c in choice.shown})
        except UserError as e:
            return await settings_page(request, user, status_code=422, errors=form_errors(e))
        return see_other("/settings/notifications?saved=1#categories")


async def count_unread(request: Request[Any, Any, Any]) -> None:
    """before_request hook (wired in backend.app): the bell's count on every page a signed-in
    person views (one indexed count; not for the API or form posts)."""
    request.state.unread = 0
    user = user_of(request)
    if user and request.method == "GET" and not request.url.path.startswith("/api/"):
        request.state.unread = await queries.unread_count(user.id)
