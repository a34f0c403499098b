"""Read models for the dossier pages and the API: the citizen's list, a dossier with its
history, its files."""

from __future__ import annotations

import json
from typing import Any

from backend.access.user import CurrentUser
from backend.catalog import communes
from backend.catalog.tables import Agency, Procedure
from backend.dossiers.drafts import NOT_FOUND, draft_view, owned_dossier
from backend.dossiers.scope import may_view
from backend.dossiers.tables import Dossier, DossierEvent, DossierFile
from backend.dossiers.workflow import Action, State, find
from backend.lib.errors import NotFound
from backend.lib.forms import to_date
from backend.lib.i18n import N_, gettext
from backend.lib.prepared import prepared

COMMUNE_TO_BE_CHOSEN = N_(
    "Ủy ban nhân dân cấp xã có thẩm quyền (Trung tâm chuyển hồ sơ đến khi tiếp nhận)"
)


async def my_dossiers(user: CurrentUser) -> list[dict[str, Any]]:
    return (
        await Dossier.select(
            Dossier.id,
            Dossier.code,
            Dossier.status,
            Dossier.submitted_at,
            Dossier.created_at,
            Dossier.appointment_date,
            Dossier.procedure.name.as_alias("procedure_name"),
        )
        .where(Dossier.citizen == user.id)
        .order_by(Dossier.created_at, ascending=False)
    )


_PROCEDURE = prepared(
    lambda procedure_id: (
        Procedure.select(
            Procedure.id,
            Procedure.name,
            Procedure.processing_days,
            Procedure.decided_by_commune,
            Procedure.agency.name.as_alias("agency_name"),
        )
        .where(Procedure.id == procedure_id)
        .first()
    )
)
_EVENTS = prepared(
    lambda dossier_id: (
        DossierEvent.select(
            DossierEvent.at,
            DossierEvent.action,
            DossierEvent.actor_role,
            DossierEvent.agency_code,
            DossierEvent.from_status,
            DossierEvent.to_status,
            DossierEvent.note,
        )
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.at, ascending=False)
    )
)


async def dossier_detail(user: CurrentUser, dossier_id: int) -> dict[str, Any]:
    view = await draft_view(user, dossier_id)
    proc = await _PROCEDURE(view["procedure"])
    view["procedure_row"] = proc
    view["deciding_body"] = await deciding_body(view, proc)
    view["events"] = await _EVENTS(dossier_id)
    names = await agency_names()
    for e in view["events"]:
        e["agency_name"] = names.get(e["agency_code"], e["agency_code"])
    view["delivered_by_post"] = any(
        e["action"] == Action.POST_DELIVERED.value for e in view["events"]
    )
    return view


async def deciding_body(dossier: dict[str, Any], procedure: dict[str, Any] | None) -> str:
    """The "Cơ quan giải quyết" of the forms: the commune's committee the dossier was
    transferred to; before receipt, for a procedure decided by communes, which committee is
    not known yet; otherwise the procedure's agency."""
    if procedure is None:
        return ""
    if not procedure["decided_by_commune"]:
        return procedure["agency_name"]
    row = (
        await Agency.select(Agency.name)
        .where((Agency.id == dossier["agency"]) & (Agency.kind == communes.KIND))
        .first()
        if dossier.get("agency")
        else None
    )
    return row["name"] if row else gettext(COMMUNE_TO_BE_CHOSEN)


_AGENCY_NAMES = prepared(lambda: Agency.select(Agency.code, Agency.name))


async def agency_names() -> dict[str, str]:
    """Agency code -> name, to show people names rather than codes (about twenty rows)."""
    return {r["code"]: r["name"] for r in await _AGENCY_NAMES()}


async def dossier_events_full(dossier_id: int) -> list[dict[str, Any]]:
    """Every event of a dossier with who did it (for printed forms); scope is checked by the
    caller through dossier_detail."""
    rows = (
        await DossierEvent.select(
            *DossierEvent.all_columns(),
            DossierEvent.actor.full_name.as_alias("actor_name"),
        )
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.seq)
    )
    names = await agency_names()
    for e in rows:
        e["agency_name"] = names.get(e["agency_code"], e["agency_code"])
    return rows


async def dossier_by_code(user: CurrentUser, code: str) -> dict[str, Any]:
    row = await Dossier.select(Dossier.id).where(Dossier.code == code.strip().upper()).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return await dossier_detail(user, row["id"])


async def file_for(user: CurrentUser, dossier_id: int, file_id: int) -> dict[str, Any]:
    await owned_dossier(user, dossier_id)
    f = (
        await DossierFile.select()
        .where((DossierFile.id == file_id) & (DossierFile.dossier == dossier_id))
        .first()
    )
    if f is None:
        raise NotFound(N_("Không tìm thấy tệp này."))
    return f


_RESULTS = prepared(
    lambda dossier: DossierFile.select().where(
        (DossierFile.dossier == dossier) & (DossierFile.kind == "result")
    )
)


async def citizen_view(
    user: CurrentUser, dossier_id: int, detail: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The citizen's page of a submitted dossier: where it is, what is asked of them, results;
    from its `dossier_detail` when the caller has it already (loaded once per page)."""
    view = detail if detail is not None else await dossier_detail(user, dossier_id)
    view["supplement"] = supplement_request(view)
    view["results"] = await _RESULTS(dossier_id)
    view["may_withdraw"] = find(State(view["state"]), Action.WITHDRAW) is not None
    return view


def supplement_request(view: dict[str, Any]) -> dict[str, Any] | None:
    """What the last supplement request asked for, with the documents' names."""
    if not view.get("supplement_request"):
        return None
    request: dict[str, Any] = json.loads(view["supplement_request"])
    wanted = set(request.get("documents", []))
    request["names"] = [d["name"] for d in view["documents"] if d["id"] in wanted]
    request["document_rows"] = [d for d in view["documents"] if d["id"] in wanted]
    # Requests made before reply-by dates were asked have none.
    request["reply_by"] = to_date(request["reply_by"]) if request.get("reply_by") else None
    return request


async def visible_to(user: CurrentUser, dossier_id: int) -> bool:
    """Whether this person may still see the dossier (after giving it back, an agency may not)."""
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    return row is not None and may_view(user, row)


async def receipt_facts(dossier_id: int) -> dict[str, Any]:
    """What form 01 adds to the dossier, from its events: who received it, and each new date
    an apology gave (printed beside the commitment, which stays as it was)."""
    events = await dossier_events_full(dossier_id)
    receipt = next(
        (e for e in events if e["action"] in (Action.ACCEPT.value, Action.INTAKE.value)), None
    )
    new_dates = []
    for e in events:
        if e["action"] == Action.APOLOGIZE.value:
            data = json.loads(e["data"] or "{}")
            new_dates.append({"at": e["at"], "date": to_date(data.get("appointment_after"))})
    return {"received_by": receipt["actor_name"] if receipt else "", "new_dates": new_dates}
