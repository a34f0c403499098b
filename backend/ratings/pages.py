"""Rating pages: the one tap on the dossier page, the counter kiosk and the managers' table.

The kiosk's votes arrive as JSON (backend/ratings/api.py); the choice of scale is in
backend/ratings/admin_pages.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, requires, signed_in
from backend.access.roles import Role
from backend.accounts.middleware import SESSION_COOKIE
from backend.accounts.services import end_session
from backend.lib.clock import utcnow
from backend.lib.errors import UserError
from backend.lib.forms import read
from backend.lib.i18n import gettext
from backend.lib.web import FormData, form_errors, is_https, render, see_other
from backend.ratings import kiosk, queries, services
from backend.ratings import scale as scales
from backend.ratings.schemas import KioskExit, KioskSetup, RatingDetails, RatingTap

KIOSK_MAX_AGE = 365 * 24 * 3600


async def card_answer(
    request: HTMXRequest, dossier_id: int, status_code: int = 200, error: str = ""
) -> Template | Redirect:
    """The card alone for htmx; without JavaScript, back to the dossier page."""
    if not request.htmx:
        return see_other(f"/dossiers/{dossier_id}#rating")
    dossier, rated = await queries.dossier_card(dossier_id)
    return render(
        request,
        "ratings/_card.html",
        status_code=status_code,
        dossier=dossier,
        rated=rated,
        rating_error=error,
        just_rated=status_code == 200,
    )


class DossierRatingController(Controller):
    path = "/dossiers/{dossier_id:int}/rating"
    include_in_schema = False
    guards = [signed_in]

    @post("/")
    async def rate(
        self, request: HTMXRequest, user: SignedIn, dossier_id: int, data: FormData
    ) -> Template | Redirect:
        try:
            await services.rate(user, dossier_id, read(RatingTap, data).level)
        except UserError as e:
            # Without JavaScript the refusal is a page that says why, not a silent return.
            if e.status_code == 404 or not request.htmx:
                raise
            return await card_answer(request, dossier_id, e.status_code, e.render(gettext))
        return await card_answer(request, dossier_id)

    @post("/details")
    async def details(
        self, request: HTMXRequest, user: SignedIn, dossier_id: int, data: FormData
    ) -> Template | Redirect:
        given = read(RatingDetails, data)
        try:
            await services.add_details(user, dossier_id, given.criteria or {}, given.comment)
        except UserError as e:
            if e.status_code == 404 or not request.htmx:
                raise
            return await card_answer(request, dossier_id, e.status_code, e.render(gettext))
        return await card_answer(request, dossier_id)


async def kiosk_screen(
    request: HTMXRequest,
    device: dict[str, Any],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Template:
    """The faces, on the scale in use, with the officer on duty at the counter."""
    levels = await scales.current()
    return render(
        request,
        "ratings/kiosk.html",
        status_code=status_code,
        device=device,
        officer=await kiosk.officer_name(device["counter"]),
        levels=scales.LEVELS[levels],
        faces={lvl: scales.face(lvl, levels) for lvl in scales.LEVELS[levels]},
        errors=errors or {},
    )


class KioskController(Controller):
    """The tablet in kiosk mode, known by its cookie: nobody is signed in on it."""

    path = "/kiosk"
    include_in_schema = False

    @get("/")
    async def screen(self, request: HTMXRequest) -> Template:
        token = request.cookies.get(kiosk.COOKIE)
        device = await kiosk.device(token)
        if device is None:
            # A tablet replaced by a new setup says so and asks for one, not "not set up".
            ended = await kiosk.ended(token)
            return render(request, "ratings/kiosk_unset.html", ended=ended)
        return await kiosk_screen(request, device)

    @post("/exit")
    async def leave(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        device = await kiosk.device(request.cookies.get(kiosk.COOKIE))
        if device is None:
            return see_other("/")
        try:
            await kiosk.leave(device, read(KioskExit, data).pin)
        except UserError as e:
            return await kiosk_screen(request, device, e.status_code, form_errors(e))
        response = see_other("/staff")
        response.delete_cookie(kiosk.COOKIE, path="/")
        return response


async def setup_page(
    request: HTMXRequest,
    user: SignedIn,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Template:
    """The PIN form, with the counter's kiosks that a new setup will end."""
    return render(
        request,
        "ratings/kiosk_setup.html",
        status_code=status_code,
        errors=errors or {},
        active=await kiosk.active_at_counter(user),
    )


class KioskSetupController(Controller):
    """A counter officer puts the tablet on their desk in kiosk mode."""

    path = "/kiosk/setup"
    include_in_schema = False
    guards = [requires(Role.COUNTER)]

    @get("/")
    async def page(self, request: HTMXRequest, user: SignedIn) -> Template:
        return await setup_page(request, user)

    @post("/")
    async def setup(
        self, request: HTMXRequest, user: SignedIn, data: FormData
    ) -> Template | Redirect:
        pins = read(KioskSetup, data)
        try:
            token = await kiosk.start(user, pins.pin, pins.pin_again)
        except UserError as e:
            return await setup_page(request, user, 422, form_errors(e))
        # The tablet becomes the public's: the officer's session in this browser ends (their
        # duty at the counter goes on, so votes still count for them), and the back office
        # needs a sign-in again, with the kiosk's PIN to leave kiosk mode first.
        if session := request.cookies.get(SESSION_COOKIE):
            await end_session(session)
        response = see_other("/kiosk/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        response.set_cookie(
            kiosk.COOKIE,
            token,
            max_age=KIOSK_MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=is_https(request),
            path="/",
        )
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
    guards = [requires(Role.MANAGER, Role.ADMIN)]

    @get("/")
    async def page(self, request: HTMXRequest, days: int = 90) -> Template:
        days = days if days in (30, 90, 365) else 90
        data = await queries.satisfaction(utcnow() - timedelta(days=days))
        return render(request, "ratings/satisfaction.html", days=days, **data)
