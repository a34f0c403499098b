"""Dossier API for a native app and integrations: the same services as the pages."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, Parameter
from litestar.response import File

from backend.access.guards import SignedIn, signed_in
from backend.access.user import CurrentUser
from backend.dossiers import drafts, idempotency, queries, schemas, submission, tracking, uploads
from backend.dossiers.schemas import delivery_from
from backend.dossiers.status import Status
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import OFFERED, TRANSITIONS, Action, Input
from backend.lib.errors import FormErrors, UserError
from backend.lib.forms import to_int
from backend.lib.i18n import N_, gettext
from backend.lib.web import (
    api_error,
    api_error_body,
    client_ip,
    receive_upload,
    send_user_file,
)


def dossier_json(row: dict[str, Any]) -> dict[str, Any]:
    status = Status(row["status"])
    out = {
        "id": row["id"],
        "code": row["code"],
        "status": int(status),
        "status_label": gettext(status.label),
        "state": row["state"],
        "version": row["version"],
        "procedure_id": row["procedure"],
        "submitted_at": row["submitted_at"],
        "appointment_date": row["appointment_date"],
        # The appointment of form 01 (null until received); appointment_date may be later
        # when an apology gave a new date.
        "promised_date": row.get("promised_date"),
        "delivery_method": row["delivery_method"],
    }
    if "deciding_body" in row:
        # The commune's committee once a dossier of a commune-decided procedure is received.
        out["deciding_body"] = row["deciding_body"]
    if "documents" in row:
        out["documents"] = [
            {
                "id": d["id"],
                "name": d["name"],
                "required": d["required"],
                "files": [
                    {
                        "id": f["id"],
                        "content_type": f["content_type"],
                        "size": f["size"],
                        # The stored page (with the same bearer token); none before a code.
                        "url": f"/api/v1/dossiers/{row['code']}/files/{f['id']}"
                        if row["code"]
                        else None,
                    }
                    for f in d["files"]
                ],
            }
            for d in row["documents"]
        ]
    if "events" in row:
        out["events"] = [
            {
                "at": e["at"],
                "action": e["action"],
                "from_status": e["from_status"],
                "to_status": e["to_status"],
                "actor_role": e["actor_role"],
                "note": e["note"],
            }
            for e in row["events"]
        ]
    return out


class DossierApi(Controller):
    path = "/api/v1/dossiers"
    tags = ["dossiers"]
    guards = [signed_in]

    @post(
        "/",
        summary="Nộp hồ sơ (multipart)",
        description=(
            "multipart/form-data: `procedure_id`; files in fields `doc-<required document id>` "
            "(one or more per document; JPEG, PNG, WebP or PDF); `delivery_method` (`counter` or "
            "`post`) and, for post, `recipient_name`, `recipient_phone`, `street`, `province` "
            "(name or code, see /api/v1/addresses/provinces) and `ward_code` (the commune's or "
            "ward's official code, see /api/v1/addresses/wards; its name is filled in). Header "
            "`Idempotency-Key` (required): a retry with the same key returns the same dossier "
            "instead of making a second one."
        ),
        request_max_body_size=uploads.max_request_bytes(),
    )
    async def submit(
        self,
        request: Request[Any, Any, Any],
        idempotency_key: Annotated[
            str, HeaderParameter(name="Idempotency-Key", min_length=8, max_length=100)
        ],
        user: SignedIn,
    ) -> Response[Any]:
        key = f"{user.id}:{idempotency_key}"
        kept = await idempotency.claim(key)
        if kept is not None:
            # Another request with this key made the dossier: the same answer, once more.
            status = 200 if kept.status_code == 201 else kept.status_code
            return Response(kept.body, status_code=status)
        try:
            answer = await _submit_once(request, user, idempotency_key)
        except BaseException:
            await idempotency.release(key)
            raise
        if answer.status_code < 400:
            await idempotency.settle(key, answer)
        else:
            await idempotency.release(key)  # corrected files may be sent again with the key
        return Response(answer.body, status_code=answer.status_code)

    @get("/", summary="Hồ sơ của tôi")
    async def mine(self, user: SignedIn) -> list[dict[str, Any]]:
        rows = await queries.my_dossiers(user)
        return [
            {
                "id": r["id"],
                "code": r["code"],
                "status": r["status"],
                "status_label": gettext(Status(r["status"]).label),
                "procedure_name": r["procedure_name"],
                "submitted_at": r["submitted_at"],
                "appointment_date": r["appointment_date"],
            }
            for r in rows
        ]

    @get("/{code:str}", summary="Một hồ sơ của tôi, theo mã")
    async def detail(self, code: str, user: SignedIn) -> dict[str, Any]:
        return dossier_json(await queries.dossier_by_code(user, code))

    @get(
        "/{code:str}/files/{file_id:int}",
        summary="Một tệp của hồ sơ (trang giấy tờ, giấy tờ bổ sung, kết quả)",
        description="The stored file as it was cleaned on upload (photos at most 2000 px "
        "without their location, PDFs rewritten): `url` in the dossier's documents. 404 for a "
        "dossier or file this account may not see.",
        media_type="application/octet-stream",
    )
    async def file(self, code: str, file_id: int, user: SignedIn) -> File:
        dossier = await queries.dossier_by_code(user, code)
        path, media_type, name = await uploads.stored_file(user, dossier["id"], file_id)
        return send_user_file(path, media_type, name, download=True)


class DraftApi(Controller):
    """Drafts (dossiers not yet submitted) of the signed-in citizen: a refused submission
    leaves its draft, which a retry with the same Idempotency-Key reuses, and these let a
    client list and remove the ones it no longer wants."""

    path = "/api/v1/drafts"
    tags = ["dossiers"]
    guards = [signed_in]

    @get("/", summary="Bản nháp của tôi")
    async def mine(self, user: SignedIn) -> list[dict[str, Any]]:
        return [
            {
                "id": r["id"],
                "procedure_id": r["procedure"],
                "procedure_name": r["procedure_name"],
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
            }
            for r in await drafts.my_drafts(user)
        ]

    @delete(
        "/{draft_id:int}",
        status_code=204,
        summary="Xóa một bản nháp",
        description="404 for a draft of another account; 409 once it has been submitted.",
    )
    async def remove(self, draft_id: int, user: SignedIn) -> None:
        await drafts.delete_draft(user, draft_id)


# The request fields each input is sent in.
INPUT_FIELDS = {
    Input.REASON: "reason",
    Input.DOCUMENTS: "documents",
    Input.FILES: "doc-<required document id> (multipart)",
    Input.ASSIGNEE: "assignee",
    Input.AGENCY: "agency",
    Input.RESULT_FILE: "result (multipart)",
    Input.RESULT_KIND: "result_kind",
    Input.NEW_DATE: "new_date",
    Input.REPLY_BY: "reply_by (optional, YYYY-MM-DD)",
    Input.RECEIVER: "receiver_name, receiver_id, receiver_relation, receiver_authorization",
    Input.COMMUNE: "commune",
}


def _actions_doc() -> str:
    """Every action with every role that may run it (from all its rows) and its fields."""
    parts = []
    for action in OFFERED:
        rows = [t for t in TRANSITIONS if t.action is action]
        roles = sorted({r for t in rows for r in t.roles})
        fields = sorted({INPUT_FIELDS[i] for t in rows for i in t.inputs})
        parts.append(f"`{action.value}` ({'/'.join(roles)}; fields: {', '.join(fields) or '-'})")
    return "Actions: " + "; ".join(parts) + "."


ACTIONS_DOC = _actions_doc()


async def _submit_once(
    request: Request[Any, Any, Any], user: CurrentUser, idempotency_key: str
) -> idempotency.Answer:
    """The submission of the request holding the key: the draft made for this key (or the one
    a refused earlier try left, emptied of that try's files), exactly this request's files,
    then the submission."""
    existing = await drafts.find_by_idempotency_key(user, idempotency_key)
    if existing and existing["status"] != Status.DRAFT:
        detail = await queries.dossier_detail(user, existing["id"])
        return idempotency.Answer(200, dossier_json(detail))
    form = await receive_upload(request, **uploads.upload_limits())
    try:
        procedure = to_int(form.first("procedure_id"))
        if procedure is None:
            raise UserError(N_("Thiếu mã thủ tục (procedure_id)."), field="procedure_id")
        if existing:
            dossier_id = existing["id"]
            await drafts.remove_files(user, dossier_id)
        else:
            dossier_id = await drafts.start_draft(user, procedure, idempotency_key)
        attached = await uploads.attach_files(user, dossier_id, form)
        if attached.errors:
            refused = {k: e.render(gettext) for k, e in attached.errors.items()}
            return idempotency.Answer(
                422,
                {
                    "detail": gettext(N_("Một số tệp không được chấp nhận.")),
                    "errors": refused,
                    "dossier_id": dossier_id,
                },
            )
        row = await submission.submit(user, dossier_id, delivery_from(form.fields))
    except submission.MissingDocuments as e:
        missing = [{"id": d["id"], "name": d["name"]} for d in e.documents]
        body = api_error_body(422, e.render(gettext), "documents")
        return idempotency.Answer(422, {**body, "missing": missing})
    except UserError as e:
        error = api_error(e)
        return idempotency.Answer(error.status_code or 400, dict(error.content))
    finally:
        form.cleanup()
    return idempotency.Answer(201, dossier_json(await queries.dossier_detail(user, row["id"])))


class DossierActionApi(Controller):
    path = "/api/v1/dossiers/{code:str}/actions"
    tags = ["back office"]
    guards = [signed_in]

    @post(
        "/{action:str}",
        summary="Thực hiện một bước xử lý hồ sơ",
        description=(
            "Bearer token of the acting account. JSON body with the action's inputs "
            "(`reason`, `documents` [required document ids], `assignee` [user id], `agency` "
            "[agency code], `new_date` [YYYY-MM-DD], `reply_by` [YYYY-MM-DD, optional, for a supplement request], `result_kind` [paper|electronic], "
            "`receiver_name`, `receiver_id`, `receiver_relation` [self|representative|authorized], "
            "`receiver_authorization` [for authorized], `commune` [the ward code whose "
            "People's Committee decides, when the procedure is decided by communes], optional "
            "`expected_version`), or "
            "multipart with the "
            "same fields and the result document in the field `result`. The same rules and "
            "scope as the pages: 403 when the role or agency may not, 409 when the dossier is "
            "not in a state that allows it or moved meanwhile, 422 for missing inputs. "
            + ACTIONS_DOC
        ),
        request_max_body_size=uploads.max_request_bytes(),
    )
    async def run(
        self, request: Request[Any, Any, Any], code: str, action: str, user: SignedIn
    ) -> Response[Any]:
        if action not in OFFERED:
            body = api_error_body(404, gettext(N_("Thao tác không được hỗ trợ.")), "action")
            return Response(body, status_code=404)
        form = None
        try:
            row = await queries.dossier_by_code(user, code)
            if request.headers.get("content-type", "").startswith("multipart/"):
                form = await receive_upload(request, **uploads.upload_limits())
                if action == Action.SUPPLEMENT:
                    # The citizen's pages come in doc-<id> fields, as on the page.
                    attached = await uploads.attach_files(user, row["id"], form)
                    if attached.errors:
                        raise FormErrors(list(attached.errors.values()))
                inp = await schemas.from_form(form)
            else:
                body = await request.json() if await request.body() else {}
                inp = schemas.from_values(body if isinstance(body, dict) else {})
            done = await perform(user, row["id"], Action(action), inp)
        except UserError as e:
            return api_error(e)
        finally:
            if form is not None:
                form.cleanup()
        if not await queries.visible_to(user, row["id"]):
            # Given back to the owning agency (return_forward): done, and no longer theirs to see.
            status = done.state.status
            return Response(
                {
                    "code": row["code"],
                    "state": done.state.value,
                    "status": int(status),
                    "status_label": gettext(status.label),
                    "visible": False,
                },
                status_code=200,
            )
        return Response(
            dossier_json(await queries.dossier_detail(user, row["id"])), status_code=200
        )


class TrackApi(Controller):
    path = "/api/v1/track"
    tags = ["tracking"]

    @get(
        "/",
        summary="Tra cứu công khai theo mã hồ sơ và số điện thoại",
        description="404 khi cặp mã và số điện thoại không khớp; giới hạn số lần theo địa chỉ IP.",
    )
    async def track(
        self,
        request: Request[Any, Any, Any],
        code: str = Parameter(max_length=40, examples=[Example(value="000.00.20.H42-261130-0001")]),
        phone: str = Parameter(max_length=20),
    ) -> dict[str, Any]:
        result = await tracking.track(code, phone, client_ip(request))
        return {
            "code": result.code,
            "status": int(result.status),
            "status_label": gettext(result.status.label),
            "submitted_at": result.submitted_at,
            "appointment_date": result.appointment_date,
            "next_step": gettext(result.next_step),
            "steps": [
                {
                    "at": s.at,
                    "status": int(s.status),
                    "status_label": gettext(s.status.label),
                    "apology": s.apology,
                }
                for s in result.steps
            ],
        }
