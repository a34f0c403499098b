"""Printable forms (Circular 03/2025 annex I; numbering to verify): 02 supplement request,
03 refusal, 04 apology and new date, 05 stop notice, 06 control slip. Form 01, the receipt,
is the receipt page.

Each is rebuilt from the event log, so what is printed is what happened.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

from litestar import Controller, get
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, signed_in
from backend.catalog.services import load_calendar
from backend.catalog.tables import Procedure
from backend.dossiers import events as history
from backend.dossiers import queries
from backend.dossiers.workflow import FINAL_STATES, OWNER, SYSTEM, Action, State
from backend.lib.errors import NotFound
from backend.lib.i18n import N_
from backend.lib.web import render, see_other
from backend.lib.workdays import WorkCalendar
from backend.settings import get_settings

FORM_ACTIONS: dict[str, Action] = {
    "02": Action.REQUEST_SUPPLEMENT,
    "03": Action.REFUSE,
    "04": Action.APOLOGIZE,
    "05": Action.STOP,
}
FORM_TITLES: dict[str, str] = {
    "02": N_("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "03": N_("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "04": N_("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"),
    "05": N_("Thông báo dừng giải quyết hồ sơ"),
    "06": N_("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}


ENDED = FINAL_STATES | {State.DONE, State.WITH_POST}
# Documents of the deciding agency, signed by its head (Circular 03/2025): not the Center's.
AGENCY_FORMS = frozenset({"04", "05"})


def _parse(event: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(event["data"] or "{}")
    except ValueError:
        data = {}
    for key in ("appointment_before", "appointment_after", "reply_by"):  # stored as ISO text
        if isinstance(data.get(key), str):
            data[key] = date.fromisoformat(data[key][:10])
    return {**event, "info": data}


def control_rows(
    events: list[dict[str, Any]],
    finished: bool = False,
    norms: dict[str, int] | None = None,
    calendar: WorkCalendar | None = None,
) -> list[dict[str, Any]]:
    """Form 06: each step with who held the dossier, from when to when, its deadline and
    whether it ended by then. A step in a state the internal procedure gives a time to
    (`norms`: state -> working days, e.g. the leader's signature) is due that many working
    days after it began, and never later than the appointment in force; the others are due
    by the appointment. Only the officers' steps are judged (the citizen's own and the
    system's are not theirs to be late with); the last step of a finished dossier is held by
    nobody."""
    ordered = sorted((_parse(e) for e in events), key=lambda e: e["at"])
    rows, due = [], None
    tz = get_settings().time_zone
    for i, e in enumerate(ordered):
        after = e["info"].get("appointment_after")
        if after:
            due = after
        ends = ordered[i + 1]["at"] if i + 1 < len(ordered) else None
        finished_on = (ends or e["at"]).astimezone(tz).date()
        step_due = due
        norm = (norms or {}).get(e["state_to"])
        if norm is not None and calendar is not None and due is not None:
            step_due = min(due, calendar.add_working_days(e["at"].astimezone(tz).date(), norm))
        judged = step_due is not None and e["actor_role"] not in (OWNER, SYSTEM)
        rows.append(
            {
                **e,
                "until": ends,
                "held": ends is None and not finished,
                "on_time": finished_on <= step_due if judged and step_due else None,
                "due": step_due if judged else None,
            }
        )
    return rows


async def step_norms(procedure_id: int) -> dict[str, int]:
    """The internal procedure's times, by the state the dossier waits in during the step."""
    row = (
        await Procedure.select(Procedure.assign_days, Procedure.sign_days)
        .where(Procedure.id == procedure_id)
        .first()
    )
    if row is None:
        return {}
    return {
        State.RECEIVED.value: row["assign_days"],
        State.AWAITING_SIGNATURE.value: row["sign_days"],
    }


class PrintedFormPages(Controller):
    include_in_schema = False
    guards = [signed_in]

    @get("/dossiers/{dossier_id:int}/forms/{number:str}")
    async def form(
        self, request: HTMXRequest, dossier_id: int, number: str, user: SignedIn
    ) -> Template | Redirect:
        if number == "01":
            return see_other(f"/dossiers/{dossier_id}/receipt")
        if number not in FORM_TITLES:
            raise NotFound(N_("Không có mẫu này."))
        view = await queries.dossier_detail(user, dossier_id)
        events = await queries.dossier_events_full(dossier_id)
        event = None
        if number in FORM_ACTIONS:
            matching = [_parse(e) for e in events if e["action"] == FORM_ACTIONS[number].value]
            if not matching:
                raise NotFound(N_("Hồ sơ này chưa có văn bản theo mẫu này."))
            event = matching[-1]
            wanted = set(event["info"].get("documents", []))
            event["document_names"] = [d["name"] for d in view["documents"] if d["id"] in wanted]
        anchor = None
        if number == "06" and events:
            # The paper anchors the audit chain: the signed checkpoint covering the last step.
            anchor = await asyncio.to_thread(history.anchor_of, max(e["seq"] for e in events))
        return render(
            request,
            "dossiers/form.html",
            dossier=view,
            number=number,
            title=FORM_TITLES[number],
            event=event,
            rows=control_rows(
                events,
                finished=State(view["state"]) in ENDED,
                norms=await step_norms(view["procedure"]),
                calendar=await load_calendar(),
            )
            if number == "06"
            else [],
            anchor=anchor,
            by_agency=number in AGENCY_FORMS,
        )
