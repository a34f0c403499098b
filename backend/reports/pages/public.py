"""The public statistics page (/statistics): no sign-in, linked from every page's footer."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from backend.access.guards import user_of
from backend.lib.clock import local_today
from backend.lib.web import render
from backend.reports import charts, public, trend
from backend.settings import get_settings

# Browsers and shared caches may keep the page for as long as the figures are kept here. Only
# for anonymous visitors: a signed-in person's page carries their menu and is never stored
# (lib.web.no_store_when_signed_in); `Vary: Cookie` keeps the language and the CSRF token of
# one visitor from being served to another.
PUBLIC_CACHE = f"public, max-age={public.CACHE_SECONDS}"


class PublicStatisticsController(Controller):
    path = "/statistics"
    include_in_schema = False

    @get("/", cache_control=None)
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        today = local_today()
        period = public.public_period(request.query_params.get("month"), today)
        stats = await public.statistics(period)
        province = get_settings().province
        page = render(
            request,
            "reports/public.html",
            stats=stats,
            months=await public.month_choices(today),
            chosen=period.first if period.kind == "month" else None,
            this_year=today.year,
            refresh_minutes=public.CACHE_SECONDS // 60,
            charts={
                "on_time": charts.on_time_chart(
                    [r.punctuality for r in stats.rows], province, "chart-on-time"
                ),
                "satisfaction": charts.satisfaction_chart(
                    [r.satisfaction for r in stats.rows],
                    stats.min_ratings,
                    province,
                    "chart-satisfaction",
                ),
                "trend": charts.trend_chart(
                    trend.points(stats.daily, period.first, stats.until), "chart-trend"
                ),
            },
        )
        if user_of(request) is None:
            page.headers.update({"Cache-Control": PUBLIC_CACHE, "Vary": "Cookie"})
        return page
