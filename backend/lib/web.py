"""Small pieces every page handler uses: rendering, errors, redirects, client address."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from litestar.plugins.htmx import HTMXRequest
from litestar.response import File, Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from backend.lib.db import MAX_ID
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import current_language, gettext, pick_language
from backend.lib.multipart import ReceivedForm, receive_multipart
from backend.settings import get_settings

LANG_COOKIE = "lang"
CSRF_COOKIE = "csrftoken"
# Citizens' papers and what they upload: never kept in a shared cache, nor on the device after
# sign-out; never read as another type than the one declared; and shown in a sandbox (a
# unique origin, no script), so that a file opened in the browser cannot act as the site
# (`security_headers` adds the rest, but keeps this policy).
USER_FILE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; frame-ancestors 'none'",
}
# The body of a url-encoded form post, read with backend.lib.forms; a field sent several times
# comes as a list.
FormData = Annotated[dict[str, str | list[str]], Body(media_type=RequestEncodingType.URL_ENCODED)]


def language_middleware(app: ASGIApp) -> ASGIApp:
    """The language chosen with the switch (a cookie), for everything the request renders,
    error pages from guards included."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            current_language.set(pick_language(_cookie(scope, LANG_COOKIE)))
        await app(scope, receive, send)

    return middleware


def _cookie(scope: Scope, name: str) -> str | None:
    return Request(scope).cookies.get(name)


async def no_store_when_signed_in(message: Any, scope: Any) -> None:
    """before_send hook: pages shown to a signed-in person are never stored by the browser
    or a proxy, so Back after signing out on a shared phone shows nothing private."""
    if message.get("type") != "http.response.start":
        return
    if not scope.get("user"):
        return
    headers = message.setdefault("headers", [])
    if not any(name.lower() == b"cache-control" for name, _ in headers):
        headers.append((b"cache-control", b"private, no-store"))


# Every response: no inline script anywhere (page behaviour lives in /static/js, htmx runs
# without eval), nothing may frame a page (clickjacking; the kiosk too), no MIME sniffing,
# the address of a page (which may hold a dossier id) never leaves the site, and the camera
# only where a page opts in (photos of papers, the courier's QR scan).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; media-src 'self' blob:; worker-src 'self'; "
    "manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@cache
def content_security_policy(oidc_issuer: str = "") -> bytes:
    """The policy above; with OpenID Connect sign-in (OIDC_ISSUER), form-action also allows
    the provider's origin: signing out is a form posted here whose answer redirects to the
    provider's end-session page, and browsers check form-action on every redirect of a form's
    navigation (backend.accounts.oidc)."""
    parts = urlsplit(oidc_issuer)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c in parts.netloc for c in " ;,'\"")
    ):
        return CONTENT_SECURITY_POLICY.encode()
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    ).encode()


PERMISSIONS = "geolocation=(), microphone=(), payment=(), usb=(), interest-cohort=()"
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
CAMERA_OPT = "camera"  # route opt: this page takes photos or scans codes


async def security_headers(message: Any, scope: Any) -> None:
    """before_send hook: the headers above on every response (a response that sets its own
    Content-Security-Policy, such as a user's file served with `sandbox`, keeps it)."""
    if message.get("type") != "http.response.start":
        return
    headers = message.setdefault("headers", [])
    present = {name.lower() for name, _ in headers}
    handler = scope.get("route_handler")
    camera = bool(handler is not None and getattr(handler, "opt", {}).get(CAMERA_OPT))
    wanted = [
        *SECURITY_HEADERS,
        (b"content-security-policy", content_security_policy(get_settings().oidc_issuer)),
        (b"permissions-policy", f"camera={'(self)' if camera else '()'}, {PERMISSIONS}".encode()),
    ]
    headers.extend((name, value) for name, value in wanted if name not in present)


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(p, strict=False) for p in proxies)


