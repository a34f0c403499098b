"""Who is asking: the person behind the session cookie (pages) or the bearer token (API).

An ASGI middleware, so that the guards in backend.access, which run before any hook, already
see the person in `scope["user"]` (None for anonymous visitors).
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.access.user import CurrentUser
from backend.accounts.services import user_for_token
from backend.lib.web import CSRF_COOKIE

SESSION_COOKIE = "mc_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _user_for(
    connection: ASGIConnection[Any, Any, Any, Any], method: str
) -> CurrentUser | None:
    auth = connection.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return await user_for_token(auth[7:].strip(), "api")
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    # The API is outside the CSRF middleware (bearer tokens need none); a page's script
    # calling it with the session cookie must send the CSRF header, or it is anonymous.
    api_write = connection.url.path.startswith("/api/") and method not in SAFE_METHODS
    if api_write:
        cookie = connection.cookies.get(CSRF_COOKIE, "")
        header = connection.headers.get("x-csrftoken", "")
        if not (cookie and secrets.compare_digest(cookie, header)):
            return None
    return await user_for_token(token, "web")


def session_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            user = None
            if not scope["path"].startswith("/static/"):  # public files: no lookup per icon
                user = await _user_for(ASGIConnection(scope), str(scope.get("method", "GET")))
            scope["user"] = user
        await app(scope, receive, send)

    return middleware
