"""Submitting a draft: online by the citizen, or at the counter (filed and received at once)."""

from __future__ import annotations

from typing import Any

from backend.access.user import CurrentUser
from backend.dossiers import claims
from backend.dossiers.delivery import Delivery, clean_delivery
from backend.dossiers.drafts import (
    draft_view,
    missing_documents,
    owned_dossier,
    procedure_for_submission,
)
from backend.dossiers.inputs import ActionInput
from backend.dossiers.scope import may_edit_draft
from backend.dossiers.status import Status
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action
from backend.lib.errors import Conflict, Forbidden, UserError
from backend.lib.i18n import N_


async def submit(
    user: CurrentUser,
    dossier_id: int,
    delivery: Delivery | None = None,
    paper_by_post: dict[str, Any] | None = None,
    commune: str = "",
) -> dict[str, Any]:
    """Turn a complete draft into a dossier with a code and an appointment date (the
    workflow's SUBMIT row online, INTAKE at the counter).

    Idempotent: submitting a dossier that is already submitted returns it unchanged, so a
    double tap or a retry after a dropped connection makes one dossier; of two racing
    submissions one writes and the other returns what the first wrote.

    `paper_by_post`: the papers come by post (channel 3) instead of as photos, so none are
    required now; what it holds (the pickup booking) reaches the listeners of the submission
    (backend.postal books the pickup in the same transaction).

    `commune`: at the counter, the ward whose People's Committee decides, for procedures
    decided by communes (the walk-in is received, hence transferred, at once).
    """
    view = await draft_view(user, dossier_id)
    if view["status"] != Status.DRAFT:
        return view
    if not may_edit_draft(user, view):
        raise Forbidden(N_("Bạn không có quyền sửa hồ sơ này."))
    proc = await procedure_for_submission(view["procedure"])
    cleaned = clean_delivery(
        delivery or delivery_of(view), proc["result_delivery"].split(","), strict=True
    )
    missing = missing_documents(view)
    if missing and paper_by_post is None:
        raise MissingDocuments(missing)
    # At the counter the officer has checked the papers in person: filing is receiving.
    walk_in = view["citizen"] != user.id
    inp = ActionInput(
        expected_version=view["version"],
        channel=3 if paper_by_post is not None else view["channel"],
        columns=cleaned.as_columns(),
        extra={"pickup": paper_by_post} if paper_by_post is not None else {},
        commune=commune if walk_in else "",
    )
    try:
        await perform(user, dossier_id, Action.INTAKE if walk_in else Action.SUBMIT, inp)
    except Conflict:
        if (await draft_view(user, dossier_id))["status"] == Status.DRAFT:
            raise
    else:
        if walk_in:  # for a number its citizen has proven: straight into their account
            await claims.claim_after_intake(dossier_id)
    return await owned_dossier(user, dossier_id)


def delivery_of(view: dict[str, Any]) -> Delivery:
    """The delivery choice saved on the draft."""
    return Delivery(
        view["delivery_method"],
        view["recipient_name"],
        view["recipient_phone"],
        view["street"],
        view["ward"],
        view["delivery_province"],
        ward_code=view["ward_code"],
    )


class MissingDocuments(UserError):
    status_code = 422

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        super().__init__(
            N_("Hồ sơ còn thiếu giấy tờ bắt buộc. Vui lòng bổ sung trước khi nộp:"),
            field="documents",
            n=len(documents),
        )
        self.documents = documents
