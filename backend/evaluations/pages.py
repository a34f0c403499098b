"""Evaluation pages under /evaluations.

Forms post urlencoded with `_csrf_token`; a refused form is shown again (422, or 409 when the
period is closed) with what was typed and the messages beside their fields; a saved one
redirects (303).

Three controllers, by who comes in:

- `ManagerPages`: the center's manager defines criteria sets and periods and runs them;
- `OfficialPages`: officials (and the manager) see what they have to fill in and fill it in;
  anybody else is told, in the domain's words, that these pages are for officials;
- `PeriodPages`: any signed-in person may ask; who sees which period, and how much of its
  results, is decided in `queries`/`results`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, require_user, requires, signed_in
from backend.access.roles import Role
from backend.evaluations import assignments, criteria_sets, periods, queries, results, scoring
from backend.evaluations.aggregate import KIND_LABELS, Kind
from backend.evaluations.rules import (
    KIND_SHORT,
    MAX_CRITERIA,
    MAX_CRITERION_SCORE,
    ONE_STOP_SECTION,
    PAGE_NOT_FOUND,
    PeriodStatus,
    format_score,
    require_participant,
)
from backend.evaluations.schemas import (
    blank_set_rows,
    change_rows,
    keep_locked_fields,
    parse_period,
    parse_set,
    period_values,
    set_rows_from_form,
)
from backend.lib.errors import NotFound, UserError
from backend.lib.forms import first, values_of
from backend.lib.i18n import N_, gettext
from backend.lib.web import FormData, form_errors, render, see_other

NOTICES: dict[str, str] = {
    "set-saved": N_("Đã lưu bộ tiêu chí."),
    "set-copied": N_("Đã tạo bản sao. Bạn có thể sửa bản sao này."),
    "set-deleted": N_("Đã xóa bộ tiêu chí."),
    "period-saved": N_("Đã lưu kỳ đánh giá."),
    "period-opened": N_("Đã mở kỳ đánh giá. Cán bộ, cơ quan đã thấy phiếu cần chấm."),
    "period-closed": N_("Đã khóa kỳ đánh giá. Không ai nộp hay sửa phiếu được nữa."),
    "period-deleted": N_("Đã xóa kỳ đánh giá."),
    "saved": N_("Đã lưu phiếu. Bạn vẫn sửa được cho đến khi kỳ đánh giá khóa."),
    "all-done": N_("Đã lưu phiếu. Bạn đã chấm đủ các phiếu của phần này."),
}


async def officials_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: officials who assess themselves and the manager (the domain's own message for
    anybody else, rather than the generic one of `requires`)."""
    require_participant(require_user(connection))


def _page(request: HTMXRequest, template: str, status_code: int = 200, **ctx: Any) -> Template:
    return render(
        request,
        template,
        status_code=status_code,
        kind_labels=KIND_LABELS,
        kind_short=KIND_SHORT,
        score=format_score,
        one_stop=ONE_STOP_SECTION,
        notice=NOTICES.get(request.query_params.get("ok", "")),
        **ctx,
    )


def _agency_kind(kind: str) -> Kind:
    if kind not in (Kind.CROSS.value, Kind.CENTER.value):
        raise NotFound(PAGE_NOT_FOUND)
    return Kind(kind)


# --- the manager: criteria sets and periods ----------------------------------------------------


def _set_form(
    request: HTMXRequest,
    criteria_set: dict[str, Any] | None,
    values: dict[str, Any],
    rows: list[dict[str, str]],
    error: UserError | None = None,
) -> Template:
    return _page(
        request,
        "evaluations/set_form.html",
        status_code=error.status_code if error else 200,
        tab="criteria",
        criteria_set=criteria_set,
        values=values,
        rows=rows,
        errors=form_errors(error) if error else {},
        max_rows=MAX_CRITERIA,
        max_score=MAX_CRITERION_SCORE,
    )


async def _period_form(
    request: HTMXRequest,
    period: dict[str, Any] | None,
    values: dict[str, Any],
    error: UserError | None = None,
) -> Template:
    return _page(
        request,
        "evaluations/period_form.html",
        status_code=error.status_code if error else 200,
        tab="periods",
        period=period,
        values=values,
        errors=form_errors(error) if error else {},
        sets=await queries.list_sets(),
        kinds=list(Kind),
        # Once opened, the set and the kinds stay as they were.
        locked=period is not None and period["status"] != PeriodStatus.DRAFT.value,
    )


