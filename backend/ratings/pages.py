"""Rating pages: the one tap on the dossier page, the counter kiosk, the managers' table and
the administrator's choice of scale."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.access.guards import require_user
from backend.access.roles import Role
from backend.lib.clock import utcnow
from backend.lib.errors import UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import form_errors, render, see_other
from backend.ratings import kiosk, queries, services
from backend.ratings import scale as scales

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KIOSK_MAX_AGE = 365 * 24 * 3600
FORBIDDEN_PAGE = N_("Bạn không có quyền xem trang này.")


class DossierRatingController(Controller):
    path = "/dossiers/{dossier_id:int}/rating"
    include_in_schema = False

    async def _card(
        self,
        request: Request[Any, Any, Any],
        dossier_id: int,
        status_code: int = 200,
        error: str = "",
    ) -> Template | Redirect:
        if not request.headers.get("hx-request"):
            return see_other(f"/dossiers/{dossier_id}#rating")
        from backend.dossiers.tables import Dossier

        dossier = await Dossier.select().where(Dossier.id == dossier_id).first()
        assert dossier is not None
        return render(
            request,
            "ratings/_card.html",
            status_code=status_code,
            dossier=dossier,
            rated=await services.card(dossier),
            rating_error=error,
            just_rated=status_code == 200,
        )

    @post("/")
    async def rate(
        self, request: Request[Any, Any, Any], dossier_id: int, data: Form
    ) -> Template | Redirect:
        user = require_user(request)
        try:
            await services.rate(user, dossier_id, data.get("level"))
        except UserError as e:
            if e.status_code == 404:
                raise
            return await self._card(request, dossier_id, e.status_code, e.render(gettext))
        return await self._card(request, dossier_id)

    @post("/details")
    async def details(
        self, request: Request[Any, Any, Any], dossier_id: int, data: Form
    ) -> Template | Redirect:
        user = require_user(request)
        criteria = {k: str(data.get(f"c_{k}", "")) for k in scales.CRITERIA}
        try:
            await services.add_details(user, dossier_id, criteria, str(data.get("comment", "")))
        except UserError as e:
            if e.status_code == 404:
                raise
            return await self._card(request, dossier_id, e.status_code, e.render(gettext))
        return await self._card(request, dossier_id)


class KioskController(Controller):
    path = "/kiosk"
    include_in_schema = False

    @get("/")
    async def screen(self, request: Request[Any, Any, Any]) -> Template:
        device = await kiosk.device(request.cookies.get(kiosk.COOKIE))
        if device is None:
            return render(request, "ratings/kiosk_unset.html")
        levels = await scales.current()
        return render(
            request,
            "ratings/kiosk.html",
            device=device,
            officer=await kiosk.officer_name(device["counter"]),
            levels=scales.LEVELS[levels],
            faces={lvl: scales.face(lvl, levels) for lvl in scales.LEVELS[levels]},
            errors={},
        )

    @get("/setup")
    async def setup_page(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.COUNTER)
        return render(request, "ratings/kiosk_setup.html", errors={})

    @post("/setup")
    async def setup(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        user = require_user(request, Role.COUNTER)
        try:
            token = await kiosk.start(
                user, str(data.get("pin", "")), str(data.get("pin_again", ""))
            )
        except UserError as e:
            return render(
                request, "ratings/kiosk_setup.html", status_code=422, errors=form_errors(e)
            )
        response = see_other("/kiosk/")
        response.set_cookie(
            kiosk.COOKIE,
            token,
            max_age=KIOSK_MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @post("/votes")
    async def vote(self, request: Request[Any, Any, Any], data: dict[str, Any]) -> Response[Any]:
        device = await kiosk.device(request.cookies.get(kiosk.COOKIE))
        if device is None:
            return Response(
                {"detail": gettext(N_("Máy này không còn ở chế độ đánh giá."))}, status_code=403
            )
        try:
            counted = await kiosk.vote(device, data.get("level"), str(data.get("key", "")))
        except UserError as e:
            return Response({"detail": e.render(gettext)}, status_code=e.status_code)
        return Response({"counted": counted}, status_code=200)

    @post("/exit")
    async def leave(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        device = await kiosk.device(request.cookies.get(kiosk.COOKIE))
        if device is None:
            return see_other("/")
        try:
            await kiosk.leave(device, str(data.get("pin", "")))
        except UserError as e:
            levels = await scales.current()
            return render(
                request,
                "ratings/kiosk.html",
                status_code=e.status_code,
                device=device,
                officer=await kiosk.officer_name(device["counter"]),
                levels=scales.LEVELS[levels],
                faces={lvl: scales.face(lvl, levels) for lvl in scales.LEVELS[levels]},
                errors=form_errors(e),
            )
        response = see_other("/staff")
        response.delete_cookie(kiosk.COOKIE, path="/")
        return response


@get("/kiosk.webmanifest", include_in_schema=False, media_type="application/manifest+json")
async def kiosk_manifest() -> dict[str, Any]:
    """Installed from the kiosk page, the app opens full screen on the kiosk."""
    return {
        "name": "Đánh giá mức độ hài lòng",
        "short_name": "Đánh giá",
        "start_url": "/kiosk/",
        "scope": "/kiosk/",
        "display": "fullscreen",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }


class SatisfactionController(Controller):
    path = "/manage/satisfaction"
    include_in_schema = False

    @get("/")
    async def page(self, request: Request[Any, Any, Any], days: int = 90) -> Template:
        if require_user(request).role not in (Role.MANAGER, Role.ADMIN):
            raise HTTPException(status_code=403, detail=gettext(FORBIDDEN_PAGE))
        days = days if days in (30, 90, 365) else 90
        data = await queries.satisfaction(utcnow() - timedelta(days=days))
        return render(request, "ratings/satisfaction.html", days=days, **data)


class RatingScaleController(Controller):
    path = "/admin/rating-scale"
    include_in_schema = False

    @get("/")
    async def page(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.ADMIN)
        return render(
            request, "ratings/admin_scale.html", levels=await scales.current(), scales=scales.LEVELS
        )

    @post("/")
    async def save(self, request: Request[Any, Any, Any], data: Form) -> Redirect:
        require_user(request, Role.ADMIN)
        with contextlib.suppress(ValueError):
            await scales.choose(int(str(data.get("levels", "5"))))
        return see_other("/admin/rating-scale/?saved=1")
