"""The kiosk's votes, sent as JSON by /static/js/kiosk.js (queued on the tablet while the
network is away, so a vote may arrive twice: its key makes it count once)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import JSONBody

from backend.lib.errors import UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import api_error, api_error_body
from backend.ratings import kiosk
from backend.ratings.schemas import KioskVote


class KioskVoteApi(Controller):
    path = "/kiosk"
    include_in_schema = False

    @post("/votes", status_code=200)
    async def vote(
        self, request: Request[Any, Any, Any], data: JSONBody[KioskVote]
    ) -> Response[Any]:
        device = await kiosk.device(request.cookies.get(kiosk.COOKIE))
        if device is None:
            # `reason` tells kiosk.js this is for good (show the "set me up again" screen), not
            # a CSRF refusal, which a reload of the page mends.
            body = api_error_body(403, gettext(N_("Máy này không còn ở chế độ đánh giá.")))
            return Response({**body, "reason": "kiosk_ended"}, status_code=403)
        try:
            counted = await kiosk.vote(device, data.level, data.key)
        except kiosk.KioskBusy as e:
            # Refused, not dropped: kiosk.js shows the message, or sends a queued vote again
            # after Retry-After.
            response = api_error(e)
            response.headers["Retry-After"] = str(e.retry_after)
            return response
        except UserError as e:
            return api_error(e)
        return Response({"counted": counted}, status_code=200)