class ManagerPages(Controller):
    path = "/evaluations"
    guards = [requires(Role.MANAGER)]
    include_in_schema = False

    @get("/criteria")
    async def sets(self, request: HTMXRequest) -> Template:
        sets = await queries.list_sets()
        return _page(request, "evaluations/sets.html", tab="criteria", sets=sets)

    @get("/criteria/new")
    async def new_set(self, request: HTMXRequest) -> Template:
        return _set_form(request, None, {}, blank_set_rows())

    @get("/criteria/{set_id:int}")
    async def edit_set(self, request: HTMXRequest, set_id: int) -> Template:
        criteria_set = await queries.load_set(set_id)
        rows = [{"label": c["label"], "max": str(c["max_score"])} for c in criteria_set["criteria"]]
        values = {"name": criteria_set["name"], "description": criteria_set["description"]}
        return _set_form(request, criteria_set, values, [*rows, *blank_set_rows(1)])

    @post("/criteria/new")
    async def create_set(
        self, request: HTMXRequest, user: SignedIn, data: FormData
    ) -> Template | Redirect:
        return await self._save_set(request, user, None, data)

    @post("/criteria/{set_id:int}")
    async def update_set(
        self, request: HTMXRequest, user: SignedIn, set_id: int, data: FormData
    ) -> Template | Redirect:
        return await self._save_set(request, user, set_id, data)

    async def _save_set(
        self, request: HTMXRequest, user: SignedIn, set_id: int | None, data: FormData
    ) -> Template | Redirect:
        criteria_set = await queries.load_set(set_id) if set_id is not None else None
        rows = set_rows_from_form(data)
        values = values_of(data)
        changed = change_rows(first(data, "op", "save"), rows)
        if changed is not None:
            return _set_form(request, criteria_set, values, changed)
        try:
            set_id = await criteria_sets.save_set(user, set_id, parse_set(data, rows))
        except UserError as e:
            return _set_form(request, criteria_set, values, rows, e)
        return see_other(f"/evaluations/criteria?ok=set-saved#set-{set_id}")

    @post("/criteria/{set_id:int}/copy")
    async def copy_set(self, user: SignedIn, set_id: int) -> Redirect:
        new_id = await criteria_sets.copy_set(user, set_id)
        return see_other(f"/evaluations/criteria/{new_id}?ok=set-copied")

    @post("/criteria/{set_id:int}/delete")
    async def delete_set(self, user: SignedIn, set_id: int) -> Redirect:
        await criteria_sets.delete_set(user, set_id)
        return see_other("/evaluations/criteria?ok=set-deleted")

    @get("/periods/new")
    async def new_period(self, request: HTMXRequest) -> Template:
        values = period_values(None)
        sets = await queries.list_sets()
        if sets:
            values["criteria_set"] = str(sets[0]["id"])
        return await _period_form(request, None, values)

    @post("/periods/new")
    async def create_period(
        self, request: HTMXRequest, user: SignedIn, data: FormData
    ) -> Template | Redirect:
        return await self._save_period(request, user, None, data)

    @get("/periods/{period_id:int}/edit")
    async def edit_period(self, request: HTMXRequest, period_id: int) -> Template:
        period = await queries.load_period(period_id)
        return await _period_form(request, period, period_values(period))

    @post("/periods/{period_id:int}/edit")
    async def update_period(
        self, request: HTMXRequest, user: SignedIn, period_id: int, data: FormData
    ) -> Template | Redirect:
        return await self._save_period(request, user, period_id, data)

    async def _save_period(
        self, request: HTMXRequest, user: SignedIn, period_id: int | None, data: FormData
    ) -> Template | Redirect:
        period = await queries.load_period(period_id) if period_id is not None else None
        values = keep_locked_fields(values_of(data), period)
        try:
            period_id = await periods.save_period(user, period_id, parse_period(values))
        except UserError as e:
            return await _period_form(request, period, values, e)
        return see_other(f"/evaluations/periods/{period_id}?ok=period-saved")

    @post("/periods/{period_id:int}/open")
    async def open_period(self, user: SignedIn, period_id: int) -> Redirect:
        await periods.set_status(user, period_id, "open")
        return see_other(f"/evaluations/periods/{period_id}?ok=period-opened")

    @post("/periods/{period_id:int}/close")
    async def close_period(self, user: SignedIn, period_id: int) -> Redirect:
        await periods.set_status(user, period_id, "close")
        return see_other(f"/evaluations/periods/{period_id}?ok=period-closed")

    @post("/periods/{period_id:int}/delete")
    async def delete_period(self, user: SignedIn, period_id: int) -> Redirect:
        await periods.delete_period(user, period_id)
        return see_other("/evaluations/periods?ok=period-deleted")


