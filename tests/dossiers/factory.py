"""A fast way to a dossier in any workflow state: services and perform(), no HTTP.

A dossier is started, filled and submitted through backend.dossiers.services, then moved along
a fixed path of workflow actions with valid inputs. People are the demo staff accounts plus two
citizens made directly in the database (no password hashing: nobody signs in as them).
"""

from __future__ import annotations

import io
import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.services import load_calendar
from backend.catalog.tables import Agency, Procedure, RequiredDocument
from backend.dossiers import drafts, submission
from backend.dossiers.tables import Dossier
from backend.dossiers.transitions import ActionInput, Outcome, perform
from backend.dossiers.uploads import file_store
from backend.dossiers.workflow import TRANSITIONS, Action, Input, State, find
from backend.lib.clock import utcnow
from backend.lib.files import StoredFile
from tests.helpers import PDF, make_citizen, make_user, user_by_login

REASON = "Lý do đủ dài để hợp lệ"
OTHER_AGENCY = {"stp": "sxd", "sxd": "stp"}

# How to reach each state from SUBMITTED: (who, action) steps. "specialist" and "leader" are
# those of the dossier's own agency; the specialist takes the dossier and keeps holding it.
_TO_PROCESSING = [("counter", Action.ACCEPT), ("specialist", Action.TAKE)]
_TO_PROCESSING_SUPPLEMENT = [*_TO_PROCESSING, ("specialist", Action.REQUEST_SUPPLEMENT)]
_TO_AWAITING = [*_TO_PROCESSING, ("specialist", Action.DRAFT_RESULT)]
_TO_DONE = [*_TO_AWAITING, ("leader", Action.APPROVE)]
PATHS: dict[State, list[tuple[str, Action]]] = {
    State.SUBMITTED: [],
    State.INTAKE_SUPPLEMENT: [("counter", Action.REQUEST_SUPPLEMENT)],
    State.NOT_RECEIVED: [("counter", Action.REFUSE)],
    State.WITHDRAWN: [("owner", Action.WITHDRAW)],
    State.RECEIVED: [("counter", Action.ACCEPT)],
    State.STOPPED: [("counter", Action.ACCEPT), ("leader", Action.STOP)],
    State.PROCESSING: _TO_PROCESSING,
    State.FORWARDED: [*_TO_PROCESSING, ("specialist", Action.FORWARD)],
    State.PROCESSING_SUPPLEMENT: _TO_PROCESSING_SUPPLEMENT,
    State.SUPPLEMENTED: [*_TO_PROCESSING_SUPPLEMENT, ("owner", Action.SUPPLEMENT)],
    State.AWAITING_SIGNATURE: _TO_AWAITING,
    State.DONE: _TO_DONE,
    State.RETURNED: [*_TO_DONE, ("counter", Action.HAND_OVER)],
}
# Every state a dossier really gets into (DRAFT is made without submitting).
REACHABLE: tuple[State, ...] = (State.DRAFT, *PATHS)
# States in which the citizen adds supplementary pages before sending them.
UPLOAD_STATES = (State.INTAKE_SUPPLEMENT, State.PROCESSING_SUPPLEMENT)

STAFF_LOGINS = {
    "counter": "motcua1",
    "stp.specialist": "tuphap.cv",
    "stp.leader": "tuphap.ld",
    "sxd.specialist": "xaydung.cv",
    "sxd.leader": "xaydung.ld",
    "manager": "giamdoc",
    "admin": "admin",
}
# A second specialist of stp who never holds the test dossiers. Inactive, so it shows in no
# list, no assignee choice and no deadline warning of other tests; perform() does not look at
# `active` (a deactivated account has no session to act with).
SECOND_SPECIALIST = "test.tuphap.cv2"

_keys = itertools.count(1)


