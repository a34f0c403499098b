"""The handlers' pages: the queue with its target dates, one complaint with the steps the
person may take, and the endpoint that takes a step.

Handlers are the center's manager (every complaint) and an agency's leader (those about their
agency); everybody else is refused here, whatever the template shows.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, require_user
from backend.complaints import access, handling, queries
from backend.complaints.labels import LABELS
from backend.complaints.schemas import read_step
from backend.complaints.workflow import HANDLERS, Action, staff_actions
from backend.lib.errors import NotFound, UserError
from backend.lib.forms import values_of
from backend.lib.i18n import N_, gettext
from backend.lib.pagination import page_number
from backend.lib.web import FormData, form_errors, render, see_other


async def handlers_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """The guard of these pages: anonymous visitors sign in first; people who do not handle
    complaints are told so (rather than the general "no right to see this page")."""
    user = require_user(connection)
    if user.role not in HANDLERS:
        raise PermissionDeniedException(
            detail=gettext(N_("Bạn không có quyền xử lý phản ánh, kiến nghị."))
        )


async def staff_page(
    request: Request[Any, Any, Any],
    user: SignedIn,
    complaint_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    failed_action: str = "",
) -> Template:
    row = await access.for_handler(user, complaint_id)
    view = await queries.detail(row)
    question, answer = handling.preview(row, view["official_full_name"])
    return render(
        request,
        "complaints/staff_detail.html",
        status_code=status_code,
        complaint=view,
        actions=staff_actions(user, row),
        preview={"question": question, "answer": answer},
        errors=errors or {},
        values=values or {},
        failed_action=failed_action,
        done=request.query_params.get("done", ""),
        labels=LABELS,
    )


class StaffComplaintController(Controller):
    path = "/staff/complaints"
    include_in_schema = False
    guards = [handlers_only]

    @get("/")
    async def queue(
        self, request: Request[Any, Any, Any], user: SignedIn, show: str = "open"
    ) -> Template:
        show = show if show in queries.QUEUE_FILTERS else "open"
        number = page_number(request.query_params.get("page"))
        page = await queries.queue(user, show, number, dict(request.query_params))
        return render(
            request,
            "complaints/staff_queue.html",
            page=page,
            counts=await queries.counts(user),
            show=show,
            labels=LABELS,
        )

    @get("/{complaint_id:int}")
    async def detail(
        self, request: Request[Any, Any, Any], user: SignedIn, complaint_id: int
    ) -> Template:
        return await staff_page(request, user, complaint_id)

    @post("/{complaint_id:int}/actions/{action:str}")
    async def act(
        self,
        request: Request[Any, Any, Any],
        user: SignedIn,
        complaint_id: int,
        action: str,
        data: FormData,
    ) -> Template | Redirect:
        if action not in {a.value for a in Action}:
            raise NotFound(N_("Không tìm thấy trang này."))
        try:
            await handling.take_step(user, complaint_id, Action(action), read_step(data))
        except UserError as e:
            if e.status_code == 404:
                raise
            return await staff_page(
                request, user, complaint_id, e.status_code, form_errors(e), values_of(data), action
            )
        return see_other(f"/staff/complaints/{complaint_id}?done={action}")
