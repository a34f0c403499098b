"""The filer's pages: the form, the receipt, "my complaints", the complaint itself with the
answer to the handler's question and the opinion of the published answer.

A filer without an account reaches their complaint with its code and their phone number
(`?phone=` on the page's links, a hidden field in its forms), checked on every request.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import File, Redirect, Template

from backend.access.guards import require_user, user_of
from backend.complaints import access, attachments, choices, filing, handling, queries
from backend.complaints.access import PhoneNeeded
from backend.complaints.filing import Filing
from backend.complaints.labels import LABELS
from backend.complaints.tables import ComplaintFile
from backend.complaints.workflow import State, may_handle
from backend.dossiers.uploads import file_store
from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_, gettext
from backend.lib.web import client_ip, form_errors, render, see_other
from backend.settings import get_settings

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def filer_url(complaint: dict[str, Any], phone: str, suffix: str = "", **query: str) -> str:
    """The complaint's page for this visitor: with the phone number when that is their key."""
    params = {**({"phone": phone} if phone else {}), **{k: v for k, v in query.items() if v}}
    return f"/complaints/{complaint['code']}{suffix}" + (f"?{urlencode(params)}" if params else "")


async def form_page(
    request: Request[Any, Any, Any],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    user = user_of(request)
    return render(
        request,
        "complaints/new.html",
        status_code=status_code,
        values=values,
        errors=errors or {},
        as_citizen=choices.files_as_citizen(user),
        dossiers=await choices.dossiers_of(user),
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
        phone=phone,
        self_url=filer_url(row, phone),
        done=request.query_params.get("done", ""),
        errors=errors or {},
        values=values or {},
        max_files=attachments.MAX_FILES,
        accept=attachments.ACCEPT,
        labels=LABELS,
    )


class FilingController(Controller):
    path = "/complaints"
    include_in_schema = False

    @get("/new")
    async def new(
        self, request: Request[Any, Any, Any], dossier: str = "", code: str = ""
    ) -> Template:
        """`?dossier=<id>` (a signed-in citizen's own dossier, e.g. from the rating screen
        after a low rating) or `?code=<dossier code>` starts the form about that dossier."""
        values: dict[str, str] = {}
        user = user_of(request)
        if dossier and choices.files_as_citizen(user):
            mine = {str(d["id"]): d for d in await choices.dossiers_of(user)}
            if dossier in mine:
                values["dossier_id"] = dossier
                values["agency"] = str(mine[dossier]["agency"] or "")
        elif code:
            values["dossier_code"] = code.strip().upper()[:40]
        return await form_page(request, values)

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

    @post(
        "/new",
        opt={"exclude_from_csrf": True},
        request_max_body_size=attachments.max_request_bytes(),
    )
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = user_of(request)
        await filing.check_rate(client_ip(request), user)
        form = await attachments.receive(request)
        submitted = Filing.from_form(form.first)
        values = dict(vars(submitted))
        try:
            checked = await filing.check(submitted, user)
            files = await attachments.accept(form)
        except UserError as e:
            form.cleanup()
            errors = form_errors(e)
            if errors and form.files and "files" not in errors:
                # The browser cannot keep chosen files across a page load: say so.
                errors["files"] = gettext(N_("Vui lòng chọn lại tệp đính kèm."))
            return await form_page(request, values, errors, 422)
        saved = await filing.file_complaint(checked, files)
        phone = "" if checked.filer_id else checked.phone
        return see_other(filer_url(saved, phone, "/receipt"))

    @get("/mine")
    async def mine(self, request: Request[Any, Any, Any]) -> Template:
        user = require_user(request)
        return render(
            request, "complaints/mine.html", complaints=await queries.of_filer(user), labels=LABELS
        )

    @get("/track")
    async def track(
        self, request: Request[Any, Any, Any], code: str = "", phone: str = ""
    ) -> Template | Redirect:
        """Opening one's complaint with its code and phone number."""
        values = {"code": code.strip().upper()[:40], "phone": phone[:20]}
        if not (code or phone):
            return render(request, "complaints/track.html", values=values, errors={})
        try:
            row = await access.for_filer(values["code"], None, values["phone"], client_ip(request))
        except PhoneNeeded:
            return render(
                request,
                "complaints/track.html",
                values=values,
                errors={
                    "phone": gettext(N_("Vui lòng nhập số điện thoại đã dùng khi gửi phản ánh."))
                },
                status_code=422,
            )
        except UserError as e:
            return render(
                request,
                "complaints/track.html",
                status_code=e.status_code,
                values=values,
                errors=form_errors(e),
            )
        return see_other(filer_url(row, row["filer_phone"]))

    async def _filer_row(
        self, request: Request[Any, Any, Any], code: str, phone: str
    ) -> dict[str, Any] | Redirect:
        user = user_of(request)
        try:
            return await access.for_filer(code, user, phone, client_ip(request))
        except PhoneNeeded:
            row = await access.by_code(code)
            if row is not None and may_handle(user, row):
                return see_other(f"/staff/complaints/{row['id']}")
            return see_other("/complaints/track?" + urlencode({"code": code}))

    @get("/{code:str}")
    async def show(
        self, request: Request[Any, Any, Any], code: str, phone: str = ""
    ) -> Template | Redirect:
        row = await self._filer_row(request, code, phone)
        if isinstance(row, Redirect):
            return row
        return await complaint_page(request, row, phone)

    @get("/{code:str}/receipt")
    async def receipt(
        self, request: Request[Any, Any, Any], code: str, phone: str = ""
    ) -> Template | Redirect:
        row = await self._filer_row(request, code, phone)
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

    @post(
        "/{code:str}/reply",
        opt={"exclude_from_csrf": True},
        request_max_body_size=attachments.max_request_bytes(),
    )
    async def reply(self, request: Request[Any, Any, Any], code: str) -> Template | Redirect:
        form = await attachments.receive(request)
        phone = form.first("phone")[:20]
        try:
            row = await self._filer_row(request, code, phone)
        except UserError:
            form.cleanup()
            raise
        if isinstance(row, Redirect):
            form.cleanup()
            return row
        text = form.first("reply")
        try:
            if row["state"] != State.WAITING_INFO.value:
                raise UserError(N_("Phản ánh này không còn chờ bạn bổ sung thông tin."))
            files = await attachments.accept(form)
            inp = handling.StepInput(
                text=text,
                files=files,
                expected_version=choices.as_id(form.first("expected_version")),
            )
            await handling.reply(row, inp, user_of(request))
        except UserError as e:
            form.cleanup()
            return await complaint_page(
                request, row, phone, form_errors(e), {"reply": text}, e.status_code
            )
        return see_other(filer_url(row, phone, done="reply"))

    @post("/{code:str}/vote")
    async def vote(self, request: Request[Any, Any, Any], code: str, data: Form) -> Redirect:
        phone = str(data.get("phone", ""))[:20]
        row = await self._filer_row(request, code, phone)
        if isinstance(row, Redirect):
            return row
        await handling.vote(row, data.get("useful") == "1")
        return see_other(filer_url(row, phone, done="vote") + "#vote")

    @get("/{code:str}/files/{file_id:int}", cache_control=None)
    async def file(
        self, request: Request[Any, Any, Any], code: str, file_id: int, phone: str = ""
    ) -> File:
        return await self._send(request, code, file_id, phone, thumbnail=False)

    @get("/{code:str}/files/{file_id:int}/thumb", cache_control=None)
    async def thumbnail(
        self, request: Request[Any, Any, Any], code: str, file_id: int, phone: str = ""
    ) -> File:
        return await self._send(request, code, file_id, phone, thumbnail=True)

    async def _send(
        self, request: Request[Any, Any, Any], code: str, file_id: int, phone: str, thumbnail: bool
    ) -> File:
        """An attachment, to the complaint's handlers and its filer only."""
        user = user_of(request)
        row = await access.by_code(code)
        if row is None or not may_handle(user, row):
            try:
                row = await access.for_filer(code, user, phone, client_ip(request))
            except PhoneNeeded:
                raise NotFound(N_("Không tìm thấy tệp.")) from None
        f = (
            await ComplaintFile.select()
            .where((ComplaintFile.id == file_id) & (ComplaintFile.complaint == row["id"]))
            .first()
        )
        if f is None:
            raise NotFound(N_("Không tìm thấy tệp."))
        store = file_store()
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
