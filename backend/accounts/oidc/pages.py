"""/auth/oidc/start and /auth/oidc/callback: signing in with the national electronic identity.

Both answer 404 while OIDC_ISSUER is not set. A refused sign-in (a `state` replayed or from
another browser, the provider's error, a token that does not check out) gets a page that says
so in words, with the way back to the sign-in page; never a 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template

from backend.access.guards import user_of
from backend.access.roles import Role
from backend.accounts import hooks, ratelimit, services
from backend.accounts.middleware import SESSION_COOKIE
from backend.accounts.oidc import flow
from backend.accounts.pages import safe_next, signed_in_redirect, verify_url
from backend.accounts.tables import User
from backend.lib.clock import utcnow
from backend.lib.errors import TooManyRequests, UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import client_ip, is_https, render, see_other
from backend.settings import Settings

# The browser's half of the `state`: only this browser can come back with it.
STATE_COOKIE = "mc_oidc_state"
COOKIE_PATH = "/auth/oidc"
# Each start writes a row; a script must not fill the table.
STARTS_PER_IP = 30
STARTS_WINDOW = timedelta(minutes=10)
BUTTON_LABEL = N_("Đăng nhập bằng tài khoản định danh điện tử")


def configured() -> Settings:
    settings = flow.current_settings()
    if not settings.oidc_enabled:
        raise NotFoundException()
    return settings


def button_label() -> str | None:
    """The sign-in button's text for the templates; None when OIDC is not configured."""
    settings = flow.current_settings()
    if not settings.oidc_enabled:
        return None
    return settings.oidc_button_label or gettext(BUTTON_LABEL)


def _refused(request: Request[Any, Any, Any], error: UserError) -> Template:
    response = render(
        request,
        "accounts/oidc_error.html",
        status_code=error.status_code,
        message=error.render(gettext),
    )
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
    return response


class OidcController(Controller):
    path = "/auth/oidc"
    include_in_schema = False

    @get("/start", cache=False)
    async def start(self, request: Request[Any, Any, Any], next: str = "") -> Redirect | Template:
        settings = configured()
        if user_of(request):
            return see_other(safe_next(next))
        try:
            taken = await ratelimit.take(
                "oidc-start", client_ip(request), STARTS_PER_IP, STARTS_WINDOW
            )
            if not taken.allowed:
                raise TooManyRequests(N_("Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút."))
            url, state = await flow.start(settings, safe_next(next, ""))
        except UserError as e:
            return _refused(request, e)
        response = see_other(url)
        response.set_cookie(
            STATE_COOKIE,
            state,
            httponly=True,
            # Lax: sent on the provider's top-level redirect back, not on cross-site requests.
            samesite="lax",
            secure=is_https(request),
            max_age=int(flow.STATE_TTL.total_seconds()),
            path=COOKIE_PATH,
        )
        return response

    @get("/callback", cache=False)
    async def callback(self, request: Request[Any, Any, Any]) -> Redirect | Template:
        # (The query's `state` is read from the query: `state` is a reserved handler argument.)
        settings = configured()
        query = request.query_params
        try:
            done = await flow.finish(
                settings,
                state=query.get("state", ""),
                browser_state=request.cookies.get(STATE_COOKIE, ""),
                code=query.get("code", ""),
                error=query.get("error", ""),
                issuer=query.get("iss", ""),
            )
        except UserError as e:
            return _refused(request, e)
        # As at every sign-in: a new session (and id); a session from before is ended.
        if old := request.cookies.get(SESSION_COOKIE):
            await services.end_session(old)
        token = await services.start_session(
            done.user_id, "web", request.headers.get("user-agent", "")
        )
        await flow.remember_session(token, settings.oidc_issuer, done.id_token)
        await hooks.signed_in(hooks.SessionEvent(done.user_id, Role.CITIZEN, None, utcnow()))
        target = safe_next(done.next_url)
        account = (
            await User.select(User.phone, User.phone_verified_at)
            .where(User.id == done.user_id)
            .first()
        )
        if account and account["phone"] and account["phone_verified_at"] is None:
            target = verify_url(target)  # as after a password sign-in: "Để sau" is offered
        response = signed_in_redirect(token, target, is_https(request))
        response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
        return response
