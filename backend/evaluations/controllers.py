"""Evaluation pages under /evaluations.

Forms post urlencoded with `_csrf_token`; a refused form is shown again (422, or 409 when the
period is closed) with what was typed and the messages beside their fields; a saved one
redirects (303).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.access.guards import require_user
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import Agency
from backend.evaluations import (
    assignments,
    criteria_sets,
    periods,
    queries,
    results,
    rules,
    schemas,
    scoring,
)
from backend.evaluations.aggregate import KIND_LABELS, Kind
from backend.evaluations.rules import (
    KIND_SHORT,
    ONE_STOP_SECTION,
    PeriodStatus,
    format_score,
)
from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import form_errors, render, see_other

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

NOTICES: dict[str, str] = {
    "set-saved": N_("Đã lưu bộ tiêu chí."),
    "set-copied": N_("Đã tạo bản sao. Bạn có thể sửa bản sao này."),
    "set-deleted": N_("Đã xoá bộ tiêu chí."),
    "period-saved": N_("Đã lưu kỳ đánh giá."),
    "period-opened": N_("Đã mở kỳ đánh giá. Cán bộ, cơ quan đã thấy phiếu cần chấm."),
    "period-closed": N_("Đã khoá kỳ đánh giá. Không ai nộp hay sửa phiếu được nữa."),
    "period-deleted": N_("Đã xoá kỳ đánh giá."),
    "saved": N_("Đã lưu phiếu. Bạn vẫn sửa được cho đến khi kỳ đánh giá khoá."),
    "all-done": N_("Đã lưu phiếu. Bạn đã chấm đủ các phiếu của phần này."),
}


def _notice(request: Request[Any, Any, Any]) -> str | None:
    return NOTICES.get(request.query_params.get("ok", ""))


def _keep(data: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in data.items() if k != "_csrf_token"}


def _page(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **ctx: Any
) -> Template:
    return render(
        request,
        template,
        status_code=status_code,
        kind_labels=KIND_LABELS,
        kind_short=KIND_SHORT,
        score=format_score,
        one_stop=ONE_STOP_SECTION,
        notice=_notice(request),
        **ctx,
    )


def _participant(request: Request[Any, Any, Any]) -> CurrentUser:
    user = require_user(request)
    rules.require_participant(user)
    return user


def _manager(request: Request[Any, Any, Any]) -> CurrentUser:
    return require_user(request, Role.MANAGER)


class EvaluationController(Controller):
    path = "/evaluations"
    include_in_schema = False

    # --- what I have to fill in -----------------------------------------------------------

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        user = _participant(request)
        periods = (
            await queries.list_periods(user) if user.role in (Role.MANAGER, Role.LEADER) else []
        )
        return _page(
            request,
            "evaluations/index.html",
            tab="todo",
            todo=await queries.todo_for(user),
            periods=periods,
        )

    # --- criteria sets --------------------------------------------------------------------

    @get("/criteria")
    async def sets(self, request: Request[Any, Any, Any]) -> Template:
        _manager(request)
        return _page(
            request, "evaluations/sets.html", tab="criteria", sets=await queries.list_sets()
        )

    async def _set_form(
        self,
        request: Request[Any, Any, Any],
        criteria_set: dict[str, Any] | None,
        values: dict[str, str],
        rows: list[dict[str, str]],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        return _page(
            request,
            "evaluations/set_form.html",
            status_code=status_code,
            tab="criteria",
            criteria_set=criteria_set,
            values=values,
            rows=rows,
            errors=errors or {},
            max_rows=rules.MAX_CRITERIA,
            max_score=rules.MAX_CRITERION_SCORE,
        )

    @get("/criteria/new")
    async def new_set(self, request: Request[Any, Any, Any]) -> Template:
        _manager(request)
        return await self._set_form(request, None, {}, schemas.blank_set_rows())

    @get("/criteria/{set_id:int}")
    async def edit_set(self, request: Request[Any, Any, Any], set_id: int) -> Template:
        _manager(request)
        criteria_set = await queries.load_set(set_id)
        rows = [{"label": c["label"], "max": str(c["max_score"])} for c in criteria_set["criteria"]]
        values = {"name": criteria_set["name"], "description": criteria_set["description"]}
        return await self._set_form(
            request, criteria_set, values, [*rows, {"label": "", "max": ""}]
        )

    @post("/criteria/new")
    async def create_set(self, request: Request[Any, Any, Any], data: Form) -> Any:
        return await self._save_set(request, None, data)

    @post("/criteria/{set_id:int}")
    async def update_set(self, request: Request[Any, Any, Any], set_id: int, data: Form) -> Any:
        return await self._save_set(request, set_id, data)

    async def _save_set(
        self, request: Request[Any, Any, Any], set_id: int | None, data: dict[str, str]
    ) -> Template | Redirect:
        user = _manager(request)
        criteria_set = await queries.load_set(set_id) if set_id is not None else None
        rows = schemas.set_rows_from_form(data)
        values = _keep(data)
        op = data.get("op", "save")
        # "Add a row" and "remove this row" work without JavaScript: the form comes back with
        # the change and nothing is saved yet.
        if op == "add":
            if len(rows) < rules.MAX_CRITERIA:
                rows.append({"label": "", "max": ""})
            return await self._set_form(request, criteria_set, values, rows)
        if op.startswith("remove-") and op[7:].isdigit():
            index = int(op[7:])
            rows = [r for i, r in enumerate(rows) if i != index] or schemas.blank_set_rows(1)
            return await self._set_form(request, criteria_set, values, rows)
        try:
            parsed = schemas.parse_set(data, rows)
            set_id = await criteria_sets.save_set(user, set_id, parsed)
        except UserError as e:
            return await self._set_form(
                request, criteria_set, values, rows, form_errors(e), e.status_code
            )
        return see_other(f"/evaluations/criteria?ok=set-saved#set-{set_id}")

    @post("/criteria/{set_id:int}/copy")
    async def copy_set(self, request: Request[Any, Any, Any], set_id: int) -> Redirect:
        user = _manager(request)
        new_id = await criteria_sets.copy_set(user, set_id)
        return see_other(f"/evaluations/criteria/{new_id}?ok=set-copied")

    @post("/criteria/{set_id:int}/delete")
    async def delete_set(self, request: Request[Any, Any, Any], set_id: int) -> Redirect:
        user = _manager(request)
        await criteria_sets.delete_set(user, set_id)
        return see_other("/evaluations/criteria?ok=set-deleted")

    # --- periods --------------------------------------------------------------------------

    @get("/periods")
    async def periods(self, request: Request[Any, Any, Any]) -> Template:
        user = require_user(request)
        if user.role not in (Role.MANAGER, Role.LEADER):
            rules.require_manager(user)
        return _page(
            request,
            "evaluations/periods.html",
            tab="periods",
            periods=await queries.list_periods(user),
        )

    async def _period_form(
        self,
        request: Request[Any, Any, Any],
        period: dict[str, Any] | None,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        sets = await queries.list_sets()
        return _page(
            request,
            "evaluations/period_form.html",
            status_code=status_code,
            tab="periods",
            period=period,
            values=values,
            errors=errors or {},
            sets=sets,
            kinds=list(Kind),
            # Once opened, the set and the kinds stay as they were.
            locked=period is not None and period["status"] != PeriodStatus.DRAFT.value,
        )

    @get("/periods/new")
    async def new_period(self, request: Request[Any, Any, Any]) -> Template:
        _manager(request)
        values = schemas.period_values(None)
        sets = await queries.list_sets()
        if sets:
            values["criteria_set"] = str(sets[0]["id"])
        return await self._period_form(request, None, values)

    @post("/periods/new")
    async def create_period(self, request: Request[Any, Any, Any], data: Form) -> Any:
        return await self._save_period(request, None, data)

    @get("/periods/{period_id:int}/edit")
    async def edit_period(self, request: Request[Any, Any, Any], period_id: int) -> Template:
        _manager(request)
        period = await queries.load_period(period_id)
        return await self._period_form(request, period, schemas.period_values(period))

    @post("/periods/{period_id:int}/edit")
    async def update_period(
        self, request: Request[Any, Any, Any], period_id: int, data: Form
    ) -> Any:
        return await self._save_period(request, period_id, data)

    async def _save_period(
        self, request: Request[Any, Any, Any], period_id: int | None, data: dict[str, str]
    ) -> Template | Redirect:
        user = _manager(request)
        period = await queries.load_period(period_id) if period_id is not None else None
        values = _keep(data)
        if period is not None and period["status"] != PeriodStatus.DRAFT.value:
            # Locked fields are shown disabled (not posted): keep what is stored.
            stored = schemas.period_values(period)
            values["criteria_set"] = stored["criteria_set"]
            for kind in Kind:
                values[f"kind_{kind.value}"] = stored[f"kind_{kind.value}"]
        try:
            parsed = schemas.parse_period(values)
            period_id = await periods.save_period(user, period_id, parsed)
        except UserError as e:
            return await self._period_form(request, period, values, form_errors(e), e.status_code)
        return see_other(f"/evaluations/periods/{period_id}?ok=period-saved")

    @get("/periods/{period_id:int}")
    async def period(self, request: Request[Any, Any, Any], period_id: int) -> Template | Redirect:
        user = require_user(request)
        if user.role is Role.LEADER:
            return see_other(f"/evaluations/periods/{period_id}/results")
        rules.require_manager(user)
        period = await queries.load_period(period_id)
        return _page(
            request,
            "evaluations/period.html",
            tab="periods",
            period=period,
            progress=await results.progress(period),
        )

    @post("/periods/{period_id:int}/open")
    async def open_period(self, request: Request[Any, Any, Any], period_id: int) -> Redirect:
        await periods.set_status(_manager(request), period_id, "open")
        return see_other(f"/evaluations/periods/{period_id}?ok=period-opened")

    @post("/periods/{period_id:int}/close")
    async def close_period(self, request: Request[Any, Any, Any], period_id: int) -> Redirect:
        await periods.set_status(_manager(request), period_id, "close")
        return see_other(f"/evaluations/periods/{period_id}?ok=period-closed")

    @post("/periods/{period_id:int}/delete")
    async def delete_period(self, request: Request[Any, Any, Any], period_id: int) -> Redirect:
        await periods.delete_period(_manager(request), period_id)
        return see_other("/evaluations/periods?ok=period-deleted")

    @get("/periods/{period_id:int}/results")
    async def results(self, request: Request[Any, Any, Any], period_id: int) -> Template:
        user = require_user(request)
        data = await results.results(user, period_id, gettext(ONE_STOP_SECTION))
        return _page(
            request,
            "evaluations/results.html",
            tab="periods",
            r=data,
            period=data.period,
        )

    # --- the score forms ------------------------------------------------------------------

    async def _form_page(
        self,
        request: Request[Any, Any, Any],
        form: dict[str, Any],
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        saved_name = ""
        saved = request.query_params.get("saved", "")
        if saved.isdigit():
            row = await Agency.select(Agency.name).where(Agency.id == int(saved)).first()
            saved_name = row["name"] if row else ""
        return _page(
            request,
            "evaluations/score_form.html",
            status_code=status_code,
            tab="todo",
            form=form,
            period=form["period"],
            values=form["values"] if values is None else values,
            errors=errors or {},
            saved_name=saved_name,
        )

    @get("/periods/{period_id:int}/self")
    async def self_form(self, request: Request[Any, Any, Any], period_id: int) -> Template:
        user = _participant(request)
        form = await queries.load_form(user, period_id, Kind.SELF, None)
        return await self._form_page(request, form)

    @post("/periods/{period_id:int}/self")
    async def submit_self(
        self, request: Request[Any, Any, Any], period_id: int, data: Form
    ) -> Template | Redirect:
        return await self._submit(request, period_id, Kind.SELF, None, data)

    @get("/periods/{period_id:int}/{kind:str}/{target:int}")
    async def agency_form(
        self, request: Request[Any, Any, Any], period_id: int, kind: str, target: int
    ) -> Template:
        user = _participant(request)
        form = await queries.load_form(user, period_id, _agency_kind(kind), target)
        return await self._form_page(request, form)

    @post("/periods/{period_id:int}/{kind:str}/{target:int}")
    async def submit_agency(
        self, request: Request[Any, Any, Any], period_id: int, kind: str, target: int, data: Form
    ) -> Template | Redirect:
        return await self._submit(request, period_id, _agency_kind(kind), target, data)

    async def _submit(
        self,
        request: Request[Any, Any, Any],
        period_id: int,
        kind: Kind,
        target: int | None,
        data: dict[str, str],
    ) -> Template | Redirect:
        user = _participant(request)
        try:
            await scoring.submit(user, period_id, kind, target, data)
        except UserError as e:
            if e.status_code in (403, 404):
                raise
            form = await queries.load_form(user, period_id, kind, target)
            return await self._form_page(request, form, _keep(data), form_errors(e), e.status_code)
        if kind is Kind.SELF:
            return see_other(f"/evaluations?ok=saved#period-{period_id}")
        period = await queries.load_period(period_id)
        following = await assignments.next_unfilled(user, period, kind, target)
        if following is None:
            return see_other(f"/evaluations?ok=all-done#period-{period_id}")
        return see_other(f"{following}?{urlencode({'saved': target})}")


def _agency_kind(kind: str) -> Kind:
    if kind not in (Kind.CROSS.value, Kind.CENTER.value):
        raise NotFound(N_("Không tìm thấy trang bạn cần."))
    return Kind(kind)
