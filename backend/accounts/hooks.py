"""What other domains do when a person signs in or out or proves their phone, without accounts
knowing them.

A domain registers a handler at start-up (backend.wiring); accounts calls every handler after
a successful sign-in and before a sign-out. Example: ratings opens a counter officer's duty at
their desk, so that kiosk votes there count for them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from backend.access.roles import Role


@dataclass(frozen=True)
class SessionEvent:
    user_id: int
    role: Role
    counter_id: int | None  # the desk a counter officer sits at
    at: datetime


Handler = Callable[[SessionEvent], Awaitable[None]]
_on_sign_in: list[Handler] = []
_on_sign_out: list[Handler] = []


def on_sign_in(handler: Handler) -> None:
    if handler not in _on_sign_in:
        _on_sign_in.append(handler)


def on_sign_out(handler: Handler) -> None:
    if handler not in _on_sign_out:
        _on_sign_out.append(handler)


async def signed_in(event: SessionEvent) -> None:
    for handler in _on_sign_in:
        await handler(event)


async def signing_out(event: SessionEvent) -> None:
    for handler in _on_sign_out:
        await handler(event)


@dataclass(frozen=True)
class PhoneProven:
    """A citizen typed back a code sent to `phone`: the number is theirs (backend.dossiers
    makes the walk-in dossiers filed for it visible to them)."""

    user_id: int
    phone: str
    at: datetime


PhoneHandler = Callable[[PhoneProven], Awaitable[None]]
_on_phone_proven: list[PhoneHandler] = []


def on_phone_proven(handler: PhoneHandler) -> None:
    if handler not in _on_phone_proven:
        _on_phone_proven.append(handler)


async def phone_proven(event: PhoneProven) -> None:
    for handler in _on_phone_proven:
        await handler(event)
