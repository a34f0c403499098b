"""The citizen's dossier pages: draft and upload, submit, the dossier, receipt, files, tracking.

Every page but the public lookup needs a signed-in person (the `signed_in` guard); who may see
or change which dossier is decided in backend.dossiers.drafts/queries.
"""

from __future__ import annotations

import segno
from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.plugins.htmx import HTMXRequest
from litestar.response import File, Redirect, Template

from backend.access.guards import SignedIn, Viewer, signed_in
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.dossiers import (
    claims,
    drafts,
    panels,
    queries,
    register,
    submission,
    tracking,
    uploads,
)
from backend.dossiers.delivery import Delivery
from backend.dossiers.pages.rendering import detail_page, edit_page, receive
from backend.dossiers.schemas import delivery_from, delivery_values
from backend.dossiers.status import Status
from backend.lib.errors import UserError
from backend.lib.forms import first, to_int
from backend.lib.i18n import gettext
from backend.lib.web import (
    CAMERA_OPT,
    FormData,
    client_ip,
    form_errors,
    render,
    see_other,
    send_user_file,
)
from backend.settings import get_settings


class StartPages(Controller):
    include_in_schema = False

    @post("/procedures/{procedure_id:int}/start")
    async def start(self, procedure_id: int, viewer: Viewer) -> Redirect:
        if viewer is None:
            # Sign in (or register), then come straight back to the submission page.
            return see_other(f"/login?next=/procedures/{procedure_id}/start")
        return await _open_draft(viewer, procedure_id)

    @get("/procedures/{procedure_id:int}/start", guards=[signed_in])
    async def resume(self, procedure_id: int, user: SignedIn) -> Redirect:
        """Where sign-in returns to. Safe to open twice: it resumes the open draft rather than
        making a new one."""
        return await _open_draft(user, procedure_id)


async def _open_draft(user: CurrentUser, procedure_id: int) -> Redirect:
    dossier_id = await drafts.start_draft(user, procedure_id)
    return see_other(f"/dossiers/{dossier_id}/edit")


class DraftPages(Controller):
    """Filling a draft: slots of pages, the delivery choice, submitting."""

    path = "/dossiers/{dossier_id:int}"
    include_in_schema = False
    guards = [signed_in]
    opt = {CAMERA_OPT: True}  # photos of the papers

    @get("/edit")
    async def edit(
        self, request: HTMXRequest, dossier_id: int, user: SignedIn
    ) -> Template | Redirect:
        view = await drafts.draft_view(user, dossier_id)
        if view["status"] != Status.DRAFT:
            return see_other(f"/dossiers/{dossier_id}")
        return await edit_page(request, user, dossier_id)

    @post(
        "/edit",
        opt={"exclude_from_csrf": True},
        request_max_body_size=uploads.max_request_bytes(),
    )
    async def save(
        self, request: HTMXRequest, dossier_id: int, user: SignedIn
    ) -> Template | Redirect:
        """The whole form as plain multipart (works without JavaScript) or one slot's pages.

        With JavaScript each photo is posted as soon as it is chosen and only the slot's
        fragment comes back; without it, files, address and the button pressed come together.
        """
        form = await receive(request)
        current = await drafts.draft_view(user, dossier_id)
        if current["status"] != Status.DRAFT and not form.first("slot"):
            # Already submitted (a double tap, or a retry after the connection dropped while
            # the first submission went through): show the receipt of the one dossier.
            form.cleanup()
            return see_other(f"/dossiers/{dossier_id}/receipt")
        outcome = await uploads.attach_files(user, dossier_id, form)
        errors = {name: e.render(gettext) for name, e in outcome.errors.items()}
        if slot := to_int(form.first("slot")):
            return await _slot(request, user, dossier_id, slot, errors)
        delivery = delivery_from(form.fields)
        values = {**delivery_values(form.fields), "commune": form.first("commune")}
        try:
            if delivery is not None:
                await drafts.save_delivery(user, dossier_id, delivery)
            if errors:
                return await edit_page(request, user, dossier_id, 422, errors, values=values)
            if form.first("action") == "submit":
                await submission.submit(user, dossier_id, delivery, commune=form.first("commune"))
                return see_other(f"/dossiers/{dossier_id}/receipt")
        except submission.MissingDocuments as e:
            errors = form_errors(e)
            return await edit_page(request, user, dossier_id, 422, errors, e.documents, values)
        except UserError as e:
            return await edit_page(request, user, dossier_id, 422, form_errors(e), values=values)
        return see_other(f"/dossiers/{dossier_id}/edit#saved")

    @post("/delivery")
    async def delivery(
        self, request: HTMXRequest, dossier_id: int, data: FormData, user: SignedIn
    ) -> Template:
        """Autosave of the delivery choice while the citizen types (JavaScript)."""
        await drafts.save_delivery(user, dossier_id, delivery_from(data) or Delivery())
        return render(request, "dossiers/_saved.html")

    @post("/files/{file_id:int}/delete")
    async def delete_file(
        self, request: HTMXRequest, dossier_id: int, file_id: int, data: FormData, user: SignedIn
    ) -> Template | Redirect:
        await drafts.remove_file(user, dossier_id, file_id)
        # Without JavaScript this button posts the whole form: keep what was typed.
        if delivery := delivery_from(data):
            await drafts.save_delivery(user, dossier_id, delivery)
        if request.htmx and (slot := to_int(first(data, "slot"))):
            return await _slot(request, user, dossier_id, slot, {})
        return see_other(f"/dossiers/{dossier_id}/edit")


