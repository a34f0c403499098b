"""Sign-up, sign-in, sign-out, proving the phone, "Quên mật khẩu?" and the language switch
(pages)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, signed_in, user_of
from backend.access.roles import Role
from backend.accounts import hooks, phone, phone_codes, services
from backend.accounts.middleware import SESSION_COOKIE, csrf_cookie, session_csrf_token
from backend.accounts.oidc import flow as oidc_flow
from backend.lib.clock import utcnow
from backend.lib.errors import TooManyRequests, UserError
from backend.lib.forms import first
from backend.lib.i18n import LANGUAGES, N_
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


def signed_in_redirect(token: str, next_url: str, secure: bool) -> Redirect:
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


def verify_url(next_url: str) -> str:
    return f"/verify-phone?next={quote(next_url)}"


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
        token = await services.start_session(user.id, "web", request.headers.get("user-agent", ""))
        await hooks.signed_in(hooks.SessionEvent(user.id, Role(user.role), user.counter, utcnow()))
        target = safe_next(first(data, "next"), Role(user.role).home)
        if user.role == Role.CITIZEN.value and user.phone_verified_at is None:
            # Not locked out: the next page asks for the proof and offers "Để sau" (later).
            target = verify_url(target)
        return signed_in_redirect(token, target, is_https(request))

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
        token = await services.start_session(user.id, "web", request.headers.get("user-agent", ""))
        # The account exists and is signed in; the code is asked for on the next screen, so a
        # slow or lost SMS never loses what was typed (the account sees only its own filings
        # until the code is typed back).
        with suppress(TooManyRequests):  # the next screen offers to send it again later
            await phone.send_proof_code(user.id, user.login, client_ip(request))
        target = verify_url(safe_next(first(data, "next")))
        return signed_in_redirect(token, target, is_https(request))

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        if user := user_of(request):
            await hooks.signing_out(hooks.SessionEvent(user.id, user.role, None, utcnow()))
        target = "/"
        if token := request.cookies.get(SESSION_COOKIE):
            # Signed in through the national identity: its session ends too, and the provider
            # sends the browser back to the home page (RP-Initiated Logout 1.0).
            target = await oidc_flow.end_session_url(oidc_flow.current_settings(), token) or "/"
            await services.end_session(token)
        response = see_other(target)
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


class PhoneController(Controller):
    """Proving the account's phone by a code, changing it, and recovering the password."""

    include_in_schema = False

    async def _verify_page(
        self, request: Request[Any, Any, Any], user: Any, next_url: str, **context: Any
    ) -> Template:
        number = user.phone or user.login
        return render(
            request,
            "accounts/verify_phone.html",
            status_code=context.pop("status_code", 200),
            phone=number,
            code_sent=await phone_codes.has_live_code(number, phone_codes.Purpose.VERIFY),
            next=safe_next(next_url),
            errors=context.pop("errors", {}),
            values={},
            **context,
        )

    @get("/verify-phone")
    async def verify_page(
        self, request: Request[Any, Any, Any], user: SignedIn, next: str = ""
    ) -> Template | Redirect:
        if not user.is_citizen or await phone.is_proven(user.id):
            return see_other(safe_next(next))
        return await self._verify_page(request, user, next)

    @post("/verify-phone/send")
    async def send_code(
        self, request: Request[Any, Any, Any], user: SignedIn, data: FormData
    ) -> Template | Redirect:
        next_url = first(data, "next")
        if not user.is_citizen or await phone.is_proven(user.id):
            return see_other(safe_next(next_url))
        try:
            await phone.send_proof_code(user.id, user.phone or user.login, client_ip(request))
        except UserError as e:
            return await self._verify_page(
                request, user, next_url, status_code=e.status_code, errors=form_errors(e)
            )
        return await self._verify_page(request, user, next_url, sent=True)

    @post("/verify-phone")
    async def verify(
        self, request: Request[Any, Any, Any], user: SignedIn, data: FormData
    ) -> Template | Redirect:
        next_url = first(data, "next")
        if not user.is_citizen or await phone.is_proven(user.id):
            return see_other(safe_next(next_url))
        try:
            await phone.prove(
                user.id, user.phone or user.login, first(data, "code"), client_ip(request)
            )
        except UserError as e:
            status = 429 if e.status_code == 429 else 422
            return await self._verify_page(
                request, user, next_url, status_code=status, errors=form_errors(e)
            )
        return see_other(safe_next(next_url))

    @get("/forgot-password")
    async def forgot_page(self, request: Request[Any, Any, Any]) -> Template:
        return render(request, "accounts/forgot_password.html", values={}, errors={})

    @post("/forgot-password")
    async def forgot(self, request: Request[Any, Any, Any], data: FormData) -> Template:
        typed = first(data, "phone")
        try:
            number = await phone.start_recovery(typed, client_ip(request))
        except UserError as e:
            return render(
                request,
                "accounts/forgot_password.html",
                status_code=429 if e.status_code == 429 else 422,
                values={"phone": typed},
                errors=form_errors(e),
            )
        # The same page whether or not the number has an account.
        return render(request, "accounts/reset_password.html", phone=number, values={}, errors={})

    @post("/forgot-password/reset")
    async def reset(self, request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
        number = first(data, "phone")
        try:
            user_id = await phone.recover(
                number,
                first(data, "code"),
                first(data, "password"),
                first(data, "password_again"),
                client_ip(request),
            )
        except UserError as e:
            return render(
                request,
                "accounts/reset_password.html",
                status_code=429 if e.status_code == 429 else 422,
                phone=number,
                values={"code": first(data, "code")},
                errors=form_errors(e),
            )
        # Every earlier session and token has ended; this browser starts a new one.
        token = await services.start_session(user_id, "web", request.headers.get("user-agent", ""))
        await hooks.signed_in(hooks.SessionEvent(user_id, Role.CITIZEN, None, utcnow()))
        return signed_in_redirect(token, "/my/dossiers", is_https(request))

    @get("/account/phone")
    async def change_page(self, request: Request[Any, Any, Any], user: SignedIn) -> Template:
        return render(request, "accounts/change_phone.html", values={}, errors={})

    @post("/account/phone")
    async def change(
        self, request: Request[Any, Any, Any], user: SignedIn, data: FormData
    ) -> Template:
        typed = first(data, "phone")
        try:
            if not user.is_citizen:
                raise UserError(N_("Chỉ tài khoản công dân mới đổi số điện thoại ở đây."))
            number = await phone.start_change(
                user.id, typed, first(data, "password"), client_ip(request)
            )
        except UserError as e:
            return render(
                request,
                "accounts/change_phone.html",
                status_code=429 if e.status_code == 429 else 422,
                values={"phone": typed},
                errors=form_errors(e),
            )
        return render(
            request, "accounts/change_phone_code.html", phone=number, values={}, errors={}
        )

    @post("/account/phone/confirm")
    async def change_confirm(
        self, request: Request[Any, Any, Any], user: SignedIn, data: FormData
    ) -> Template | Redirect:
        number = first(data, "phone")
        try:
            await phone.finish_change(
                user.id,
                number,
                first(data, "code"),
                client_ip(request),
                request.cookies.get(SESSION_COOKIE, ""),
            )
        except UserError as e:
            return render(
                request,
                "accounts/change_phone_code.html",
                status_code=429 if e.status_code == 429 else 422,
                phone=number,
                values={},
                errors=form_errors(e),
            )
        return see_other("/my/dossiers")


class DevicesController(Controller):
    """ "Thiết bị đã đăng nhập": every browser and app signed in to the account, each of which
    the person can sign out (a lost phone, a shared computer)."""

    path = "/account/devices"
    include_in_schema = False
    guards = [signed_in]

    @get("/")
    async def page(self, request: Request[Any, Any, Any], user: SignedIn) -> Template:
        current = request.cookies.get(SESSION_COOKIE, "")
        return render(
            request,
            "accounts/devices.html",
            sessions=await services.sessions_of(user.id, current),
            done=request.query_params.get("done", ""),
        )

    @post("/{session_id:int}/end")
    async def end(self, user: SignedIn, session_id: int) -> Redirect:
        await services.end_session_of(user.id, session_id)
        return see_other("/account/devices/?done=ended")

    @post("/others/end")
    async def end_others(self, request: Request[Any, Any, Any], user: SignedIn) -> Redirect:
        await services.end_other_sessions(user.id, request.cookies.get(SESSION_COOKIE, ""))
        return see_other("/account/devices/?done=others")
