"""Push subscriptions for the page and for native clients, and the inbox as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody

from backend.access.guards import require_user
from backend.lib.errors import UserError
from backend.lib.web import api_error
from backend.notifications import services, vapid


@dataclass
class SubscriptionKeys:
    p256dh: str = ""
    auth: str = ""


@dataclass
class SubscriptionBody:
    """The browser's PushSubscription.toJSON()."""

    endpoint: str
    keys: SubscriptionKeys = field(default_factory=SubscriptionKeys)
    expirationTime: int | None = None


class PushApi(Controller):
    path = "/api/v1/push"
    tags = ["notifications"]

    @get("/vapid-public-key", summary="Khoá công khai VAPID (applicationServerKey)")
    async def public_key(self) -> dict[str, str]:
        return {"publicKey": vapid.public_key()}

    @post(
        "/subscriptions",
        summary="Đăng ký nhận thông báo trên một thiết bị",
        description=(
            "Bearer token or the signed-in session (then with the x-csrftoken header). The "
            "endpoint must be https on a browser push service (Google, Mozilla, Apple, "
            "Microsoft), or an origin listed in PUSH_ENDPOINT_ALLOWLIST; anything else is 422."
        ),
    )
    async def subscribe(
        self, request: Request[Any, Any, Any], data: JSONBody[SubscriptionBody]
    ) -> Response[Any]:
        user = require_user(request)
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

    @delete("/subscriptions", status_code=200, summary="Thôi nhận thông báo trên thiết bị này")
    async def unsubscribe(
        self, request: Request[Any, Any, Any], data: JSONBody[SubscriptionBody]
    ) -> dict[str, bool]:
        user = require_user(request)
        return {"removed": await services.unsubscribe(user.id, data.endpoint)}


class InboxApi(Controller):
    path = "/api/v1/inbox"
    tags = ["notifications"]

    @get("/", summary="Hộp thư thông báo")
    async def list(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        user = require_user(request)
        return {
            "unread": await services.unread_count(user.id),
            "items": await services.inbox(user.id),
        }

    @post("/read", status_code=200, summary="Đánh dấu tất cả đã đọc")
    async def read_all(self, request: Request[Any, Any, Any]) -> dict[str, int]:
        user = require_user(request)
        await services.mark_read(user.id)
        return {"unread": 0}
