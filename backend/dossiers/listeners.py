"""How other domains take part in a dossier's life without the dossier knowing them.

The dossiers package imports none of postal, ratings, notifications, complaints: those register
here at start-up (their routes.py `connect()`, called by backend.wiring):

- `check_before(action, check)`: runs before anything is written and may refuse the action with
  a UserError (the post must have brought the papers before the counter receives them);
- `on_transition(action, handler)`: runs inside the transition's transaction, after the
  dossier row and its event are written, so whatever the handler writes (a shipment, the
  citizen's message) exists exactly when the event does; an exception rolls everything back;
  `action=None` listens to every action;
- `on_due_soon(handler)`: the deadline watch found a dossier whose appointment is near.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.access.user import CurrentUser
from backend.dossiers.workflow import Action, State, Transition


@dataclass(frozen=True)
class Change:
    """One transition that has just been written."""

    transition: Transition
    before: dict[str, Any]  # the dossier row as it was
    after: dict[str, Any]  # the dossier row as it is now (code, dates, state...)
    actor: CurrentUser | None  # None when the system acts on its own
    data: dict[str, Any]  # what the event records (reason, dates, result kind...)
    event: dict[str, Any]  # the event row (its seq and hash included)
    now: datetime
    # What the domain that asked for the transition passed along (e.g. a pickup booking).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> Action:
        return self.transition.action

    @property
    def target(self) -> State:
        return self.transition.target


@dataclass(frozen=True)
class DueSoon:
    dossier: dict[str, Any]
    recipients: list[int]  # who holds it: the specialist, else the agency's leaders and staff
    now: datetime


Check = Callable[[dict[str, Any], Transition], Awaitable[None]]
Handler = Callable[[Change], Awaitable[None]]
DueSoonHandler = Callable[[DueSoon], Awaitable[None]]

_checks: list[tuple[Action | None, Check]] = []
_handlers: list[tuple[Action | None, Handler]] = []
_due_soon: list[DueSoonHandler] = []


def check_before(action: Action | None, check: Check) -> None:
    if (action, check) not in _checks:
        _checks.append((action, check))


def on_transition(action: Action | None, handler: Handler) -> None:
    if (action, handler) not in _handlers:
        _handlers.append((action, handler))


def on_due_soon(handler: DueSoonHandler) -> None:
    if handler not in _due_soon:
        _due_soon.append(handler)


async def run_checks(dossier: dict[str, Any], transition: Transition) -> None:
    for action, check in list(_checks):
        if action is None or action is transition.action:
            await check(dossier, transition)


async def run_handlers(change: Change) -> None:
    for action, handler in list(_handlers):
        if action is None or action is change.action:
            await handler(change)


async def run_due_soon(event: DueSoon) -> None:
    for handler in list(_due_soon):
        await handler(event)
