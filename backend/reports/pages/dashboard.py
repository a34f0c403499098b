"""The managers' numbers: the dashboard ("Báo cáo"), the Decision 766 scorecard ("Chỉ số
766") and the dossiers behind each number. The center's managers see every agency; an agency
leader sees their own agency only, whatever the address asks for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from backend.access.guards import SignedIn, requires
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.lib.clock import local_today, utcnow
from backend.lib.errors import NotFound
from backend.lib.forms import to_int
from backend.lib.i18n import N_
from backend.lib.pagination import Page
from backend.lib.web import render
from backend.reports import charts, drilldown, feedback_lists, indicators, queries, trend
from backend.reports.access import agency_scope
from backend.reports.periods import KINDS, Period, period_of
from backend.settings import get_settings

KIND_LABELS = {
    "month": N_("Tháng"),
    "quarter": N_("Quý"),
    "year": N_("Năm"),
    "custom": N_("Từ ngày đến ngày"),
}


def _period(request: Request[Any, Any, Any]) -> Period:
    q = request.query_params
    return period_of(q.get("period", "month"), q.get("first", ""), q.get("last", ""), local_today())


async def _common(request: Request[Any, Any, Any], user: CurrentUser) -> dict[str, Any]:
    period = _period(request)
    agency = agency_scope(user, request.query_params.get("agency", ""))
    query = {**period.query, **({"agency": str(agency)} if agency else {})}
    names = await queries.agency_names()
    return {
        "period": period,
        "agency": agency,
        "agency_name": names.get(agency or 0, ""),
        "agencies": sorted(names.items(), key=lambda kv: kv[1]),
        "may_choose_agency": user.role is not Role.LEADER,
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "query": query,
        "made_at": utcnow(),
        "names": names,
    }


async def _listed(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    key: str,
    known: dict[str, str],
    load: Callable[..., Awaitable[Page[dict[str, Any]]]],
) -> tuple[str, Page[dict[str, Any]], dict[str, Any]]:
    """The list a number opens: which one (`key` in the query, one of `known`), its page in
    the period and scope asked for, and what every report page shows."""
    common = await _common(request, user)
    which = request.query_params.get(key, "")
    if which not in known:
        raise NotFound(N_("Không có số liệu này."))
    page = await load(
        which,
        common["period"],
        common["agency"],
        to_int(request.query_params.get("page", "1")) or 1,
        {**common["query"], key: which},
    )
    return which, page, common


class ReportPages(Controller):
    path = "/manage"
    include_in_schema = False
    guards = [requires(Role.MANAGER, Role.ADMIN, Role.LEADER)]

    @get("/reports")
    async def dashboard(self, request: Request[Any, Any, Any], user: SignedIn) -> Template:
        common = await _common(request, user)
        period, agency = common["period"], common["agency"]
        rows, total = await queries.figures(period, agency, common["names"])
        feedback = await indicators.feedback(period, agency)
        province = get_settings().province
        minimum = get_settings().report_min_ratings
        rated = [
            charts.Share(f.name, feedback[f.agency].satisfied, feedback[f.agency].ratings)
            for f in rows
            if f.agency in feedback
        ]
        return render(
            request,
            "reports/dashboard.html",
            rows=rows,
            total=total,
            feedback=feedback,
            level_names=indicators.LEVEL_NAMES,
            # Every agency rated in the period (one may have ratings and no dossier then).
            rated=sorted(
                ((dict(common["agencies"]).get(a, "—"), fb) for a, fb in feedback.items() if a),
                key=lambda pair: pair[0],
            ),
            charts={
                "trend": charts.trend_chart(
                    trend.points(await trend.daily(period, agency), period.first, period.last),
                    "chart-trend",
                ),
                "on_time": charts.on_time_chart(
                    charts.on_time_shares(rows), province, "chart-on-time"
                ),
                "satisfaction": charts.satisfaction_chart(
                    rated, minimum, province, "chart-satisfaction"
                ),
            },
            kinds_of_complaints=await indicators.complaints_by_kind(
                common["period"], common["agency"]
            ),
            **common,
        )

    @get("/766")
    async def scorecard(self, request: Request[Any, Any, Any], user: SignedIn) -> Template:
        common = await _common(request, user)
        _, total = await queries.figures(common["period"], common["agency"], common["names"])
        found = await indicators.scorecard(common["period"], total, common["agency"])
        groups: dict[str, list[indicators.Indicator]] = {}
        for i in found:  # in the decision's order (Jinja's groupby would sort them)
            groups.setdefault(i.group, []).append(i)
        return render(
            request, "reports/scorecard.html", groups=list(groups.items()), total=total, **common
        )

    @get("/reports/feedback")
    async def feedback(self, request: Request[Any, Any, Any], user: SignedIn) -> Template:
        """The ratings or complaints behind a number of the dashboard."""
        which, page, common = await _listed(
            request, user, "list", feedback_lists.LISTS, feedback_lists.page_of
        )
        return render(
            request,
            "reports/feedback.html",
            which=which,
            list_label=feedback_lists.LISTS[which],
            page=page,
            **common,
        )

    @get("/reports/dossiers")
    async def dossiers(self, request: Request[Any, Any, Any], user: SignedIn) -> Template:
        """The dossiers (or their events) behind a number of the dashboard."""
        metric, page, common = await _listed(
            request, user, "metric", drilldown.METRICS, drilldown.dossiers
        )
        return render(
            request,
            "reports/dossiers.html",
            metric=metric,
            metric_label=drilldown.METRICS[metric],
            by_event=metric in drilldown.EVENT_OF,
            page=page,
            **common,
        )
