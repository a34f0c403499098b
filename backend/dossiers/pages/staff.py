"""Staff pages (queues, a dossier with its actions, walk-in intake) and the one endpoint that
runs an action, for staff and for citizens (supplement, withdraw)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, requires, signed_in
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import Procedure
from backend.dossiers import drafts, queries, queues, schemas, uploads
from backend.dossiers.pages.rendering import detail_page, receive, staff_page
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import OFFERED, STATE_LABELS, Action, State
from backend.lib.errors import Conflict, FormErrors, UserError
from backend.lib.forms import first, to_int
from backend.lib.i18n import N_, gettext
from backend.lib.multipart import ReceivedForm
from backend.lib.pagination import page_number
from backend.lib.web import FormData, form_errors, render, see_other


class QueuePages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/staff")
    async def home(self, user: SignedIn) -> Redirect:
        return see_other(queues.home_for(user) if user.role.is_staff else "/my/dossiers")

    @get("/staff/queue")
    async def queue(
        self,
        request: HTMXRequest,
        user: SignedIn,
        view: str = "",
        procedure: str = "",
        step: str = "",
        page: str = "1",
        done: str = "",
    ) -> Template:
        step = step if step in {s.value for s in State} else ""
        wanted = queues.QueueFilter(view[:20], to_int(procedure), step)
        found = await queues.queue(
            user, wanted, page_number(page), query=dict(request.query_params)
        )
        # The filter by procedure is for agency staff (the counter's queues have none).
        procedures: list[dict[str, Any]] = []
        if user.role is not Role.COUNTER:
            chosen = Procedure.select(Procedure.id, Procedure.name).order_by(Procedure.name)
            if user.agency_id:
                chosen = chosen.where(Procedure.agency == user.agency_id)
            procedures = await chosen
        return render(
            request,
            "backoffice/queue.html",
            page=found,
            rows=found.rows,
            view=view,
            step=step,
            procedure=wanted.procedure_id,
            procedures=procedures,
            state_labels=STATE_LABELS,
            # Translated once per page, not once per row.
            state_names={state.value: gettext(state.label) for state in State},
            done=Action(done).label if done in OFFERED else "",
        )

    @get("/staff/dossiers/{dossier_id:int}")
    async def dossier(self, request: HTMXRequest, dossier_id: int, user: SignedIn) -> Template:
        return await staff_page(request, user, dossier_id)


class IntakePages(Controller):
    """Walk-in intake: the officer files for the citizen, then uses the same page to photograph
    or scan the papers and submits; the dossier is received at once (form 01 to print)."""

    path = "/staff/intake"
    include_in_schema = False
    guards = [requires(Role.COUNTER)]

    @get("/")
    async def form(self, request: HTMXRequest) -> Template:
        return await _intake_page(request)

    @post("/")
    async def start(
        self, request: HTMXRequest, data: FormData, user: SignedIn
    ) -> Template | Redirect:
        try:
            procedure = to_int(first(data, "procedure"))
            if not procedure:
                raise FormErrors([UserError(N_("Chọn thủ tục."), field="procedure")])
            dossier_id = await drafts.start_walk_in(
                user, procedure, first(data, "phone"), first(data, "full_name")
            )
        except UserError as e:
            return await _intake_page(request, 422, data, form_errors(e))
        return see_other(f"/dossiers/{dossier_id}/edit")


async def _intake_page(
    request: HTMXRequest,
    status: int = 200,
    values: FormData | None = None,
    errors: dict[str, str] | None = None,
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
        values=values or {},
        errors=errors or {},
    )


class ActionPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @post(
        "/dossiers/{dossier_id:int}/actions/{action:str}",
        opt={"exclude_from_csrf": True},
        request_max_body_size=uploads.max_request_bytes(),
    )
    async def run(
        self, request: HTMXRequest, dossier_id: int, action: str, user: SignedIn
    ) -> Template | Redirect:
        """Multipart (the leader's result document), streamed like every upload."""
        form = await receive(request)
        try:
            try:
                await _run(user, dossier_id, action, form)
            except UserError as e:
                return await _refused(request, user, dossier_id, action, form, e)
        finally:
            form.cleanup()
        if not user.role.is_staff:
            return see_other(f"/dossiers/{dossier_id}?done={action}")
        if not await queries.visible_to(user, dossier_id):
            # Given back to the owning agency (return_forward): back to the queue, told so.
            return see_other(f"/staff/queue?done={action}")
        return see_other(f"/staff/dossiers/{dossier_id}?done={action}")


async def _run(user: CurrentUser, dossier_id: int, action: str, form: ReceivedForm) -> None:
    if action not in OFFERED:
        raise UserError(N_("Thao tác không được hỗ trợ."))
    if action == Action.SUPPLEMENT:
        # Without JavaScript the citizen's pages come with the button press.
        outcome = await uploads.attach_files(user, dossier_id, form)
        if outcome.errors:
            raise FormErrors(list(outcome.errors.values()))
    await perform(user, dossier_id, Action(action), await schemas.from_form(form))


async def _refused(
    request: HTMXRequest,
    user: CurrentUser,
    dossier_id: int,
    action: str,
    form: ReceivedForm,
    error: UserError,
) -> Template:
    """The page again with the message beside the action (a stale page: the newest state)."""
    errors = form_errors(error)
    if not user.role.is_staff:
        return await detail_page(request, user, dossier_id, error.status_code, errors, action)
    stale = isinstance(error, Conflict)
    values = {} if stale else schemas.form_values(form)
    failed = "" if stale else action
    return await staff_page(request, user, dossier_id, error.status_code, errors, values, failed)


STAFF_PAGES: list[type[Controller]] = [QueuePages, IntakePages, ActionPages]
