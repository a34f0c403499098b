"""The citizen's dossier pages: draft and upload, submit, receipt, tracking."""

from __future__ import annotations

from typing import Annotated, Any

import segno
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import Body
from litestar.response import File, Redirect, Template

from backend.access.guards import require_user, user_of
from backend.access.user import CurrentUser
from backend.catalog import addresses
from backend.catalog.queries import get_procedure
from backend.catalog.services import load_calendar
from backend.dossiers import drafts, panels, queries, submission, tracking, uploads
from backend.dossiers.backoffice import supplement_request
from backend.dossiers.delivery import Delivery
from backend.dossiers.schemas import delivery_from, delivery_values
from backend.dossiers.status import Status
from backend.dossiers.submission import MissingDocuments
from backend.dossiers.tables import DossierFile
from backend.dossiers.workflow import Action, State, find
from backend.lib.clock import utcnow
from backend.lib.errors import UserError
from backend.lib.i18n import gettext
from backend.lib.web import FormData, client_ip, csrf_matches, form_errors, render, see_other
from backend.lib.workdays import appointment_date
from backend.settings import get_settings

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
CITIZEN_SLOTS = (panels.Slot.CITIZEN_AFTER_RESULT, panels.Slot.CITIZEN_AFTER_STATUS)


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
        settings.cutoff,
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
    )


async def detail_page(
    request: Request[Any, Any, Any],
    user: CurrentUser,
    dossier_id: int,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    failed_action: str = "",
    values: dict[str, Any] | None = None,
) -> Template:
    """The citizen's page of a submitted dossier: where it is, what is asked of them, results."""
    view = await queries.dossier_detail(user, dossier_id)
    view["supplement"] = supplement_request(view)
    view["results"] = await DossierFile.select().where(
        (DossierFile.dossier == dossier_id) & (DossierFile.kind == "result")
    )
    view["may_withdraw"] = find(State(view["state"]), Action.WITHDRAW) is not None
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


async def open_draft(request: Request[Any, Any, Any], procedure_id: int) -> Redirect:
    user = require_user(request)
    dossier_id = await drafts.start_draft(user, procedure_id)
    return see_other(f"/dossiers/{dossier_id}/edit")


