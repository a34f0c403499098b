"""Small pieces every controller uses: the signed-in user, rendering, errors, client address."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.utils.scope.state import ScopeState

from backend.accounts.roles import Role
from backend.accounts.services import CurrentUser, user_for_token
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import current_language, gettext, pick_language

SESSION_COOKIE = "mc_session"
LANG_COOKIE = "lang"
CSRF_COOKIE = "csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def load_user(request: Request[Any, Any, Any]) -> None:
    """before_request hook: who is asking (cookie for pages, bearer token for the API)."""
    current_language.set(pick_language(request.cookies.get(LANG_COOKIE)))
    user: CurrentUser | None = None
    if request.url.path.startswith("/static/"):
        request.state.user = None  # public files: no session lookup per icon
        return
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = await user_for_token(auth[7:].strip(), "api")
    elif token := request.cookies.get(SESSION_COOKIE):
        # The API is outside the CSRF middleware (bearer tokens need none); a page's script
        # calling it with the session cookie must send the CSRF header, or it is anonymous.
        api_write = request.url.path.startswith("/api/") and request.method not in SAFE_METHODS
        cookie = request.cookies.get(CSRF_COOKIE, "")
        header = request.headers.get("x-csrftoken", "")
        if not api_write or (cookie and secrets.compare_digest(cookie, header)):
            user = await user_for_token(token, "web")
    request.state.user = user
    # The bell's count on every page (one indexed count, only for signed-in page views).
    request.state.unread = 0
    if user and request.method == "GET" and not request.url.path.startswith("/api/"):
        from backend.notifications.services import unread_count

        request.state.unread = await unread_count(user.id)


async def no_store_when_signed_in(message: Any, scope: Any) -> None:
    """before_send hook: pages shown to a signed-in person are never stored by the browser
    or a proxy, so Back after signing out on a shared phone shows nothing private."""
    if message.get("type") != "http.response.start":
        return
    if not scope.get("state", {}).get("user"):
        return
    headers = message.setdefault("headers", [])
    if not any(name.lower() == b"cache-control" for name, _ in headers):
        headers.append((b"cache-control", b"private, no-store"))


def user_of(request: Request[Any, Any, Any]) -> CurrentUser | None:
    return getattr(request.state, "user", None)


class LoginRequired(NotAuthorizedException):
    pass


def require_user(request: Request[Any, Any, Any], role: Role | None = None) -> CurrentUser:
    user = user_of(request)
    if user is None:
        raise LoginRequired()
    if role is not None and user.role is not role:
        raise HTTPException(status_code=403, detail=gettext("Bạn không có quyền xem trang này."))
    return user


def client_ip(request: Request[Any, Any, Any]) -> str:
    # Behind the reverse proxy of a real deployment, the proxy sets X-Forwarded-For and
    # granian/uvicorn's proxy-headers option rewrites client; we trust only the socket address.
    return request.client.host if request.client else "unknown"


def see_other(url: str) -> Redirect:
    return Redirect(path=url, status_code=HTTP_303_SEE_OTHER)


def login_redirect(request: Request[Any, Any, Any]) -> Redirect:
    """Back to where the person was after signing in: the page itself for a GET, or the page
    the form was on for a POST (a POST target cannot be opened as a page)."""
    target = request.url.path
    if request.method != "GET":
        referer = urlsplit(request.headers.get("referer", ""))
        same_site = referer.netloc in ("", request.url.netloc)
        target = referer.path if same_site and referer.path.startswith("/") else "/"
    return see_other(f"/login?next={quote(target)}")


def render(
    request: Request[Any, Any, Any],
    template: str,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """Render a page, or only its partial when htmx asks for a fragment (`partial=`).

    A boosted navigation and htmx's history restore (after Back, when its cache is gone) both
    swap the whole body, so they get the full page. Since one URL can answer either way,
    `Vary: HX-Request` keeps browser caches from mixing them up.
    """
    partial = context.pop("partial", None)
    wants_fragment = (
        bool(request.headers.get("hx-request"))
        and not request.headers.get("hx-boosted")
        and not request.headers.get("hx-history-restore-request")
    )
    headers = {"Vary": "HX-Request"} if partial else None
    return Template(
        template_name=partial if partial and wants_fragment else template,
        context={
            "user": user_of(request),
            "unread": getattr(request.state, "unread", 0),
            **context,
        },
        status_code=status_code,
        headers=headers,
    )


def form_errors(error: UserError) -> dict[str, str]:
    """Errors keyed by the field they belong beside ("_" for the form as a whole)."""
    if isinstance(error, FormErrors):
        return error.by_field(gettext)
    return {error.field or "_": error.render(gettext)}


def api_error(error: UserError) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"detail": error.render(gettext), "field": error.field}
    if isinstance(error, FormErrors):
        body["errors"] = error.by_field(gettext)
    return Response(body, status_code=error.status_code)


def csrf_matches(request: Request[Any, Any, Any], form_token: str) -> bool:
    """For streamed uploads, which bypass Litestar's CSRF middleware (it would read the whole
    body into memory to find the token): the header or the form's first field must equal the
    cookie set by that middleware."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    # The middleware did not run, so give the page we may render the token it would have.
    ScopeState.from_scope(request.scope).csrf_token = cookie
    token = request.headers.get("x-csrftoken") or form_token
    return bool(cookie) and bool(token) and secrets.compare_digest(cookie, token)
