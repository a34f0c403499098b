"""Staff pages (queues, a dossier with its actions) and the one endpoint that runs an action,
for staff and for citizens (supplement, withdraw)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.access.guards import require_user
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import Procedure
from backend.dossiers import backoffice, drafts, panels, schemas, uploads
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import OFFERED, STATE_LABELS, Action, State
from backend.lib.errors import Conflict, FormErrors, UserError
from backend.lib.i18n import N_
from backend.lib.web import csrf_matches, form_errors, render, see_other


async def staff_page(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    dossier_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    failed_action: str = "",
) -> Template:
    view = await backoffice.staff_view(user, dossier_id)
    return render(
        request,
        "backoffice/dossier.html",
        status_code=status_code,
        dossier=view,
        errors=errors or {},
        values=values or {},
        failed_action=failed_action,
        done=request.query_params.get("done", ""),
        panels=await panels.for_page((panels.Slot.STAFF_FACTS,), view, user),
    )


Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class BackofficeController(Controller):
    include_in_schema = False

    @get("/staff")
    async def home(self, request: Request[Any, Any, Any]) -> Redirect:
        user = require_user(request)
        return see_other(backoffice.home_for(user) if user.role.is_staff else "/my/dossiers")

    @get("/staff/queue")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        view: str = "",
        procedure: int | None = None,
        step: str = "",
    ) -> Template:
        user = require_user(request)
        step = step if step in {s.value for s in State} else ""
        rows = await backoffice.queue(user, view, procedure, step)
        procedures = Procedure.select(Procedure.id, Procedure.name).order_by(Procedure.name)
        if user.agency_id:
            procedures = procedures.where(Procedure.agency == user.agency_id)
        return render(
            request,
            "backoffice/queue.html",
            rows=rows,
            view=view,
            step=step,
            procedure=procedure,
            procedures=await procedures,
            state_labels=STATE_LABELS,
        )

    @get("/staff/dossiers/{dossier_id:int}")
    async def dossier(self, request: Request[Any, Any, Any], dossier_id: int) -> Template:
        user = require_user(request)
        return await staff_page(request, user, dossier_id)


class IntakeController(Controller):
    """Walk-in intake: the officer files for the citizen, then uses the same page to photograph
    or scan the papers and submits; the dossier is received at once (form 01 to print)."""

    path = "/staff/intake"
    include_in_schema = False

    async def _page(
        self, request: Request[Any, Any, Any], status: int = 200, **ctx: Any
    ) -> Template:
        procedures = (
            await Procedure.select(
                Procedure.id, Procedure.name, Procedure.agency.name.as_alias("agency_name")
            )
            .where(Procedure.active.eq(True))
            .order_by(Procedure.agency.name)
            .order_by(Procedure.name)
        )
        return render(
            request,
            "backoffice/intake.html",
            status_code=status,
            procedures=procedures,
            values=ctx.get("values", {}),
            errors=ctx.get("errors", {}),
        )

    @get("/")
    async def form(self, request: Request[Any, Any, Any]) -> Template:
        require_user(request, Role.COUNTER)
        return await self._page(request)

    @post("/")
    async def start(self, request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
        user = require_user(request, Role.COUNTER)
        try:
            procedure = int(data.get("procedure") or 0)
            if not procedure:
                raise FormErrors([UserError(N_("Chọn thủ tục."), field="procedure")])
            dossier_id = await drafts.start_walk_in(
                user, procedure, data.get("phone", ""), data.get("full_name", "")
            )
        except UserError as e:
            return await self._page(request, 422, values=data, errors=form_errors(e))
        return see_other(f"/dossiers/{dossier_id}/edit")


class ActionController(Controller):
    include_in_schema = False

    @post(
        "/dossiers/{dossier_id:int}/actions/{action:str}",
        opt={"exclude_from_csrf": True},
        request_max_body_size=uploads.max_request_bytes(),
    )
    async def run(
        self, request: Request[Any, Any, Any], dossier_id: int, action: str
    ) -> Template | Redirect:
        """Multipart (the leader's result document), streamed like every upload."""
        user = require_user(request)
        form = await uploads.receive(request)
        try:
            if not csrf_matches(request, form.first("_csrf_token")):
                raise PermissionDeniedException("CSRF token verification failed")
            if action not in OFFERED:
                raise UserError("Thao tác không được hỗ trợ.")
            try:
                if action == Action.SUPPLEMENT:
                    # Without JavaScript the citizen's pages come with the button press.
                    outcome = await uploads.attach_files(user, dossier_id, form)
                    if outcome.errors:
                        raise FormErrors(list(outcome.errors.values()))
                inp = await schemas.from_form(form)
                await perform(user, dossier_id, Action(action), inp)
            except UserError as e:
                stale = isinstance(e, Conflict)
                errors = form_errors(e)
                if not user.role.is_staff:
                    from backend.dossiers.controllers import detail_page

                    return await detail_page(
                        request, user, dossier_id, e.status_code, errors, action
                    )
                return await staff_page(
                    request,
                    user,
                    dossier_id,
                    e.status_code,
                    errors,
                    {} if stale else schemas.form_values(form),
                    "" if stale else action,
                )
        finally:
            form.cleanup()
        if user.role.is_staff:
            return see_other(f"/staff/dossiers/{dossier_id}?done={action}")
        return see_other(f"/dossiers/{dossier_id}?done={action}")
