"""One sign-in through the provider: Authorization Code with PKCE (S256), `state` and `nonce`.

`start` keeps what the return must match in a row of `oidc_login` (the `state` only as a
SHA-256) and gives the provider's address; the page also puts the `state` in a short-lived
cookie of this browser, so a `state` carried to another browser is refused. `finish` deletes
the row as it reads it: a `state` works once, a replayed one finds nothing. Then the code is
exchanged with its verifier, the ID token checked (backend.accounts.oidc.client), the
userinfo claims added, and the account found or made (backend.accounts.oidc.linking).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from backend.accounts.oidc import client, linking
from backend.accounts.oidc.client import BAD_TOKEN, OidcError
from backend.accounts.services import _digest as session_digest
from backend.accounts.tables import AuthSession, OidcLogin, OidcSession
from backend.lib.clock import utcnow
from backend.lib.i18n import N_
from backend.settings import Settings, get_settings

# Long enough to find the phone's identity app and type a PIN, short enough that a `state`
# left in a browser's history is of no use later.
STATE_TTL = timedelta(minutes=10)
CALLBACK_PATH = "/auth/oidc/callback"

STATE_REFUSED = N_(
    "Phiên đăng nhập này không hợp lệ, đã hết hạn hoặc đã được dùng rồi. "
    "Vui lòng bấm đăng nhập bằng tài khoản định danh điện tử lại từ đầu."
)
CANCELLED = N_("Bạn đã huỷ đăng nhập bằng tài khoản định danh điện tử.")
PROVIDER_REFUSED = N_(
    "Hệ thống định danh điện tử chưa cho phép đăng nhập (mã lỗi: {code}). Vui lòng thử lại."
)


def current_settings() -> Settings:
    """The settings every OIDC page reads (one place for tests to give other ones)."""
    return get_settings()


def redirect_uri(settings: Settings) -> str:
    return settings.base_url + CALLBACK_PATH


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _challenge(verifier: str) -> str:
    """RFC 7636 4.2: BASE64URL(SHA256(verifier)), without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


async def start(settings: Settings, next_url: str) -> tuple[str, str]:
    """The provider's authorization URL, and the `state` for the browser's cookie."""
    info = await client.discover(settings.oidc_issuer)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters of the unreserved set (43..128)
    await OidcLogin.insert(
        OidcLogin(
            state_hash=_sha256(state),
            issuer=settings.oidc_issuer,
            nonce=nonce,
            code_verifier=verifier,
            next_url=next_url[:500],
            expires_at=utcnow() + STATE_TTL,
        )
    )
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri(settings),
            "scope": " ".join(settings.oidc_scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    endpoint = info.authorization_endpoint
    return endpoint + ("&" if "?" in endpoint else "?") + query, state


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    how: str  # "known", "personal_id", "phone" or "new" (backend.accounts.oidc.linking)
    next_url: str
    id_token: str


async def finish(
    settings: Settings,
    *,
    state: str,
    browser_state: str,
    code: str,
    error: str = "",
    issuer: str = "",
) -> SignedIn:
    """The account the provider's answer signs in to; OidcError when anything is off."""
    if not state or not browser_state or not secrets.compare_digest(state, browser_state):
        raise OidcError(STATE_REFUSED)
    rows = (
        await OidcLogin.delete()
        .where(OidcLogin.state_hash == _sha256(state))
        .returning(
            OidcLogin.issuer,
            OidcLogin.nonce,
            OidcLogin.code_verifier,
            OidcLogin.next_url,
            OidcLogin.expires_at,
        )
    )
    login = rows[0] if rows else None
    # Expired rows may still be there (pruned hourly); another issuer's (the setting changed
    # meanwhile) must not be answered by this one.
    if login is None or login["expires_at"] <= utcnow() or login["issuer"] != settings.oidc_issuer:
        raise OidcError(STATE_REFUSED)
    if error:
        if error == "access_denied":
            raise OidcError(CANCELLED)
        raise OidcError(PROVIDER_REFUSED, code=error[:40])
    # RFC 9207: a provider that names itself in the answer must be the one asked (mix-up).
    if issuer and issuer != settings.oidc_issuer:
        raise OidcError(BAD_TOKEN)
    if not code:
        raise OidcError(BAD_TOKEN)
    info = await client.discover(settings.oidc_issuer)
    tokens = await client.exchange_code(
        info,
        code=code,
        code_verifier=login["code_verifier"],
        redirect_uri=redirect_uri(settings),
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
    )
    id_token = str(tokens["id_token"])
    claims = await client.check_id_token(
        info, id_token, client_id=settings.oidc_client_id, nonce=login["nonce"], now=utcnow()
    )
    extra = await client.user_info(info, str(tokens.get("access_token") or ""))
    if extra and extra.get("sub") != claims["sub"]:
        raise OidcError(BAD_TOKEN)  # Core 5.3.2: userinfo of somebody else
    person = linking.person_from_claims({**extra, **claims}, settings)
    user_id, how = await linking.account_for(person, settings.secret_key)
    return SignedIn(user_id, how, login["next_url"], id_token)


async def is_pending(state: str) -> bool:
    """Whether a sign-in started with this `state` is still waiting (tests, diagnostics)."""
    return await OidcLogin.exists().where(
        (OidcLogin.state_hash == _sha256(state)) & (OidcLogin.expires_at > utcnow())
    )


async def remember_session(session_token: str, issuer: str, id_token: str) -> None:
    """Keep the ID token beside the web session, for the provider's sign-out."""
    row = (
        await AuthSession.select(AuthSession.id)
        .where(AuthSession.token_hash == session_digest(session_token))
        .first()
    )
    if row is not None:
        await OidcSession.insert(OidcSession(session=row["id"], issuer=issuer, id_token=id_token))


async def end_session_url(settings: Settings, session_token: str) -> str | None:
    """Where to send the browser to end the provider's session too (RP-Initiated Logout 1.0),
    or None: not signed in through the provider, or it offers no end-session endpoint (or
    cannot be reached: signing out here must not wait for it)."""
    row = (
        await OidcSession.select(OidcSession.issuer, OidcSession.id_token)
        .where(OidcSession.session.token_hash == session_digest(session_token))
        .first()
    )
    if row is None or not settings.oidc_enabled or row["issuer"] != settings.oidc_issuer:
        return None
    try:
        info = await client.discover(settings.oidc_issuer)
    except OidcError:
        return None
    if not info.end_session_endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": row["id_token"],
            "post_logout_redirect_uri": settings.base_url + "/",
            "client_id": settings.oidc_client_id,
        }
    )
    endpoint = info.end_session_endpoint
    return endpoint + ("&" if "?" in endpoint else "?") + query


async def prune() -> None:
    """Sign-ins that never came back."""
    await OidcLogin.delete().where(OidcLogin.expires_at < utcnow())
