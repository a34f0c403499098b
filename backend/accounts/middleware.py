"""Who is asking: the person behind the session cookie (pages) or the bearer token (API).

An ASGI middleware, so that the guards in backend.access, which run before any hook, already
see the person in `scope["user"]` (None for anonymous visitors).

It also ties the CSRF token to the session. Litestar's CSRF middleware (which runs after this
one) only checks that the form's token equals the `csrftoken` cookie and that the cookie was
signed with the app's secret: a token obtained on any visit would pass for everyone, and a
cookie planted by a sibling subdomain or a man in the middle of a plain-http visit would be
believed. For a signed-in browser the only token accepted is the one derived from its session
(`session_csrf_token`): the cookie the browser sends is replaced by that value before the CSRF
check and given back to the browser when it differed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.datastructures.cookie import Cookie
from litestar.middleware.csrf import generate_csrf_hash
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from backend.access.user import CurrentUser
from backend.accounts.services import user_for_token
from backend.lib.web import CSRF_COOKIE
from backend.settings import get_settings

SESSION_COOKIE = "mc_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_csrf_token(session_token: str) -> str:
    """The CSRF token of one web session, in Litestar's format (64 hex characters and their
    HMAC), so its middleware checks it unchanged. Unknown without the session and the secret."""
    secret = get_settings().secret_key
    token_secret = hmac.new(
        secret.encode(), b"csrf-of-session:" + session_token.encode(), hashlib.sha256
    ).hexdigest()
    return token_secret + generate_csrf_hash(token_secret, secret)


def csrf_cookie(token: str) -> Cookie:
    """The `csrftoken` cookie as Litestar's CSRF middleware would set it (scripts read it)."""
    return Cookie(
        key=CSRF_COOKIE,
        value=token,
        path="/",
        samesite="lax",
        secure=get_settings().base_url.startswith("https://"),
    )


async def _user_for(
    connection: ASGIConnection[Any, Any, Any, Any], method: str
) -> tuple[CurrentUser | None, str | None]:
    """The person asking and, for a browser's session, the CSRF token bound to it."""
    auth = connection.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return await user_for_token(auth[7:].strip(), "api"), None
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None, None
    bound = session_csrf_token(token)
    # The API is outside the CSRF middleware (bearer tokens need none); a page's script
    # calling it with the session cookie must send this session's CSRF token, or it is
    # anonymous.
    api_write = connection.url.path.startswith("/api/") and method not in SAFE_METHODS
    if api_write:
        header = connection.headers.get("x-csrftoken", "")
        if not secrets.compare_digest(bound, header):
            return None, None
    user = await user_for_token(token, "web")
    return user, bound if user else None


def _give_back(send: Send, token: str) -> Send:
    async def send_with_cookie(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            if not any(v.startswith(f"{CSRF_COOKIE}=") for v in headers.getall("set-cookie", [])):
                headers.add("set-cookie", csrf_cookie(token).to_header(header=""))
        await send(message)

    return send_with_cookie


def session_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            user = None
            if not scope["path"].startswith("/static/"):  # public files: no lookup per icon
                connection = ASGIConnection[Any, Any, Any, Any](scope)
                user, bound = await _user_for(connection, str(scope.get("method", "GET")))
                cookies = connection.cookies
                if bound and cookies.get(CSRF_COOKIE) != bound:
                    # Every later reader (the CSRF middleware, the handlers) takes the cookies
                    # parsed once into the scope's state. A new dict: Litestar caches the
                    # parsed dict per cookie string, shared by other requests.
                    ScopeState.from_scope(scope).cookies = {**cookies, CSRF_COOKIE: bound}
                    send = _give_back(send, bound)
            scope["user"] = user
        await app(scope, receive, send)

    return middleware