class DossierController(Controller):
    include_in_schema = False

    @post("/procedures/{procedure_id:int}/start")
    async def start(self, request: Request[Any, Any, Any], procedure_id: int) -> Redirect:
        if user_of(request) is None:
            # Sign in (or register), then come straight back to the submission page.
            return see_other(f"/login?next=/procedures/{procedure_id}/start")
        return await open_draft(request, procedure_id)

    @get("/procedures/{procedure_id:int}/start")
    async def resume(self, request: Request[Any, Any, Any], procedure_id: int) -> Redirect:
        """Where sign-in returns to. Safe to open twice: it resumes the open draft rather than
        making a new one."""
        return await open_draft(request, procedure_id)

    @get("/dossiers/{dossier_id:int}/edit")
    async def edit(self, request: Request[Any, Any, Any], dossier_id: int) -> Template | Redirect:
        user = require_user(request)
        view = await drafts.draft_view(user, dossier_id)
        if view["status"] != Status.DRAFT:
            return see_other(f"/dossiers/{dossier_id}")
        return await edit_page(request, user, dossier_id)

    @post(
        "/dossiers/{dossier_id:int}/edit",
        opt={"exclude_from_csrf": True},
        request_max_body_size=uploads.max_request_bytes(),
    )
    async def save(self, request: Request[Any, Any, Any], dossier_id: int) -> Template | Redirect:
        """The whole form as plain multipart (works without JavaScript) or one slot's pages.

        With JavaScript each photo is posted as soon as it is chosen and only the slot's
        fragment comes back; without it, files, address and the button pressed come together.
        """
        user = require_user(request)
        form = await uploads.receive(request)
        if not csrf_matches(request, form.first("_csrf_token")):
            form.cleanup()
            raise PermissionDeniedException("CSRF token verification failed")
        current = await drafts.draft_view(user, dossier_id)
        if current["status"] != Status.DRAFT and not form.first("slot"):
            # Already submitted (a double tap, or a retry after the connection dropped while
            # the first submission went through): show the receipt of the one dossier.
            form.cleanup()
            return see_other(f"/dossiers/{dossier_id}/receipt")
        outcome = await uploads.attach_files(user, dossier_id, form)
        errors = {name: e.render(gettext) for name, e in outcome.errors.items()}
        if form.first("slot"):
            return await self._slot(request, user, dossier_id, int(form.first("slot")), errors)
        delivery = delivery_from(form.fields)
        values = delivery_values(form.fields)
        try:
            if delivery is not None:
                await drafts.save_delivery(user, dossier_id, delivery)
            if errors:
                return await edit_page(request, user, dossier_id, 422, errors, values=values)
            if form.first("action") == "submit":
                await submission.submit(user, dossier_id, delivery)
                return see_other(f"/dossiers/{dossier_id}/receipt")
        except MissingDocuments as e:
            errors = form_errors(e)
            return await edit_page(request, user, dossier_id, 422, errors, e.documents, values)
        except UserError as e:
            return await edit_page(request, user, dossier_id, 422, form_errors(e), values=values)
        return see_other(f"/dossiers/{dossier_id}/edit#saved")

    async def _slot(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        dossier_id: int,
        doc_id: int,
        errors: dict[str, str],
    ) -> Template:
        view = await drafts.draft_view(user, dossier_id)
        doc = next((d for d in view["documents"] if d["id"] == doc_id), None)
        if doc is None:
            raise UserError(drafts.NOT_IN_PROCEDURE)
        return render(
            request,
            "dossiers/_slot.html",
            status_code=422 if errors else 200,
            dossier=view,
            doc=doc,
            errors=errors,
        )

    @post("/dossiers/{dossier_id:int}/delivery")
    async def delivery(
        self, request: Request[Any, Any, Any], dossier_id: int, data: Form
    ) -> Template:
        """Autosave of the delivery choice while the citizen types (JavaScript)."""
        user = require_user(request)
        delivery = delivery_from(data) or Delivery()
        await drafts.save_delivery(user, dossier_id, delivery)
        return render(request, "dossiers/_saved.html")

    @post("/dossiers/{dossier_id:int}/files/{file_id:int}/delete")
    async def delete_file(
        self, request: Request[Any, Any, Any], dossier_id: int, file_id: int, data: Form
    ) -> Template | Redirect:
        user = require_user(request)
        await drafts.remove_file(user, dossier_id, file_id)
        # Without JavaScript this button posts the whole form: keep what was typed.
        if delivery := delivery_from(data):
            await drafts.save_delivery(user, dossier_id, delivery)
        if request.headers.get("hx-request") and (slot := data.get("slot")):
            return await self._slot(request, user, dossier_id, int(slot), {})
        return see_other(f"/dossiers/{dossier_id}/edit")

    @get("/dossiers/{dossier_id:int}")
    async def detail(self, request: Request[Any, Any, Any], dossier_id: int) -> Template | Redirect:
        user = require_user(request)
        view = await queries.dossier_detail(user, dossier_id)
        if view["status"] == Status.DRAFT and view["citizen"] == user.id:
            return see_other(f"/dossiers/{dossier_id}/edit")
        if user.role.is_staff and view["citizen"] != user.id:
            return see_other(f"/staff/dossiers/{dossier_id}")
        return await detail_page(request, user, dossier_id)

    @post("/dossiers/{dossier_id:int}/panels/{name:str}")
    async def panel_form(
        self, request: Request[Any, Any, Any], dossier_id: int, name: str, data: FormData
    ) -> Template | Redirect:
        """A form of a panel another domain draws on this page (e.g. the post's address)."""
        user = require_user(request)
        handler = panels.form_of(name)
        if handler is None:
            raise NotFoundException()
        try:
            done = await handler(user, dossier_id, data)
        except UserError as e:
            if e.status_code == 404:
                raise
            return await detail_page(
                request, user, dossier_id, e.status_code, form_errors(e), name, values=data
            )
        return see_other(f"/dossiers/{dossier_id}?done={done}#{name}")

    @get("/dossiers/{dossier_id:int}/receipt")
    async def receipt(
        self, request: Request[Any, Any, Any], dossier_id: int
    ) -> Template | Redirect:
        user = require_user(request)
        view = await queries.dossier_detail(user, dossier_id)
        if view["status"] == Status.DRAFT:
            return see_other(f"/dossiers/{dossier_id}/edit")
        url = f"{get_settings().base_url}/track?code={view['code']}"
        qr = segno.make(url, error="m").svg_inline(scale=3, border=2, title=view["code"])
        return render(request, "dossiers/receipt.html", dossier=view, qr=qr, track_url=url)

    @get("/dossiers/{dossier_id:int}/files/{file_id:int}", cache_control=None)
    async def file(self, request: Request[Any, Any, Any], dossier_id: int, file_id: int) -> File:
        return await self._send_file(request, dossier_id, file_id, thumbnail=False)

    @get("/dossiers/{dossier_id:int}/files/{file_id:int}/thumb")
    async def thumbnail(
        self, request: Request[Any, Any, Any], dossier_id: int, file_id: int
    ) -> File:
        return await self._send_file(request, dossier_id, file_id, thumbnail=True)

    async def _send_file(
        self, request: Request[Any, Any, Any], dossier_id: int, file_id: int, thumbnail: bool
    ) -> File:
        user = require_user(request)
        f = await queries.file_for(user, dossier_id, file_id)
        store = uploads.file_store()
        if thumbnail and f["has_thumbnail"]:
            path, media_type = store.thumbnail_path_for(f["sha256"]), "image/jpeg"
        else:
            path, media_type = store.path_for(f["sha256"], f["extension"]), f["content_type"]
        # Private papers: never kept in a shared cache, nor on the device after sign-out.
        return File(
            path=path,
            media_type=media_type,
            content_disposition_type="inline",
            filename=f"{file_id}.{'jpg' if thumbnail else f['extension']}",
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    @get("/my/dossiers")
    async def mine(self, request: Request[Any, Any, Any]) -> Template:
        user = require_user(request)
        return render(request, "dossiers/mine.html", dossiers=await queries.my_dossiers(user))

    @get("/track")
    async def track_page(self, request: Request[Any, Any, Any], code: str = "") -> Template:
        return render(
            request, "dossiers/track.html", values={"code": code[:40]}, errors={}, result=None
        )

    @post("/track")
    async def track(self, request: Request[Any, Any, Any], data: Form) -> Template:
        values = {"code": data.get("code", "")[:40], "phone": data.get("phone", "")[:20]}
        try:
            result = await tracking.track(values["code"], values["phone"], client_ip(request))
        except UserError as e:
            return render(
                request,
                "dossiers/track.html",
                status_code=e.status_code,
                values=values,
                errors=form_errors(e),
                result=None,
            )
        return render(request, "dossiers/track.html", values=values, errors={}, result=result)
