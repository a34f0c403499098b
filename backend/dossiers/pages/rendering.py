"""What the dossier pages share: the draft page, the citizen's and the staff's dossier pages
(shown again with errors when an action or a form is refused), and receiving a streamed upload."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import PermissionDeniedException
from litestar.response import Template

from backend.access.user import CurrentUser
from backend.catalog import addresses, communes
from backend.catalog.queries import get_procedure
from backend.catalog.services import load_calendar
from backend.dossiers import drafts, panels, queries, queues, uploads
from backend.dossiers.action_checks import RECEIVERS
from backend.lib.clock import utcnow
from backend.lib.multipart import ReceivedForm
from backend.lib.web import csrf_matches, receive_upload, render
from backend.lib.workdays import appointment_date
from backend.settings import get_settings

CITIZEN_SLOTS = (panels.Slot.CITIZEN_AFTER_RESULT, panels.Slot.CITIZEN_AFTER_STATUS)
STAFF_SLOTS = (panels.Slot.STAFF_FACTS,)


async def receive(request: Request[Any, Any, Any], check_csrf: bool = True) -> ReceivedForm:
    """A streamed multipart form of the dossier pages (CSRF checked on the form's first
    field, which Litestar's middleware cannot see without reading the whole body)."""
    form = await receive_upload(request, **uploads.upload_limits())
    if check_csrf and not csrf_matches(request, form.first("_csrf_token")):
        form.cleanup()
        raise PermissionDeniedException("CSRF token verification failed")
    return form


async def edit_page(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    dossier_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    missing: list[dict[str, Any]] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    view = await drafts.draft_view(user, dossier_id)
    proc = await get_procedure(view["procedure"])
    settings = get_settings()
    # What the receipt will say if the citizen submits now: a date is easier than "7 days".
    due_if_now = appointment_date(
        utcnow(),
        proc["processing_days"],
        await load_calendar(),
        settings.cutoff if proc["same_day_cutoff"] else None,
        settings.time_zone,
    )
    return render(
        request,
        "dossiers/edit.html",
        status_code=status_code,
        dossier=view,
        proc=proc,
        due_if_now=due_if_now,
        errors=errors or {},
        missing=missing,
        values=values or {},
        address_choices=addresses.choices,
        max_file_mb=settings.max_file_mb,
        max_dossier_mb=settings.max_dossier_mb,
        # A walk-in is received (so transferred) at once: the counter chooses the commune here.
        communes=communes.province_wards()
        if proc["decided_by_commune"] and view["citizen"] != user.id
        else [],
        # The postage, from the post's tariff, before the citizen chooses (backend.postal).
        panels=await panels.for_page((panels.Slot.DRAFT_DELIVERY,), view, user),
    )


async def detail_page(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    dossier_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed_action: str = "",
    values: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Template:
    """The citizen's page of a submitted dossier: where it is, what is asked of them, results
    (`detail`: the dossier as `queries.dossier_detail` gave it, when the caller has it)."""
    view = await queries.citizen_view(user, dossier_id, detail)
    return render(
        request,
        "dossiers/detail.html",
        status_code=status_code,
        dossier=view,
        errors=errors or {},
        failed_action=failed_action,
        done=request.query_params.get("done", ""),
        values=values or {},
        address_choices=addresses.choices,
        # What other domains show here (the post, the rating): backend.dossiers.panels.
        panels=await panels.for_page(CITIZEN_SLOTS, view, user),
    )


async def staff_page(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    dossier_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    failed_action: str = "",
) -> Template:
    view = await queues.staff_view(user, dossier_id)
    return render(
        request,
        "backoffice/dossier.html",
        status_code=status_code,
        dossier=view,
        errors=errors or {},
        values=values or {},
        failed_action=failed_action,
        done=request.query_params.get("done", ""),
        panels=await panels.for_page(STAFF_SLOTS, view, user),
        receivers=RECEIVERS,
    )
