"""The reports' files: the dashboard's table as CSV and XLSX, and the periodic report as XLSX,
for the same period and scope as the dashboard (its query parameters).

The center's managers (and administrators) choose any agency or all; an agency leader always
gets their own agency, whatever the address asks for.
"""

from __future__ import annotations

import re

from litestar import Controller, Response, get

from backend.access.guards import SignedIn, requires
from backend.access.roles import Role
from backend.lib.clock import local_today, utcnow
from backend.reports import exports
from backend.reports.access import agency_scope
from backend.reports.backlog import overdue_at_end
from backend.reports.periods import Period, period_of
from backend.reports.queries import figures
from backend.settings import get_settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def attachment(
    content: bytes, media_type: str, stem: str, period: Period, agency: int | None
) -> Response[bytes]:
    """A download with an ASCII file name, never kept by the browser or a proxy."""
    scope = f"-co-quan-{agency}" if agency is not None else ""
    name = _UNSAFE.sub("-", f"{stem}-{period.first.isoformat()}-{period.last.isoformat()}{scope}")
    extension = "csv" if media_type.startswith("text/csv") else "xlsx"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{extension}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class ReportExports(Controller):
    path = "/manage/reports"
    include_in_schema = False
    guards = [requires(Role.MANAGER, Role.ADMIN, Role.LEADER)]

    @get("/export.csv")
    async def dashboard_csv(
        self, user: SignedIn, period: str = "", first: str = "", last: str = "", agency: str = ""
    ) -> Response[bytes]:
        p = period_of(period, first, last, local_today())
        scope = agency_scope(user, agency)
        made_at = utcnow()
        rows, total = await figures(p, scope)
        content = exports.dashboard_csv(rows, total, p, made_at)
        return attachment(content, "text/csv; charset=utf-8", "bao-cao", p, scope)

    @get("/export.xlsx")
    async def dashboard_xlsx(
        self, user: SignedIn, period: str = "", first: str = "", last: str = "", agency: str = ""
    ) -> Response[bytes]:
        p = period_of(period, first, last, local_today())
        scope = agency_scope(user, agency)
        made_at = utcnow()
        rows, total = await figures(p, scope)
        content = exports.dashboard_xlsx(rows, total, p, made_at)
        return attachment(content, XLSX, "bao-cao", p, scope)

    @get("/periodic.xlsx")
    async def periodic_xlsx(
        self, user: SignedIn, period: str = "", first: str = "", last: str = "", agency: str = ""
    ) -> Response[bytes]:
        today = local_today()
        p = period_of(period, first, last, today)
        scope = agency_scope(user, agency)
        made_at = utcnow()
        rows, total = await figures(p, scope)
        if p.last >= today:  # the period reaches today: what is late now
            overdue = {f.agency: f["overdue_now"] for f in rows}
            backlog_on = None
        else:
            overdue = await overdue_at_end(p, scope)
            backlog_on = p.last
        settings = get_settings()
        content = exports.periodic_xlsx(
            rows,
            total,
            p,
            made_at,
            overdue,
            reporter=settings.center_name,
            backlog_on=backlog_on,
        )
        return attachment(content, XLSX, "bao-cao-tthc", p, scope)
