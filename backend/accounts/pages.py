"""Sign-up, sign-in, sign-out and the language switch (pages)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from backend.access.guards import user_of
from backend.access.roles import Role
from backend.accounts import hooks, services
from backend.accounts.middleware import SESSION_COOKIE, csrf_cookie, session_csrf_token
from backend.lib.clock import utcnow
from backend.lib.errors import UserError
from backend.lib.forms import first
from backend.lib.i18n import LANGUAGES
from backend.lib.web import (
    LANG_COOKIE,
    FormData,
    client_ip,
    form_errors,
    is_https,
    render,
    see_other,
)


def safe_next(url: str | None, fallback: str = "/my/dossiers") -> str:
    """Only same-site paths, so a crafted link cannot bounce a citizen to another site."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return fallback


def _signed_in(token: str, next_url: str, secure: bool) -> Redirect:
    response = see_other(next_url)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=int(services.WEB_SESSION_TTL.total_seconds()),
        path="/",
    )
    # The form token of the anonymous visit ends here: from now on only the session's own.
    response.cookies.append(csrf_cookie(session_csrf_token(token)))
    return response


class AccountController(Controller):
    include_in_schema = False

    @get("/login")
    async def login_page(
        self, request: Request[Any, Any, Any], next: str = ""
    ) -> Template | Redirect:
        if user_of(request):
            return see_other(safe_next(next))
        return render(request, "accounts/login.html", next=next, values={}, errors={})

    @post("/login")
    async def login(self, request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
        try:
            user = await services.authenticate(
                first(data, "login"), first(data, "password"), client_ip(request)
            )
        except UserError as e:
            values = {"login": first(data, "login")}
            return render(
                request,
                "accounts/login.html",
                status_code=e.status_code if e.status_code == 429 else 422,
                next=first(data, "next"),
                values=values,
                errors=form_errors(e),
            )
        # A new session row (and id) at every sign-in; an old cookie from before is dropped.
        if old := request.cookies.get(SESSION_COOKIE):
            await services.end_session(old)
        token = await services.start_session(user.id, "web")
        await hooks.signed_in(hooks.SessionEvent(user.id, Role(user.role), user.counter, utcnow()))
        home = Role(user.role).home
        return _signed_in(token, safe_next(first(data, "next"), home), is_https(request))

    @get("/register")
    async def register_page(self, request: Request[Any, Any, Any], next: str = "") -> Template:
        return render(request, "accounts/register.html", next=next, values={}, errors={})

    @post("/register")
    async def register(
        self, request: Request[Any, Any, Any], data: FormData
    ) -> Template | Redirect:
        try:
            user = await services.register_citizen(
                phone=first(data, "phone"),
                password=first(data, "password"),
                password_again=first(data, "password_again"),
                full_name=first(data, "full_name"),
                citizen_id=first(data, "citizen_id"),
            )
        except UserError as e:
            values = {k: first(data, k) for k in ("phone", "full_name", "citizen_id")}
            return render(
                request,
                "accounts/register.html",
                status_code=422,
                next=first(data, "next"),
                values=values,
                errors=form_errors(e),
            )
        token = await services.start_session(user.id, "web")
        return _signed_in(token, safe_next(first(data, "next")), is_https(request))

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        if user := user_of(request):
            await hooks.signing_out(hooks.SessionEvent(user.id, user.role, None, utcnow()))
        if token := request.cookies.get(SESSION_COOKIE):
            await services.end_session(token)
        response = see_other("/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/lang/{code:str}")
    async def switch_language(
        self, request: Request[Any, Any, Any], code: str, next: str = "/"
    ) -> Redirect:
        response = see_other(safe_next(next, fallback="/"))
        if code in LANGUAGES:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
        return response
