"""Push subscriptions for the page and for native clients, and the inbox as JSON."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody

from backend.access.guards import SignedIn, signed_in
from backend.lib.errors import UserError
from backend.lib.pagination import page_number
from backend.lib.web import api_error
from backend.notifications import queries, services, vapid
from backend.notifications.schemas import SubscriptionBody


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
