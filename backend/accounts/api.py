"""API sign-in: bearer tokens for native apps and integrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.access.guards import SignedIn, signed_in
from backend.accounts import services
from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import api_error, api_error_body, client_ip


@dataclass
class TokenRequest:
    login: str
    password: str


@dataclass
class TokenResponse:
    access_token: str
    token_type: str
    expires_in: int
    role: str
    full_name: str


class AuthApi(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/token", summary="Đăng nhập, nhận bearer token")
    async def token(
        self, request: Request[Any, Any, Any], data: JSONBody[TokenRequest]
    ) -> Response[Any]:
        try:
            user = await services.authenticate(data.login, data.password, client_ip(request))
        except UserError as e:
            if e.status_code == 400:
                e.status_code = 401
            return api_error(e)
        token = await services.start_session(user.id, "api", request.headers.get("user-agent", ""))
        body = TokenResponse(
            access_token=token,
            token_type="bearer",
            expires_in=int(services.API_TOKEN_TTL.total_seconds()),
            role=user.role,
            full_name=user.full_name,
        )
        return Response(body, status_code=200)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="Thu hồi token đang dùng",
        guards=[signed_in],
    )
    async def logout(self, request: Request[Any, Any, Any]) -> None:
        await services.end_session(request.headers.get("authorization", "")[7:].strip())

    @post(
        "/refresh",
        status_code=200,
        summary="Đổi bearer token sắp hết hạn lấy token mới",
        description="With a valid bearer token: a new token with a full lifetime, the same "
        "shape as /token; the old token stops working at once. 401 when the token has "
        "expired or was revoked (sign in again).",
    )
    async def refresh(self, request: Request[Any, Any, Any]) -> Response[Any]:
        old = _bearer(request)
        user = await services.user_for_token(old, "api")
        token = await services.refresh_token(old, request.headers.get("user-agent", ""))
        if user is None or token is None:
            return Response(
                api_error_body(401, gettext(N_("Phiên đăng nhập đã hết. Vui lòng đăng nhập lại."))),
                status_code=401,
            )
        body = TokenResponse(
            access_token=token,
            token_type="bearer",
            expires_in=int(services.API_TOKEN_TTL.total_seconds()),
            role=user.role.value,
            full_name=user.full_name,
        )
        return Response(body, status_code=200)

    @get(
        "/sessions",
        summary="Thiết bị đã đăng nhập",
        description="The account's signed-in browsers and app tokens (never the tokens "
        "themselves); `current` marks the token of this request.",
        guards=[signed_in],
    )
    async def sessions(self, request: Request[Any, Any, Any], user: SignedIn) -> list[Any]:
        return [
            {k: s[k] for k in ("id", "kind", "created_at", "expires_at", "user_agent", "current")}
            for s in await services.sessions_of(user.id, _bearer(request))
        ]

    @delete(
        "/sessions/{session_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Đăng xuất một thiết bị",
        description="404 when it is not a session of this account (or already ended).",
        guards=[signed_in],
    )
    async def end(self, session_id: int, user: SignedIn) -> None:
        if not await services.end_session_of(user.id, session_id):
            raise NotFound(N_("Không tìm thấy thiết bị này."))


def _bearer(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""