# --- periods and results: who sees what is decided by the queries ------------------------------


class PeriodPages(Controller):
    path = "/evaluations"
    guards = [signed_in]
    include_in_schema = False

    @get("/periods")
    async def period_list(self, request: HTMXRequest, user: SignedIn) -> Template:
        rows = await queries.list_periods(user)
        return _page(request, "evaluations/periods.html", tab="periods", periods=rows)

    @get("/periods/{period_id:int}")
    async def period(
        self, request: HTMXRequest, user: SignedIn, period_id: int
    ) -> Template | Redirect:
        if user.role is Role.LEADER:
            # A leader's view of a period is their agency's results.
            return see_other(f"/evaluations/periods/{period_id}/results")
        seen = await results.overview(user, period_id)
        return _page(
            request,
            "evaluations/period.html",
            tab="periods",
            period=seen.period,
            progress=seen.progress,
        )

    @get("/periods/{period_id:int}/results")
    async def period_results(
        self, request: HTMXRequest, user: SignedIn, period_id: int
    ) -> Template:
        data = await results.results(user, period_id, gettext(ONE_STOP_SECTION))
        return _page(request, "evaluations/results.html", tab="periods", r=data, period=data.period)


# --- officials: what to fill in, and the score forms -------------------------------------------


async def _form_page(
    request: HTMXRequest,
    form: dict[str, Any],
    values: dict[str, Any] | None = None,
    error: UserError | None = None,
) -> Template:
    # After saving one agency's form the next one opens with `?saved=<that agency>`.
    saved = request.query_params.get("saved", "")
    saved_name = (await queries.agency_name(int(saved)) or "") if saved.isdigit() else ""
    return _page(
        request,
        "evaluations/score_form.html",
        status_code=error.status_code if error else 200,
        tab="todo",
        form=form,
        period=form["period"],
        values=form["values"] if values is None else values,
        errors=form_errors(error) if error else {},
        saved_name=saved_name,
    )


class OfficialPages(Controller):
    path = "/evaluations"
    guards = [officials_only]
    include_in_schema = False

    @get("/")
    async def index(self, request: HTMXRequest, user: SignedIn) -> Template:
        listed = user.role in (Role.MANAGER, Role.LEADER)
        return _page(
            request,
            "evaluations/index.html",
            tab="todo",
            todo=await queries.todo_for(user),
            periods=await queries.list_periods(user) if listed else [],
        )

    @get("/periods/{period_id:int}/self")
    async def self_form(self, request: HTMXRequest, user: SignedIn, period_id: int) -> Template:
        form = await queries.load_form(user, period_id, Kind.SELF, None)
        return await _form_page(request, form)

    @post("/periods/{period_id:int}/self")
    async def submit_self(
        self, request: HTMXRequest, user: SignedIn, period_id: int, data: FormData
    ) -> Template | Redirect:
        return await self._submit(request, user, period_id, Kind.SELF, None, data)

    @get("/periods/{period_id:int}/{kind:str}/{target:int}")
    async def agency_form(
        self, request: HTMXRequest, user: SignedIn, period_id: int, kind: str, target: int
    ) -> Template:
        form = await queries.load_form(user, period_id, _agency_kind(kind), target)
        return await _form_page(request, form)

    @post("/periods/{period_id:int}/{kind:str}/{target:int}")
    async def submit_agency(
        self,
        request: HTMXRequest,
        user: SignedIn,
        period_id: int,
        kind: str,
        target: int,
        data: FormData,
    ) -> Template | Redirect:
        return await self._submit(request, user, period_id, _agency_kind(kind), target, data)

    async def _submit(
        self,
        request: HTMXRequest,
        user: SignedIn,
        period_id: int,
        kind: Kind,
        target: int | None,
        data: FormData,
    ) -> Template | Redirect:
        try:
            await scoring.submit(user, period_id, kind, target, data)
        except UserError as e:
            if e.status_code in (403, 404):
                raise
            form = await queries.load_form(user, period_id, kind, target)
            return await _form_page(request, form, values_of(data), e)
        if kind is Kind.SELF:
            return see_other(f"/evaluations?ok=saved#period-{period_id}")
        period = await queries.load_period(period_id)
        following = await assignments.next_unfilled(user, period, kind, target)
        if following is None:
            return see_other(f"/evaluations?ok=all-done#period-{period_id}")
        return see_other(f"{following}?{urlencode({'saved': target})}")