def _trusted(address: str) -> bool:
    networks = _trusted_networks(get_settings().trusted_proxies)
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address: the socket's, or, when it is a trusted proxy (TRUSTED_PROXIES),
    the last address in X-Forwarded-For that is not itself a trusted proxy (the earlier ones
    are whatever the client chose to send)."""
    peer = request.client.host if request.client else "unknown"
    if not _trusted(peer):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return hops[0] if hops else peer


def is_https(request: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the browser talks to us over TLS: directly, or through a trusted proxy that
    says so (X-Forwarded-Proto). Cookies are marked Secure then."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return _trusted(peer) and forwarded == "https"


async def ids_in_range(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """App-wide guard: an integer path parameter outside the ids' range answers 404."""
    for value in connection.path_params.values():
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_ID:
            raise NotFoundException()


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


def wants_partial(request: Request[Any, Any, Any]) -> bool:
    """An htmx request for a fragment (a boosted navigation swaps the whole body)."""
    return isinstance(request, HTMXRequest) and bool(request.htmx) and not request.htmx.boosted


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
        wants_partial(request)
        and isinstance(request, HTMXRequest)
        and not request.htmx.history_restore_request
    )
    headers = {"Vary": "HX-Request"} if partial else None
    return Template(
        template_name=partial if partial and wants_fragment else template,
        context={
            "user": request.scope.get("user"),
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


@dataclass
class ApiError:
    """The one body of every error the JSON API gives (documented for every /api route)."""

    status_code: int
    detail: str  # what went wrong, for a person (Vietnamese, or English with the switch)
    field: str | None = None  # the input it is about, if one
    errors: dict[str, str] | None = None  # every wrong input at once, by field
    extra: list[dict[str, Any]] | None = None  # the validator's own findings (400)


API_ERRORS: dict[int, ResponseSpec] = {
    status: ResponseSpec(data_container=ApiError, description=description)
    for status, description in (
        (400, "Malformed request: a missing or wrongly typed field (see `extra`)."),
        (401, "Not signed in: send `Authorization: Bearer <token>`."),
        (403, "Signed in, but this account may not do this."),
        (404, "Not found, or not visible to this account."),
        (409, "The resource moved meanwhile, or is not in a state that allows this."),
        (413, "The request body is too large."),
        (422, "Inputs refused: `errors` names each field with its message."),
        (429, "Too many attempts: wait (see `Retry-After` when given) and try again."),
    )
}


def api_error_body(
    status_code: int,
    detail: str,
    field: str | None = None,
    errors: dict[str, str] | None = None,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body = ApiError(status_code, detail, field, errors, extra)
    return {k: v for k, v in asdict(body).items() if v is not None}


def api_error(error: UserError) -> Response[dict[str, Any]]:
    errors = error.by_field(gettext) if isinstance(error, FormErrors) else None
    body = api_error_body(error.status_code, error.render(gettext), error.field, errors)
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


async def receive_upload(
    request: Request[Any, Any, Any],
    *,
    tmp_dir: Path,
    max_file_bytes: int,
    max_total_bytes: int,
) -> ReceivedForm:
    """A multipart body streamed to temporary files (never whole in memory): Litestar's own
    parser would read it all first. The caller checks the CSRF token (`csrf_matches`)."""
    return await receive_multipart(
        request.stream(),
        request.headers.get("content-type", ""),
        tmp_dir,
        max_file_bytes=max_file_bytes,
        max_total_bytes=max_total_bytes,
    )


def send_user_file(path: Path, media_type: str, filename: str, *, download: bool = False) -> File:
    """A stored upload (backend.lib.files) with USER_FILE_HEADERS: shown in the browser, or
    saved as a file when the link asks for it (`?download=1`). A PDF is always saved: Chrome
    refuses to show a sandboxed PDF (its viewer counts as a plugin, which a sandbox forbids)
    and would show "blocked" instead; opened from the disk, it is the PDF that qpdf cleaned."""
    attachment = download or media_type == "application/pdf"
    return File(
        path=path,
        media_type=media_type,
        filename=filename,
        content_disposition_type="attachment" if attachment else "inline",
        headers=USER_FILE_HEADERS,
    )
