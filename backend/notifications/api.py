"""Push subscriptions for the page and for native clients, the inbox and the notification
settings as JSON."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import Body, JSONBody

from backend.access.guards import SignedIn, signed_in
from backend.access.user import CurrentUser
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import gettext
from backend.lib.pagination import page_number
from backend.lib.web import api_error
from backend.notifications import queries, services, vapid
from backend.notifications.schemas import SettingsBody, SubscriptionBody


class VapidKeyApi(Controller):
    path = "/api/v1/push"
    tags = ["notifications"]

    @get("/vapid-public-key", summary="Khóa công khai VAPID (applicationServerKey)")
    async def public_key(self) -> dict[str, str]:
        return {"publicKey": vapid.public_key()}


class PushApi(Controller):
    path = "/api/v1/push/subscriptions"
    tags = ["notifications"]
    guards = [signed_in]

    @post(
        "/",
        summary="Đăng ký nhận thông báo trên một thiết bị",
        description=(
            "Bearer token or the signed-in session (then with the x-csrftoken header). The "
            "endpoint must be https on a browser push service (Google, Mozilla, Apple, "
            "Microsoft), or an origin listed in PUSH_ENDPOINT_ALLOWLIST, printable ASCII "
            "without spaces, fragment or backslash, at most 2,048 characters; `keys.p256dh` "
            "is base64url of a 65-byte P-256 point, `keys.auth` of 16 bytes. Anything else is "
            "422. One subscription per endpoint per account: subscribing again updates it."
        ),
    )
    async def subscribe(
        self, request: Request[Any, Any, Any], user: SignedIn, data: JSONBody[SubscriptionBody]
    ) -> Response[Any]:
        try:
            sub_id = await services.subscribe(
                user.id,
                data.endpoint,
                data.keys.p256dh,
                data.keys.auth,
                request.headers.get("user-agent", ""),
            )
        except UserError as e:
            e.status_code = 422
            return api_error(e)
        return Response({"id": sub_id}, status_code=201)

    @delete("/", status_code=200, summary="Thôi nhận thông báo trên thiết bị này")
    async def unsubscribe(
        self, user: SignedIn, data: JSONBody[SubscriptionBody]
    ) -> dict[str, bool]:
        return {"removed": await services.unsubscribe(user.id, data.endpoint)}


class InboxApi(Controller):
    path = "/api/v1/inbox"
    tags = ["notifications"]
    guards = [signed_in]

    @get(
        "/",
        summary="Hộp thư thông báo",
        description="Newest first, 50 a page (`?page=`); `has_next` says whether there is more.",
    )
    async def list(self, user: SignedIn, page: str = "") -> dict[str, Any]:
        shown = await queries.inbox(user.id, page_number(page))
        return {
            "unread": await queries.unread_count(user.id),
            "items": shown.rows,
            "page": shown.number,
            "total": shown.total,
            "has_next": shown.has_next,
        }

    @post("/read", status_code=200, summary="Đánh dấu tất cả đã đọc")
    async def read_all(self, user: SignedIn) -> dict[str, int]:
        await services.mark_read(user.id)
        return {"unread": 0}


@dataclass
class CategorySetting:
    name: str
    label: str  # for a person, in the request's language
    essential: bool  # always sent: cannot be turned off
    enabled: bool


@dataclass
class NotificationSettings:
    """The categories of notification the account receives (by push and in the inbox; the
    inbox keeps every message whatever the choice), essential ones first, and the number of
    its devices that receive push."""

    categories: list[CategorySetting]
    devices: int


async def _settings(user: CurrentUser) -> NotificationSettings:
    return NotificationSettings(
        categories=[
            CategorySetting(
                name=c["name"],
                label=gettext(c["label"]),
                essential=c["essential"],
                enabled=c["enabled"],
            )
            for c in await queries.categories(user)
        ],
        devices=len(await queries.devices(user.id)),
    )


class NotificationSettingsApi(Controller):
    """The settings page's choices (/settings/notifications), the same rules."""

    path = "/api/v1/notifications/settings"
    tags = ["notifications"]
    guards = [signed_in]

    @get("/", summary="Cài đặt thông báo")
    async def read(self, user: SignedIn) -> NotificationSettings:
        return await _settings(user)

    @put(
        "/",
        summary="Bật hoặc tắt từng loại thông báo",
        description="Answers the settings as GET does. 422 (nothing changed) when a category "
        "is unknown or essential and asked off.",
    )
    async def change(
        self,
        user: SignedIn,
        data: Annotated[
            SettingsBody, Body(description=inspect.cleandoc(SettingsBody.__doc__ or ""))
        ],
    ) -> NotificationSettings:
        try:
            await services.choose_categories(user.id, {c.name: c.enabled for c in data.categories})
        except UserError as e:
            # A choice refused is an input refused, named as the body names it.
            raise FormErrors([UserError(e.message, field="categories", **e.params)]) from e
        return await _settings(user)
