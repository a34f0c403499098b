"""API sign-in: bearer tokens for native apps and integrations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.access.guards import signed_in
from backend.accounts import services
from backend.lib.errors import UserError
from backend.lib.web import api_error, client_ip


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
        token = await services.start_session(user.id, "api")
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
