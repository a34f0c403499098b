"""The ratings' JSON: the citizen's rating of a dossier (for a native app), and the kiosk's
votes, sent by /static/js/kiosk.js (queued on the tablet while the network is away, so a vote
may arrive twice: its key makes it count once)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import Body, JSONBody

from backend.access.guards import SignedIn, signed_in
from backend.dossiers.queries import dossier_by_code
from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import api_error, api_error_body
from backend.ratings import kiosk, services
from backend.ratings.schemas import KioskVote, RatingBody


def rating_json(dossier: dict[str, Any], rating: dict[str, Any] | None) -> dict[str, Any]:
    """What a client shows: whether it may rate now, and the rating given (or null)."""
    return {
        "dossier": dossier["code"],
        "may_rate": services.completed(dossier),
        "rating": None
        if rating is None
        else {
            "level": rating["level"],
            "scale": rating["scale"],
            "satisfied": rating["satisfied"],
            "criteria": json.loads(rating["criteria"] or "{}"),
            "comment": rating["comment"],
            "created_at": rating["created_at"],
            "updated_at": rating["updated_at"],
            "may_change": services.may_change(rating),
        },
    }


class DossierRatingApi(Controller):
    """The citizen's own dossiers only (another's answers 404, like a missing one)."""

    path = "/api/v1/dossiers/{code:str}/rating"
    tags = ["ratings"]
    guards = [signed_in]

    @get(
        "/",
        summary="Đánh giá của tôi về một hồ sơ",
        description="`rating` is null until the citizen rates; `may_rate` says whether the "
        "result has been handed over (or made available), which rating needs. 404: no such "
        "dossier of this account.",
    )
    async def read(self, code: str, user: SignedIn) -> dict[str, Any]:
        dossier = await _own(user, code)
        return rating_json(dossier, await services.of_dossier(dossier["id"]))

    @put(
        "/",
        summary="Đánh giá (hoặc sửa đánh giá) một hồ sơ",
        description="Answers the rating as GET does. 409 before the result is handed over or "
        "more than 7 days after the first rating; 422 for a level the scale has not.",
    )
    async def rate(
        self,
        code: str,
        user: SignedIn,
        data: Annotated[RatingBody, Body(description=RatingBody.__doc__ or "")],
    ) -> dict[str, Any]:
        dossier = await _own(user, code)
        await services.rate(user, dossier["id"], data.level)
        if data.criteria is not None or data.comment is not None:
            await services.add_details(user, dossier["id"], data.criteria or {}, data.comment or "")
        return rating_json(dossier, await services.of_dossier(dossier["id"]))


async def _own(user: Any, code: str) -> dict[str, Any]:
    dossier = await dossier_by_code(user, code)
    if dossier["citizen"] != user.id:
        raise NotFound(N_("Không tìm thấy hồ sơ này."))
    return dossier


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
