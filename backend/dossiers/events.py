"""The dossier's history: an append-only, hash-chained event log (backend.audit.chain).

Every state change is an event written by backend.dossiers.transitions; steps that do not
change the state (an apology, the post's steps on a parcel) are recorded here too, so that the
timeline, form 06 and the audit chain tell one story.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from backend.access.user import CurrentUser
from backend.audit import checkpoints
from backend.audit.chain import Chain, register
from backend.dossiers.tables import DossierEvent
from backend.dossiers.workflow import State

HASHED_FIELDS = (
    "seq",
    "dossier",
    "at",
    "actor",
    "actor_role",
    "agency_code",
    "action",
    "from_status",
    "to_status",
    "state_from",
    "state_to",
    "note",
    "data",
)
HISTORY = Chain(DossierEvent, HASHED_FIELDS)


def declare() -> None:
    """Make the dossier history known to `python -m backend.audit verify` (at start-up)."""
    register(HISTORY)


def anchor_of(last_seq: int) -> checkpoints.Checkpoint | None:
    """The latest signed checkpoint if it covers the event at `last_seq` (form 06 prints it,
    so that the paper anchors the chain too); None while the event is newer than it."""
    return checkpoints.covering(HISTORY, last_seq)


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(type(value))


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=_json_default, sort_keys=True)


async def append(
    *,
    dossier: int,
    at: datetime,
    action: str,
    state_from: str,
    state_to: str,
    actor: int | None = None,
    actor_role: str = "",
    agency_code: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event at the end of the chain (inside the caller's write transaction)."""
    return await HISTORY.append(
        dossier=dossier,
        at=at,
        actor=actor,
        actor_role=actor_role,
        agency_code=agency_code,
        action=action,
        from_status=int(State(state_from).status),
        to_status=int(State(state_to).status),
        state_from=state_from,
        state_to=state_to,
        note=note[:2000],
        data=as_json(data or {}),
    )


async def record_step(
    dossier: dict[str, Any],
    action: str,
    at: datetime,
    actor: CurrentUser | None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    place: str = "",
) -> dict[str, Any]:
    """A step that leaves the dossier's state as it is (e.g. `postal.out_for_delivery`),
    inside the caller's transaction. `place` is the acting unit's code (agency, post office)."""
    return await append(
        dossier=dossier["id"],
        at=at,
        action=action,
        state_from=dossier["state"],
        state_to=dossier["state"],
        actor=actor.id if actor else None,
        actor_role=actor.role.value if actor else "",
        agency_code=place,
        note=note,
        data=data,
    )