def _jpeg() -> bytes:
    image = Image.new("RGB", (120, 160), (240, 236, 230))
    image.paste((30, 30, 30), (12, 16, 60, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def store_bytes(content: bytes, name: str) -> StoredFile:
    """Through the real upload store, as an upload would be."""
    with tempfile.NamedTemporaryFile(delete=False, suffix=Path(name).suffix) as tmp:
        tmp.write(content)
    return file_store().accept(Path(tmp.name), name)


_COUNTS = {
    "n_events": "(SELECT COUNT(*) FROM dossier_event x WHERE x.dossier = d.id)",
    "n_notifications": "(SELECT COUNT(*) FROM notification x WHERE x.dossier = d.id)",
    "n_files": "(SELECT COUNT(*) FROM dossier_file x WHERE x.dossier = d.id)",
    "last_event": "(SELECT MAX(id) FROM dossier_event)",
    "last_notification": "(SELECT MAX(id) FROM notification)",
    "last_outbox": "(SELECT MAX(id) FROM outbox_item)",
    "last_file": "(SELECT MAX(id) FROM dossier_file)",
    "last_seq": "(SELECT MAX(last_seq) FROM audit_chain_head)",
}
_SNAPSHOT_SQL = (
    "SELECT d.*, "
    + ", ".join(f"{sql} AS {name}" for name, sql in _COUNTS.items())
    + " FROM dossier d WHERE d.id = {}"
)


@dataclass
class Snapshot:
    """Everything an action could write, to prove a refused one wrote nothing: the dossier's
    row as stored, its events, notifications and files, and the newest row of each table."""

    dossier: dict[str, Any]
    counts: dict[str, Any]

    @property
    def events(self) -> int:
        return int(self.counts["n_events"])

    @property
    def notifications(self) -> int:
        return int(self.counts["n_notifications"])


async def snapshot(dossier_id: int) -> Snapshot:
    """One query (the refused cases run thousands of times)."""
    rows = await Dossier.raw(_SNAPSHOT_SQL, dossier_id)
    assert rows, dossier_id
    row = dict(rows[0])
    counts = {name: row.pop(name) for name in _COUNTS}
    return Snapshot(dossier=row, counts=counts)


class Factory:
    """Dossiers of an agency's procedure, in any state, for a given citizen."""

    def __init__(self) -> None:
        self.people: dict[str, CurrentUser] = {}
        self.procedures: dict[str, dict[str, Any]] = {}
        self.agency_ids: dict[str, int] = {}
        self.photo: StoredFile | None = None
        self.pdf: StoredFile | None = None
        self.calendar: Any = None

    async def setup(self) -> Factory:
        for key, login in STAFF_LOGINS.items():
            self.people[key] = await user_by_login(login)
        self.people["stp.specialist2"] = await make_user(
            Role.SPECIALIST, SECOND_SPECIALIST, "stp", active=False
        )
        self.people["owner"] = await make_citizen()
        self.people["other_citizen"] = await make_citizen()
        self.agency_ids = {r["code"]: r["id"] for r in await Agency.select(Agency.id, Agency.code)}
        for code, days in (("stp", 3), ("sxd", 2)):
            self.procedures[code] = await self._procedure(code, days)
        self.photo = store_bytes(_jpeg(), "trang.jpg")
        self.pdf = store_bytes(PDF, "kq.pdf")
        self.calendar = await load_calendar()
        return self

    async def _procedure(self, agency: str, days_min: int) -> dict[str, Any]:
        """The agency's procedure with the fewest required documents and some days to work."""
        procs = await Procedure.select(Procedure.id, Procedure.processing_days).where(
            (Procedure.agency.code == agency)
            & Procedure.active.eq(True)
            # Commune-decided ones leave the agency at receipt (test_commune_transfer).
            & Procedure.decided_by_commune.eq(False)
        )
        best: dict[str, Any] | None = None
        for p in procs:
            if p["processing_days"] < days_min:
                continue
            docs = await RequiredDocument.select(
                RequiredDocument.id, RequiredDocument.required
            ).where(RequiredDocument.procedure == p["id"])
            required = [d["id"] for d in docs if d["required"]]
            if required and (best is None or len(required) < len(best["required"])):
                best = {**p, "required": required}
        assert best is not None, agency
        return best

    def staff(self, agency: str, role: str) -> CurrentUser:
        return self.people[f"{agency}.{role}"]

    async def draft(self, agency: str = "stp", owner: CurrentUser | None = None) -> int:
        """A complete draft: every required document has a page."""
        owner = owner or self.people["owner"]
        proc = self.procedures[agency]
        dossier_id = await drafts.start_draft(owner, proc["id"], f"factory-{next(_keys)}")
        assert self.photo is not None
        for doc in proc["required"]:
            await drafts.add_file(owner, dossier_id, doc, self.photo, "trang.jpg")
        return dossier_id

    async def create(
        self,
        state: State,
        agency: str = "stp",
        owner: CurrentUser | None = None,
        result_kind: str = "paper",
    ) -> int:
        """A dossier in `state`; an electronic result (`result_kind`) asked for DONE is in
        the citizen's account at once, so the dossier ends RETURNED."""
        owner = owner or self.people["owner"]
        dossier_id = await self.draft(agency, owner)
        if state is State.DRAFT:
            return dossier_id
        await submission.submit(owner, dossier_id)
        for who, action in PATHS[state]:
            user = owner if who == "owner" else self.people.get(who) or self.staff(agency, who)
            outcome = await self.act(user, dossier_id, action, result_kind=result_kind)
            if outcome.state in UPLOAD_STATES:
                # Asked for papers, the citizen adds a page at once: ready to send it.
                await self.add_supplement_page(owner, dossier_id)
        row = await Dossier.select(Dossier.state).where(Dossier.id == dossier_id).first()
        electronic = result_kind == "electronic" and state is State.DONE
        want = State.RETURNED if electronic else state
        assert row is not None and row["state"] == want.value, (state, row)
        return dossier_id

    async def add_supplement_page(self, owner: CurrentUser, dossier_id: int) -> None:
        """What the citizen does before pressing "send": add a page to the asked document."""
        row = await Dossier.select().where(Dossier.id == dossier_id).first()
        assert row is not None and self.photo is not None
        doc = next(iter(self._procedure_of(row)["required"]))
        await drafts.add_file(owner, dossier_id, doc, self.photo, "bo-sung.jpg")

    def _procedure_of(self, row: dict[str, Any]) -> dict[str, Any]:
        return next(p for p in self.procedures.values() if p["id"] == row["procedure"])

    async def inputs(
        self, dossier_id: int, action: Action, result_kind: str = "paper"
    ) -> ActionInput:
        """Valid inputs for this action on this dossier: those of its table row in the current
        state, or of every row of the action when the state has none."""
        row = await Dossier.select().where(Dossier.id == dossier_id).first()
        assert row is not None
        transition = find(State(row["state"]), action)
        needs = (
            set(transition.inputs)
            if transition
            else {i for t in TRANSITIONS if t.action is action for i in t.inputs}
        )
        inp = ActionInput()
        proc = self._procedure_of(row)
        codes = {i: c for c, i in self.agency_ids.items()}
        home = codes.get(row["agency"], "stp")
        acting = row["handling_agency"] if row["state"] == "forwarded" else row["agency"]
        acting_code = codes.get(acting, home)
        if Input.REASON in needs:
            inp.reason = REASON
        if Input.DOCUMENTS in needs:
            inp.documents = [proc["required"][0]]
        if Input.ASSIGNEE in needs:
            inp.assignee = self.staff(acting_code, "specialist").id
        if Input.AGENCY in needs:
            inp.agency = OTHER_AGENCY[home]
        if Input.NEW_DATE in needs:
            current = row["appointment_date"] or utcnow().date()
            inp.new_date = self.calendar.next_working_day(current)
        if Input.RESULT_FILE in needs:
            assert self.pdf is not None
            inp.files = [(self.pdf, "kq.pdf")]
        if Input.RESULT_KIND in needs:
            inp.result_kind = result_kind
        if Input.RECEIVER in needs:
            inp.receiver_name = "Nguyễn Văn Nhận"
            inp.receiver_id = "CCCD số cuối 1234"
            inp.receiver_relation = "self"
        return inp

    async def act(
        self,
        user: CurrentUser,
        dossier_id: int,
        action: Action,
        expected_version: int | None = None,
        result_kind: str = "paper",
    ) -> Outcome:
        """Run an action with valid inputs (a supplement's page is added when it is asked)."""
        inp = await self.inputs(dossier_id, action, result_kind)
        inp.expected_version = expected_version
        return await perform(user, dossier_id, action, inp)


__all__ = ["PATHS", "REACHABLE", "UPLOAD_STATES", "Factory", "snapshot"]
