"""Deadline watch: warn the agency DUE_SOON_WORKING_DAYS (2) working days ahead, mark overdue
dossiers late.

Runs in every app process every few minutes (it is idempotent: a dossier is warned once a
day, guarded by a conditional update) and as `python -m backend.dossiers.deadlines` for cron.
The warning itself is written by the listeners of `on_due_soon` (backend.notifications), in
the same transaction as the mark that it was given.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

from backend.access.roles import Role
from backend.accounts.tables import User
from backend.catalog.services import load_calendar
from backend.dossiers import listeners
from backend.dossiers.queues import due_soon_horizon, today
from backend.dossiers.scope import acting_agency
from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import OPEN_STATES
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction

OPEN = [s.value for s in OPEN_STATES]


async def check(on: date | None = None) -> dict[str, int]:
    on = on or today()
    calendar = await load_calendar()
    horizon = due_soon_horizon(calendar, on)
    overdue = (
        await Dossier.update({Dossier.late: True})
        .where(Dossier.state.is_in(OPEN) & (Dossier.appointment_date < on) & Dossier.late.eq(False))
        .returning(Dossier.id)
    )
    due = await Dossier.select().where(
        Dossier.state.is_in(OPEN)
        & (Dossier.appointment_date <= horizon)
        & (Dossier.appointment_date >= on)
        & ((Dossier.due_soon_alerted_on.is_null()) | (Dossier.due_soon_alerted_on != on))
    )
    warned = 0
    for dossier in due:
        async with write_transaction():
            claimed = (
                await Dossier.update({Dossier.due_soon_alerted_on: on})
                .where(
                    (Dossier.id == dossier["id"])
                    & (
                        (Dossier.due_soon_alerted_on.is_null())
                        | (Dossier.due_soon_alerted_on != on)
                    )
                )
                .returning(Dossier.id)
            )
            if not claimed:
                continue  # another process warned first
            await listeners.run_due_soon(
                listeners.DueSoon(dossier, await _recipients(dossier), utcnow())
            )
            warned += 1
    return {"overdue_marked": len(overdue), "warned": warned}


async def _recipients(dossier: dict[str, Any]) -> list[int]:
    """The specialist holding it, else the agency's leaders and specialists."""
    if dossier["assignee"]:
        return [int(dossier["assignee"])]
    rows = await User.select(User.id).where(
        (User.agency == acting_agency(dossier))
        & User.role.is_in([Role.LEADER.value, Role.SPECIALIST.value])
        & User.active.eq(True)
    )
    return [int(r["id"]) for r in rows]


async def watch(every_seconds: int = 600) -> None:
    while True:
        try:
            await check()
        except Exception:  # retried next round; the app must not stop
            logging.getLogger("motcua").exception("deadline check failed")
        await asyncio.sleep(every_seconds)
