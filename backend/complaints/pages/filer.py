"""The filer's pages: the form, the receipt, "my complaints", the complaint itself with the
answer to the handler's question and the opinion of the published answer.

A filer without an account reaches their complaint with its code and their phone number,
typed once in a form; after that the page's links and forms carry a key signed with the
server's secret (`?key=`, access.link_key), never the number itself, checked on every request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import File, Redirect, Template

from backend.access.guards import SignedIn, Viewer, signed_in
from backend.complaints import access, attachments, choices, filing, handling, queries
from backend.complaints.access import PhoneNeeded
from backend.complaints.labels import LABELS
from backend.complaints.schemas import (
    code_of,
    read_filing,
    read_lookup,
    read_reply,
    read_vote,
)
from backend.complaints.workflow import may_handle
from backend.dossiers.uploads import file_store
from backend.lib.errors import NotFound, UserError
from backend.lib.forms import first
from backend.lib.i18n import N_, gettext
from backend.lib.multipart import ReceivedForm, receive_multipart
from backend.lib.web import (
    CAMERA_OPT,
    FormData,
    client_ip,
    csrf_matches,
    form_errors,
    render,
    see_other,
    send_user_file,
)
from backend.settings import get_settings

# Upload routes: streamed, so the CSRF token is checked by receive_form, and allowed more
# than Litestar's default body size.
UPLOAD: dict[str, Any] = {
    "opt": {"exclude_from_csrf": True},
    "request_max_body_size": attachments.max_request_bytes(),
}


def filer_url(complaint: dict[str, Any], phone: str, suffix: str = "", **query: str) -> str:
    """The complaint's page for this visitor: with the signed key when their phone number is
    what lets them in."""
    key = {"key": access.link_key(complaint["code"], phone)} if phone else {}
    params = {**key, **{k: v for k, v in query.items() if v}}
    return f"/complaints/{complaint['code']}{suffix}" + (f"?{urlencode(params)}" if params else "")


async def receive_form(request: Request[Any, Any, Any]) -> ReceivedForm:
    """The whole multipart form, files streamed to disk; the CSRF token checked like the
    middleware would (it is bypassed on these routes so as not to read the body into memory)."""
    settings = get_settings()
    tmp = settings.upload_tmp_dir
    tmp.mkdir(parents=True, exist_ok=True)
    form = await receive_multipart(
        request.stream(),
        request.headers.get("content-type", ""),
        tmp,
        max_file_bytes=settings.max_file_bytes,
        max_total_bytes=attachments.max_total_bytes(),
        max_fields=40,
    )
    if not csrf_matches(request, form.first("_csrf_token")):
        form.cleanup()
        raise PermissionDeniedException("CSRF token verification failed")
    return form


async def form_page(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "complaints/new.html",
        status_code=status_code,
        values=values,
        errors=errors or {},
        as_citizen=choices.files_as_citizen(viewer),
        dossiers=await choices.dossiers_of(viewer),
        agencies=await choices.agencies(),
        officials=await choices.officials(values.get("agency", "")),
        max_files=attachments.MAX_FILES,
        max_file_mb=get_settings().max_file_mb,
        accept=attachments.ACCEPT,
        labels=LABELS,
    )


async def complaint_page(
    request: Request[Any, Any, Any],
    row: dict[str, Any],
    phone: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "complaints/detail.html",
        status_code=status_code,
        complaint=await queries.detail(row),
        link_key=access.link_key(row["code"], phone) if phone else "",
        self_url=filer_url(row, phone),
        done=request.query_params.get("done", ""),
        errors=errors or {},
        values=values or {},
        max_files=attachments.MAX_FILES,
        accept=attachments.ACCEPT,
        labels=LABELS,
    )


async def prefilled(viewer: Viewer, dossier: str, code: str) -> dict[str, str]:
    """The form about one dossier: a signed-in citizen's own (`?dossier=<id>`, e.g. from the
    rating screen after a low rating), or one typed by its code (`?code=`)."""
    values: dict[str, str] = {}
    if dossier and choices.files_as_citizen(viewer):
        mine = {str(d["id"]): d for d in await choices.dossiers_of(viewer)}
        if dossier in mine:
            values["dossier_id"] = dossier
            values["agency"] = str(mine[dossier]["agency"] or "")
    elif code:
        values["dossier_code"] = code_of(code)
    return values


async def filer_row(
    request: Request[Any, Any, Any], viewer: Viewer, code: str, phone: str
) -> dict[str, Any] | Redirect:
    """The complaint for its filer; a handler is sent to its staff page, anybody else to the
    lookup form."""
    try:
        return await access.for_filer(code, viewer, phone, client_ip(request))
    except PhoneNeeded:
        row = await access.by_code(code)
        if row is not None and may_handle(viewer, row):
            return see_other(f"/staff/complaints/{row['id']}")
        return see_other("/complaints/track?" + urlencode({"code": code}))


async def send_attachment(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    code: str,
    file_id: int,
    phone: str,
    thumbnail: bool,
    download: bool = False,
) -> File:
    """An attachment, to the complaint's handlers and its filer only."""
    row = await access.for_attachment(code, viewer, phone, client_ip(request))
    f = await queries.attachment(row["id"], file_id)
    if f is None:
        raise NotFound(N_("Không tìm thấy tệp."))
    store = file_store()
    if thumbnail and f["has_thumbnail"]:
        path, media_type = store.thumbnail_path_for(f["sha256"]), "image/jpeg"
    else:
        path, media_type = store.path_for(f["sha256"], f["extension"]), f["content_type"]
    name = f"{file_id}.{'jpg' if thumbnail else f['extension']}"
    return send_user_file(path, media_type, name, download=download)


