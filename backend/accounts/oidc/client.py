"""The OpenID provider as this app sees it, and the checks of what it sends back.

The provider's endpoints and keys come from its discovery document (OpenID Connect Discovery
1.0), kept for an hour in each process; its keys (JWKS) are fetched again when a token names a
key id not seen yet (the provider rotated its keys). The ID token is checked with joserfc:
signature by one of the published keys with an asymmetric algorithm (never `none`, never the
client secret), then `iss`, `aud` (and `azp` when there are several audiences), `exp`, `iat`
and `nonce` (OpenID Connect Core 1.0, 3.1.3.7).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from backend.lib.errors import UserError
from backend.lib.i18n import N_

HTTP_TIMEOUT = httpx.Timeout(10.0)
DISCOVERY_TTL_SECONDS = 3600.0
# The keys are fetched again when the cached ones are this old (DISCOVERY_TTL_SECONDS), or
# when a token names an unknown key id, at most this often.
JWKS_REFRESH_SECONDS = 60.0
# Clock difference tolerated between the provider and this server.
LEEWAY_SECONDS = 60
ALGORITHMS = ("RS256", "PS256", "ES256")


class OidcError(UserError):
    """A sign-in refused: shown on its own page with a way back to the sign-in page."""

    status_code = 400


class ProviderUnreachable(OidcError):
    status_code = 502


BAD_TOKEN = N_(
    "Thông tin đăng nhập nhận được từ hệ thống định danh điện tử không hợp lệ (chữ ký, thời "
    "hạn hoặc mã phiên không đúng), nên chưa đăng nhập được. Vui lòng đăng nhập lại."
)
UNREACHABLE = N_(
    "Chưa kết nối được với hệ thống định danh điện tử. Vui lòng thử lại sau ít phút, hoặc "
    "đăng nhập bằng số điện thoại và mật khẩu."
)


@dataclass(frozen=True)
class ProviderInfo:
    """What the discovery document says, as far as this app uses it."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)
    algorithms: tuple[str, ...] = ("RS256",)


_discovered: dict[str, tuple[float, ProviderInfo]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}
_refreshed: dict[str, float] = {}  # when a token's unknown key id last made us fetch the keys


def forget() -> None:
    """Drop what was fetched (tests start each provider afresh)."""
    _discovered.clear()
    _keys.clear()
    _refreshed.clear()


async def _get_json(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(
                url, headers={"accept": "application/json", **(headers or {})}
            )
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as e:
        raise ProviderUnreachable(UNREACHABLE) from e
    if not isinstance(body, dict):
        raise ProviderUnreachable(UNREACHABLE)
    return body


async def discover(issuer: str) -> ProviderInfo:
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    doc = await _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    try:
        # Discovery 1.0, 4.3: the document must name exactly the issuer it was fetched for.
        if doc["issuer"] != issuer:
            raise ProviderUnreachable(UNREACHABLE)
        info = ProviderInfo(
            issuer=issuer,
            authorization_endpoint=str(doc["authorization_endpoint"]),
            token_endpoint=str(doc["token_endpoint"]),
            jwks_uri=str(doc["jwks_uri"]),
            userinfo_endpoint=str(doc.get("userinfo_endpoint") or ""),
            end_session_endpoint=str(doc.get("end_session_endpoint") or ""),
            token_auth_methods=tuple(
                doc.get("token_endpoint_auth_methods_supported") or ("client_secret_basic",)
            ),
            algorithms=tuple(
                a
                for a in doc.get("id_token_signing_alg_values_supported") or ("RS256",)
                if a in ALGORITHMS
            ),
        )
    except KeyError as e:
        raise ProviderUnreachable(UNREACHABLE) from e
    _discovered[issuer] = (time.monotonic(), info)
    return info


async def signing_keys(info: ProviderInfo, *, refresh: bool = False) -> KeySet:
    """The provider's published keys; `refresh` fetches them again (a token named a key id
    not among them), at most once a minute, so forged key ids cannot make the app hammer the
    provider."""
    cached = _keys.get(info.issuer)
    now = time.monotonic()
    if (
        cached
        and refresh
        and now - _refreshed.get(info.issuer, -JWKS_REFRESH_SECONDS) < (JWKS_REFRESH_SECONDS)
    ):
        return cached[1]
    if cached and not refresh and now - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    if refresh:
        _refreshed[info.issuer] = now
    try:
        keys = KeySet.import_key_set(await _get_json(info.jwks_uri))  # type: ignore[arg-type]
    except (JoseError, KeyError, TypeError, ValueError) as e:
        raise ProviderUnreachable(UNREACHABLE) from e
    _keys[info.issuer] = (now, keys)
    return keys


def verify_id_token(
    token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: datetime,
    algorithms: tuple[str, ...] = ALGORITHMS,
) -> dict[str, Any]:
    """The ID token's claims, once its signature and claims hold; OidcError otherwise.

    An unknown key id raises joserfc's InvalidKeyIdError, for the caller to fetch the keys
    again."""
    try:
        decoded = jwt.decode(token, keys, algorithms=list(algorithms))
        claims: dict[str, Any] = dict(decoded.claims)
        jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            sub={"essential": True},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except InvalidKeyIdError:
        raise
    except (JoseError, ValueError, TypeError) as e:
        raise OidcError(BAD_TOKEN) from e
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OidcError(BAD_TOKEN)
    return claims


async def check_id_token(
    info: ProviderInfo, token: str, *, client_id: str, nonce: str, now: datetime
) -> dict[str, Any]:
    """verify_id_token with the provider's keys, fetched again once for a new key id."""
    options: dict[str, Any] = dict(
        issuer=info.issuer,
        client_id=client_id,
        nonce=nonce,
        now=now,
        algorithms=info.algorithms or ALGORITHMS,
    )
    try:
        return verify_id_token(token, await signing_keys(info), **options)
    except InvalidKeyIdError:
        pass
    try:
        return verify_id_token(token, await signing_keys(info, refresh=True), **options)
    except InvalidKeyIdError as e:
        raise OidcError(BAD_TOKEN) from e


async def exchange_code(
    info: ProviderInfo,
    *,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    client_id: str,
    client_secret: str,
) -> dict[str, Any]:
    """The tokens for an authorization code (with its PKCE verifier, RFC 7636)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    headers = {"accept": "application/json"}
    if not client_secret:
        form["client_id"] = client_id  # a public client
    elif "client_secret_basic" in info.token_auth_methods:
        # RFC 6749 2.3.1: id and secret are form-urlencoded before the Basic encoding.
        pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
        headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form.update(client_id=client_id, client_secret=client_secret)
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.post(info.token_endpoint, data=form, headers=headers)
        body = response.json()
    except (httpx.HTTPError, ValueError) as e:
        raise ProviderUnreachable(UNREACHABLE) from e
    if response.status_code != 200 or not isinstance(body, dict) or "id_token" not in body:
        # invalid_grant (a code used twice, a wrong verifier...): the sign-in must start over.
        raise OidcError(BAD_TOKEN)
    return body


async def user_info(info: ProviderInfo, access_token: str) -> dict[str, Any]:
    """The claims the userinfo endpoint gives (providers keep most claims out of the ID token
    when an access token is issued: OpenID Connect Core 5.4)."""
    if not info.userinfo_endpoint or not access_token:
        return {}
    return await _get_json(info.userinfo_endpoint, {"authorization": f"Bearer {access_token}"})
