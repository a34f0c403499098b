"""The application factory: plugins, templates, routes, lifespan."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from asyncpg.exceptions import DataError as PostgresDataError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin, HTMXRequest
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from backend import wiring
from backend.access.guards import USER_DEPENDENCIES, user_of
from backend.access.roles import Role
from backend.accounts import phone_codes, ratelimit, ratelimit_buffered, sms
from backend.accounts import routes as accounts_routes
from backend.accounts.middleware import session_middleware
from backend.accounts.oidc import flow as oidc_flow
from backend.accounts.oidc.pages import button_label as oidc_button_label
from backend.accounts.services import prune_sessions
from backend.audit import checkpoints as audit_checkpoints
from backend.audit import keys as audit_keys
from backend.catalog import routes as catalog_routes
from backend.complaints import routes as complaints_routes
from backend.dossiers import deadlines
from backend.dossiers import routes as dossiers_routes
from backend.dossiers.status import CHANNEL_LABELS, DELIVERY_LABELS, EVENT_LABELS, Status
from backend.dossiers.workflow import Action
from backend.evaluations import routes as evaluations_routes
from backend.lib import cleanup, formatting
from backend.lib.assets import STATIC, asset_version
from backend.lib.errors import UserError
from backend.lib.i18n import N_, current_language, gettext, ngettext
from backend.lib.sqlite_engine import PooledSQLiteEngine
from backend.lib.web import (
    API_ERRORS,
    api_error,
    api_error_body,
    ids_in_range,
    language_middleware,
    login_redirect,
    no_store_when_signed_in,
    security_headers,
    wants_partial,
)
from backend.notifications import routes as notifications_routes
from backend.notifications import sender
from backend.notifications.pages import count_unread
from backend.piccolo_conf import DB
from backend.postal import routes as postal_routes
from backend.postal.lifecycle import ShipmentState
from backend.pwa import routes as pwa_routes
from backend.ratings import routes as ratings_routes
from backend.reports import routes as reports_routes
from backend.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "frontend" / "templates"
log = logging.getLogger("motcua")


@get("/healthz", include_in_schema=False, cache=False)
async def healthz() -> Response[dict[str, Any]]:
    try:
        await _ping()
        ok = True
    except Exception:  # the point is to report it, not to crash
        log.exception("database ping failed")
        ok = False
    return Response({"status": "ok" if ok else "degraded", "database": ok}, status_code=200)


async def _ping() -> None:
    await DB.run_querystring(QueryString("SELECT 1"))


def make_jinja(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template's mtime on each render cost ~5% of a page (issue 14): only
        # while developing.
        auto_reload=settings.debug,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        settings=settings,
        lang=current_language.get,
        asset_version=asset_version(),
        statuses={s.value: s for s in Status},
        delivery_labels=DELIVERY_LABELS,
        channel_labels=CHANNEL_LABELS,
        shipment_labels={s.value: s.label for s in ShipmentState},
        event_labels={**{a.value: a.label for a in Action}, **EVENT_LABELS},
        role_labels={"owner": N_("Công dân"), **{r.value: r.label for r in Role}},
        # The national-identity sign-in button's text, or None when OIDC is not configured.
        oidc_button_label=oidc_button_label,
    )
    env.filters.update(
        date=formatting.format_date,
        datetime=formatting.format_datetime,
        money=formatting.format_money,
        percent=formatting.format_percent,
        decimal=formatting.format_decimal,
        filesize=formatting.format_size,
    )
    return env


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(
    request: Request[Any, Any, Any],
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    extra: Any = None,
) -> Response[Any]:
    if _is_api(request):
        body = api_error_body(status, message, extra=extra if isinstance(extra, list) else None)
        return Response(body, status_code=status, headers=headers)
    template = "errors/error.html"
    if wants_partial(request):
        template = "errors/_toast.html"
    return Template(
        template_name=template,
        context={"status": status, "message": message, "user": user_of(request)},
        status_code=status,
        headers=headers,
    )


def on_user_error(request: Request[Any, Any, Any], exc: UserError) -> Response[Any]:
    if _is_api(request):
        return api_error(exc)
    return _error_page(request, exc.status_code, exc.render(gettext))


def on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and not _is_api(request):
        return login_redirect(request)
    messages = {
        400: gettext("Dữ liệu gửi lên không hợp lệ."),
        401: gettext("Vui lòng đăng nhập."),
        403: gettext("Bạn không có quyền thực hiện thao tác này."),
        404: gettext("Không tìm thấy trang bạn cần."),
        405: gettext("Thao tác không được hỗ trợ."),
        413: gettext("Tệp gửi lên quá lớn."),
        429: gettext("Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút."),
    }
    status = exc.status_code
    message = messages.get(status, gettext("Có lỗi xảy ra. Vui lòng thử lại."))
    if status == 403 and "CSRF" in str(exc.detail):
        message = gettext("Phiên làm việc đã hết hạn. Vui lòng tải lại trang rồi thử lại.")
    elif status == 403 and exc.detail and exc.detail != "Forbidden":
        message = str(exc.detail)
    # The Allow header of a 405, the Retry-After of a 429... stay on the answer.
    return _error_page(request, status, message, exc.headers or None, exc.extra)


def on_bad_value(request: Request[Any, Any, Any], exc: PostgresDataError) -> Response[Any]:
    """PostgreSQL refuses what the request carried (a NUL character in a text, a number out of
    range...): the sender's mistake, a 400 and not a 500. SQLite stores the same values."""
    log.info("value refused by the database on %s: %s", request.url.path, exc)
    return _error_page(request, 400, gettext("Dữ liệu gửi lên có ký tự hoặc giá trị không hợp lệ."))