def lookup_page(
    request: Request[Any, Any, Any],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "complaints/track.html",
        status_code=status_code,
        values=values,
        errors=errors or {},
    )


class FilingController(Controller):
    opt = {CAMERA_OPT: True}  # photos attached to a complaint
    path = "/complaints"
    include_in_schema = False

    @get("/new")
    async def new(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        dossier: str = "",
        code: str = "",
    ) -> Template:
        return await form_page(request, viewer, await prefilled(viewer, dossier, code))

    @get("/new/officials")
    async def officials(self, request: Request[Any, Any, Any], agency: str = "") -> Template:
        """The officials of the agency just chosen (htmx swaps the list in place)."""
        return render(
            request,
            "complaints/_officials.html",
            officials=await choices.officials(agency[:12]),
            values={"agency": agency},
            errors={},
        )

    @post("/new", **UPLOAD)
    async def create(self, request: Request[Any, Any, Any], viewer: Viewer) -> Template | Redirect:
        await filing.check_rate(client_ip(request), viewer)
        form = await receive_form(request)
        submitted = read_filing(form.fields)
        try:
            checked = await filing.check(submitted, viewer)
            files = await attachments.accept(form)
        except UserError as e:
            form.cleanup()
            errors = form_errors(e)
            if errors and form.files and "files" not in errors:
                # The browser cannot keep chosen files across a page load: say so.
                errors["files"] = gettext(N_("Vui lòng chọn lại tệp đính kèm."))
            return await form_page(request, viewer, dict(vars(submitted)), errors, 422)
        saved = await filing.file_complaint(checked, files)
        phone = "" if checked.filer_id else checked.phone
        return see_other(filer_url(saved, phone, "/receipt"))

    @get("/mine", guards=[signed_in])
    async def mine(self, request: Request[Any, Any, Any], user: SignedIn) -> Template:
        return render(
            request, "complaints/mine.html", complaints=await queries.of_filer(user), labels=LABELS
        )

    @get("/track")
    async def track_form(self, request: Request[Any, Any, Any], code: str = "") -> Template:
        return lookup_page(request, {"code": code_of(code)})

    @post("/track")
    async def track(self, request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
        """Opening one's complaint with its code and phone number (posted: the number is
        never in an address)."""
        lookup = read_lookup(first(data, "code"), first(data, "phone"))
        values = {"code": lookup.code, "phone": lookup.phone}
        try:
            row = await access.for_filer(lookup.code, None, lookup.phone, client_ip(request))
        except PhoneNeeded:
            message = gettext(N_("Vui lòng nhập số điện thoại đã dùng khi gửi phản ánh."))
            return lookup_page(request, values, {"phone": message}, 422)
        except UserError as e:
            return lookup_page(request, values, form_errors(e), e.status_code)
        return see_other(filer_url(row, row["filer_phone"]))

    @get("/{code:str}")
    async def show(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        code: str,
        key: str = "",
    ) -> Template | Redirect:
        phone = await access.phone_from_key(code, key)
        row = await filer_row(request, viewer, code, phone)
        if isinstance(row, Redirect):
            return row
        return await complaint_page(request, row, phone)

    @get("/{code:str}/receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        code: str,
        key: str = "",
    ) -> Template | Redirect:
        phone = await access.phone_from_key(code, key)
        row = await filer_row(request, viewer, code, phone)
        if isinstance(row, Redirect):
            return row
        return render(
            request,
            "complaints/receipt.html",
            complaint=await queries.detail(row),
            page_url=filer_url(row, phone),
            full_url=get_settings().base_url + filer_url(row, phone),
            labels=LABELS,
        )

    @post("/{code:str}/reply", **UPLOAD)
    async def reply(
        self, request: Request[Any, Any, Any], viewer: Viewer, code: str
    ) -> Template | Redirect:
        form = await receive_form(request)
        phone = await access.phone_from_key(code, form.first("key"))
        try:
            row = await filer_row(request, viewer, code, phone)
        except UserError:
            form.cleanup()
            raise
        if isinstance(row, Redirect):
            form.cleanup()
            return row
        try:
            handling.check_awaiting_reply(row)
            inp = read_reply(form.fields, await attachments.accept(form))
            await handling.reply(row, inp, viewer)
        except UserError as e:
            form.cleanup()
            values = {"reply": form.first("reply")}
            return await complaint_page(request, row, phone, form_errors(e), values, e.status_code)
        return see_other(filer_url(row, phone, done="reply"))

    @post("/{code:str}/vote")
    async def vote(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        code: str,
        data: FormData,
    ) -> Redirect:
        phone = await access.phone_from_key(code, first(data, "key"))
        row = await filer_row(request, viewer, code, phone)
        if isinstance(row, Redirect):
            return row
        await handling.vote(row, read_vote(data))
        return see_other(filer_url(row, phone, done="vote") + "#vote")

    @get("/{code:str}/files/{file_id:int}", cache_control=None)
    async def file(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        code: str,
        file_id: int,
        key: str = "",
        download: bool = False,
    ) -> File:
        phone = await access.phone_from_key(code, key)
        return await send_attachment(
            request, viewer, code, file_id, phone, thumbnail=False, download=download
        )

    @get("/{code:str}/files/{file_id:int}/thumb", cache_control=None)
    async def thumbnail(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        code: str,
        file_id: int,
        key: str = "",
    ) -> File:
        phone = await access.phone_from_key(code, key)
        return await send_attachment(request, viewer, code, file_id, phone, thumbnail=True)
