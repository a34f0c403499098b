"""Who may see a dossier. Acting on it is decided by the workflow table on top of this."""

from __future__ import annotations

from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser


def acting_agency(dossier: dict[str, Any], action: str = "") -> int | None:
    """The agency whose staff may run `action`: while a dossier is forwarded, the consulted
    agency gives it back (its only move); everything else stays with the owning agency."""
    if (
        dossier["state"] == "forwarded"
        and dossier["handling_agency"]
        and action
        in (
            "",
            "return_forward",
        )
    ):
        return int(dossier["handling_agency"])
    return dossier["agency"]


def may_edit_draft(user: CurrentUser, dossier: dict[str, Any]) -> bool:
    """The citizen edits their own draft; a counter officer edits one filed at the counter."""
    if dossier["citizen"] == user.id:
        return True
    return user.role is Role.COUNTER and dossier["channel"] == 1 and dossier["state"] == "draft"


def may_view(user: CurrentUser, dossier: dict[str, Any]) -> bool:
    if dossier["citizen"] == user.id:
        return True
    if dossier["state"] == "draft":
        # A draft is the citizen's alone, except one being filed at the counter (channel 1).
        return user.role is Role.COUNTER and dossier["channel"] == 1
    if user.role in (Role.ADMIN, Role.MANAGER, Role.COUNTER):
        # The counter is the center's front desk: it receives and hands over every dossier.
        return True
    if user.role in (Role.SPECIALIST, Role.LEADER):
        return user.agency_id is not None and user.agency_id in (
            dossier["agency"],
            dossier["handling_agency"],
        )
    return False