def on_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _error_page(request, 500, gettext("Hệ thống đang gặp sự cố. Vui lòng thử lại sau."))


async def _housekeeping() -> None:
    """Drop expired sessions, old rate-limit counts, stale temporary uploads and stored files
    no row refers to. Safe to run in every process at once."""
    while True:
        try:
            await prune_sessions()
            await ratelimit.prune()
            await phone_codes.prune()
            await oidc_flow.prune()
            await cleanup.collect_uploads()
        except Exception:  # a failed pass is retried next hour; the app must not stop
            log.exception("housekeeping failed")
        await asyncio.sleep(3600)


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    if isinstance(DB, SQLiteEngine):
        # WAL lets readers go on while one writer writes; the setting is kept in the file.
        await _set_wal()
    elif isinstance(DB, PostgresEngine):
        await DB.start_connection_pool(min_size=1, max_size=10)
    audit_keys.load()  # a bad AUDIT_KEY or AUDIT_SIGNING_KEY stops the start, not a transition
    # What start-up built (routes, templates, tables) lives as long as the process: moved out of
    # the collector's reach, so its full passes under load walk only what requests make.
    gc.collect()
    gc.freeze()
    background = [
        asyncio.create_task(_housekeeping()),
        asyncio.create_task(deadlines.watch()),
        asyncio.create_task(audit_checkpoints.keep_writing()),
    ]
    if get_settings().push_sender_in_app:
        background.append(asyncio.create_task(sender.run_forever()))
    if get_settings().sms_sender_in_app:
        background.append(asyncio.create_task(sms.run_forever()))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
        # Let them end (a transaction rolls back) before their connections close.
        await asyncio.wait(background, timeout=5)
        try:  # the last second's counted lookups, so a restart does not forget them
            await ratelimit_buffered.counter.flush()
        except Exception:
            log.exception("writing rate-limit counts at shutdown failed")
        if isinstance(DB, PostgresEngine):
            await DB.close_connection_pool()
        elif isinstance(DB, PooledSQLiteEngine):
            await DB.close()


async def _set_wal() -> None:
    await DB.run_querystring(QueryString("PRAGMA journal_mode=WAL"))


def domain_routes() -> list[Any]:
    """Each domain lists its handlers in its routes.py."""
    return [
        *accounts_routes.ROUTES,
        *catalog_routes.ROUTES,
        *dossiers_routes.ROUTES,
        *notifications_routes.ROUTES,
        *postal_routes.ROUTES,
        *ratings_routes.ROUTES,
        *complaints_routes.ROUTES,
        *evaluations_routes.ROUTES,
        *pwa_routes.ROUTES,
        *reports_routes.ROUTES,
    ]


def document_api_errors(app: Litestar) -> None:
    """Every /api route may answer the errors of API_ERRORS, with their one body."""
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            handler.responses = {**API_ERRORS, **(handler.responses or {})}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    wiring.connect()
    jinja = make_jinja(settings)
    app = Litestar(
        route_handlers=[
            healthz,
            *domain_routes(),
            create_static_files_router(
                path="/static",
                directories=[STATIC],
                # URLs carry ?v=<asset version>: a changed file gets a new URL.
                cache_control=CacheControlHeader(max_age=31536000, public=True, immutable=True),
                include_in_schema=False,
                send_as_attachment=False,
            ),
        ],
        middleware=[language_middleware, session_middleware],
        dependencies=USER_DEPENDENCIES,
        guards=[ids_in_range],
        before_request=count_unread,
        before_send=[no_store_when_signed_in, security_headers],
        request_class=HTMXRequest,
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(jinja)),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            cookie_samesite="lax",
            # Behind TLS (BASE_URL https://...) the cookie never travels in clear.
            cookie_secure=settings.base_url.startswith("https://"),
            # The API authenticates with bearer tokens, which browsers never send on their own.
            exclude=["/api/"],
        ),
        compression_config=CompressionConfig(
            backend="gzip", gzip_compress_level=6, minimum_size=500
        ),
        openapi_config=OpenAPIConfig(
            title="MotCua API",
            version="1",
            path="/schema",
            description="Dịch vụ công một cửa: tra cứu thủ tục, nộp và theo dõi hồ sơ.",
        ),
        exception_handlers={
            UserError: on_user_error,
            HTTPException: on_http_error,
            NotFoundException: on_http_error,
            PostgresDataError: on_bad_value,
            500: on_server_error,
        },
        lifespan=[lifespan],
        debug=settings.debug,
    )
    document_api_errors(app)
    return app


app = create_app()
