"""The ID token's checks, with tokens signed here by keys published on a JWKS (a loopback
issuer serving its discovery document and keys): what a real provider never sends on purpose
(a tampered signature, an expired token, another audience...) is made here and refused."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from backend.accounts.oidc import client
from backend.accounts.oidc.client import OidcError
from backend.lib.clock import utcnow

CLIENT_ID = "motcua"
NONCE = "n-0S6_WzA2Mj"


class Issuer:
    """A loopback issuer: its discovery document and whatever keys the test publishes."""

    def __init__(self) -> None:
        self.keys: list[RSAKey] = []
        self.jwks_fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body: dict[str, Any] = {
                        "issuer": issuer.url,
                        "authorization_endpoint": issuer.url + "/auth",
                        "token_endpoint": issuer.url + "/token",
                        "jwks_uri": issuer.url + "/jwks",
                        "id_token_signing_alg_values_supported": ["RS256", "none", "HS256"],
                    }
                elif self.path == "/jwks":
                    issuer.jwks_fetches += 1
                    body = {"keys": [k.as_dict(private=False) for k in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def new_key(self, kid: str) -> RSAKey:
        key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig"})
        self.keys.append(key)
        return key


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    running.new_key("k1")
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()
    client.forget()


def claims(issuer: Issuer, now: datetime, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": issuer.url,
        "sub": "person-1",
        "aud": CLIENT_ID,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
        "nonce": NONCE,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: RSAKey | OctKey, payload: dict[str, Any], alg: str = "RS256") -> str:
    header = {"alg": alg, "kid": key.kid} if key.kid else {"alg": alg}
    return jwt.encode(header, payload, key, algorithms=[alg])


async def check(issuer: Issuer, token: str, nonce: str = NONCE) -> dict[str, Any]:
    info = await client.discover(issuer.url)
    return await client.check_id_token(info, token, client_id=CLIENT_ID, nonce=nonce, now=utcnow())


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_good_token_passes(issuer: Issuer) -> None:
    token = sign(issuer.keys[0], claims(issuer, utcnow()))
    assert (await check(issuer, token))["sub"] == "person-1"


async def test_a_tampered_token_is_refused(issuer: Issuer) -> None:
    token = sign(issuer.keys[0], claims(issuer, utcnow()))
    header, _payload, signature = token.split(".")
    changed = b64(claims(issuer, utcnow(), sub="somebody-else"))
    with pytest.raises(OidcError):
        await check(issuer, f"{header}.{changed}.{signature}")
    # The signature itself changed.
    flipped = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    with pytest.raises(OidcError):
        await check(issuer, f"{header}.{_payload}.{flipped}")


async def test_a_key_that_is_not_the_provider_s_is_refused(issuer: Issuer) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": issuer.keys[0].kid})
    with pytest.raises(OidcError):
        await check(issuer, sign(impostor, claims(issuer, utcnow())))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"nonce": "another-nonce"}, id="wrong-nonce"),
        pytest.param({"nonce": None}, id="no-nonce"),
        pytest.param({"aud": "another-client"}, id="wrong-audience"),
        pytest.param({"aud": [CLIENT_ID, "another-client"]}, id="several-audiences-no-azp"),
        pytest.param({"iss": "http://127.0.0.1:1"}, id="wrong-issuer"),
        pytest.param({"sub": None}, id="no-subject"),
        pytest.param({"iat": None}, id="no-iat"),
        pytest.param({"exp": None}, id="no-exp"),
    ],
)
async def test_wrong_claims_are_refused(issuer: Issuer, changes: dict[str, Any]) -> None:
    with pytest.raises(OidcError):
        await check(issuer, sign(issuer.keys[0], claims(issuer, utcnow(), **changes)))


async def test_an_expired_token_is_refused(issuer: Issuer) -> None:
    now = utcnow()
    issued = now - timedelta(hours=1)
    expired = claims(issuer, issued, exp=int((now - timedelta(minutes=2)).timestamp()))
    with pytest.raises(OidcError):
        await check(issuer, sign(issuer.keys[0], expired))
    # Within the clock leeway (60 s) it still passes.
    almost = claims(issuer, issued, exp=int((now - timedelta(seconds=20)).timestamp()))
    assert await check(issuer, sign(issuer.keys[0], almost))


async def test_a_token_issued_in_the_future_is_refused(issuer: Issuer) -> None:
    later = utcnow() + timedelta(minutes=30)
    with pytest.raises(OidcError):
        await check(issuer, sign(issuer.keys[0], claims(issuer, later)))


async def test_several_audiences_need_azp(issuer: Issuer) -> None:
    payload = claims(issuer, utcnow(), aud=[CLIENT_ID, "other"], azp=CLIENT_ID)
    assert await check(issuer, sign(issuer.keys[0], payload))


async def test_unsigned_and_secret_signed_tokens_are_refused(issuer: Issuer) -> None:
    payload = claims(issuer, utcnow())
    with pytest.raises(OidcError):
        await check(issuer, f"{b64({'alg': 'none'})}.{b64(payload)}.")
    # HS256 with a guessable secret (or the public key's bytes): never accepted.
    secret = OctKey.import_key("the-client-secret-the-client-secret")
    with pytest.raises(OidcError):
        await check(issuer, sign(secret, payload, alg="HS256"))


async def test_keys_rotated_by_the_provider_are_fetched_again(issuer: Issuer) -> None:
    await check(issuer, sign(issuer.keys[0], claims(issuer, utcnow())))
    fetched = issuer.jwks_fetches
    rotated = issuer.new_key("k2")
    assert await check(issuer, sign(rotated, claims(issuer, utcnow())))
    assert issuer.jwks_fetches == fetched + 1
    # An unknown key id right after does not make the app fetch the keys again at once.
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k3"})
    with pytest.raises(OidcError):
        await check(issuer, sign(stranger, claims(issuer, utcnow())))
    assert issuer.jwks_fetches == fetched + 1