async def _slot(
    request: HTMXRequest, user: CurrentUser, dossier_id: int, doc_id: int, errors: dict[str, str]
) -> Template:
    """One required document's pages (the fragment a photo upload or removal swaps)."""
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


class DossierPages(Controller):
    """A submitted dossier: where it is, its receipt, its files, the citizen's list."""

    include_in_schema = False
    guards = [signed_in]

    @get("/dossiers/{dossier_id:int}", opt={CAMERA_OPT: True})  # supplementary pages
    async def detail(
        self, request: HTMXRequest, dossier_id: int, user: SignedIn
    ) -> Template | Redirect:
        view = await queries.dossier_detail(user, dossier_id)
        if view["status"] == Status.DRAFT and view["citizen"] == user.id:
            return see_other(f"/dossiers/{dossier_id}/edit")
        if user.role.is_staff and view["citizen"] != user.id:
            return see_other(f"/staff/dossiers/{dossier_id}")
        return await detail_page(request, user, dossier_id, detail=view)

    @post("/dossiers/{dossier_id:int}/panels/{name:str}")
    async def panel_form(
        self, request: HTMXRequest, dossier_id: int, name: str, data: FormData, user: SignedIn
    ) -> Template | Redirect:
        """A form of a panel another domain draws on this page (e.g. the post's address)."""
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
        self, request: HTMXRequest, dossier_id: int, user: SignedIn
    ) -> Template | Redirect:
        view = await queries.dossier_detail(user, dossier_id)
        if view["status"] == Status.DRAFT:
            return see_other(f"/dossiers/{dossier_id}/edit")
        url = f"{get_settings().base_url}/track?code={view['code']}"
        qr = segno.make(url, error="m").svg_inline(scale=3, border=2, title=view["code"])
        # The counter prints the claim code for the citizen; nobody else ever sees it.
        code = (
            claims.claim_code(view)
            if user.role is Role.COUNTER and await claims.claimable(view)
            else ""
        )
        return render(
            request,
            "dossiers/receipt.html",
            dossier=view,
            qr=qr,
            track_url=url,
            claim_code=code,
            register_entry=register.entry(view),
            **await queries.receipt_facts(dossier_id),
        )

    @get("/dossiers/{dossier_id:int}/files/{file_id:int}", cache_control=None)
    async def file(
        self, dossier_id: int, file_id: int, user: SignedIn, download: bool = False
    ) -> File:
        return await _send_file(user, dossier_id, file_id, thumbnail=False, download=download)

    @get("/dossiers/{dossier_id:int}/files/{file_id:int}/thumb")
    async def thumbnail(self, dossier_id: int, file_id: int, user: SignedIn) -> File:
        return await _send_file(user, dossier_id, file_id, thumbnail=True)

    @get("/my/dossiers")
    async def mine(self, request: HTMXRequest, user: SignedIn) -> Template:
        return await _mine(request, user)

    @post("/my/dossiers/claim")
    async def claim(
        self, request: HTMXRequest, data: FormData, user: SignedIn
    ) -> Template | Redirect:
        """A dossier filed at the counter becomes the citizen's with its receipt's claim code."""
        code = first(data, "code")
        try:
            dossier_id = await claims.claim(
                user, code, first(data, "claim_code"), client_ip(request)
            )
        except UserError as e:
            return await _mine(request, user, e.status_code, {"code": code}, form_errors(e))
        return see_other(f"/dossiers/{dossier_id}?done=claimed")


async def _mine(
    request: HTMXRequest,
    user: CurrentUser,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    return render(
        request,
        "dossiers/mine.html",
        status_code=status_code,
        dossiers=await queries.my_dossiers(user),
        claim_values=values or {},
        claim_errors=errors or {},
    )


async def _send_file(
    user: CurrentUser, dossier_id: int, file_id: int, thumbnail: bool, download: bool = False
) -> File:
    path, media_type, name = await uploads.stored_file(user, dossier_id, file_id, thumbnail)
    return send_user_file(path, media_type, name, download=download)


class TrackPages(Controller):
    """The public lookup by dossier code and phone number (no sign-in)."""

    path = "/track"
    include_in_schema = False

    @get("/")
    async def page(self, request: HTMXRequest, code: str = "") -> Template:
        return render(
            request, "dossiers/track.html", values={"code": code[:40]}, errors={}, result=None
        )

    @post("/")
    async def track(self, request: HTMXRequest, data: FormData) -> Template:
        values = {"code": first(data, "code")[:40], "phone": first(data, "phone")[:20]}
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


CITIZEN_PAGES: list[type[Controller]] = [
    StartPages,
    DraftPages,
    DossierPages,
    TrackPages,
]
