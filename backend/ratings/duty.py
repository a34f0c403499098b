"""Who is on duty at a counter: opened when a counter officer signs in, closed when they sign
out or another officer signs in at the same desk. A kiosk vote goes to the officer on duty at
the moment of the vote, so that satisfaction per official is fair to whoever sat there."""

from __future__ import annotations

from datetime import datetime

from backend.access.roles import Role
from backend.accounts.hooks import SessionEvent
from backend.lib.db import write_transaction
from backend.ratings.tables import CounterDuty


async def start(officer_id: int, counter_id: int, now: datetime) -> None:
    async with write_transaction():
        await CounterDuty.update({CounterDuty.ended_at: now}).where(
            ((CounterDuty.counter == counter_id) | (CounterDuty.officer == officer_id))
            & CounterDuty.ended_at.is_null()
        )
        await CounterDuty.insert(
            CounterDuty(counter=counter_id, officer=officer_id, started_at=now)
        )


async def end(officer_id: int, now: datetime) -> None:
    await CounterDuty.update({CounterDuty.ended_at: now}).where(
        (CounterDuty.officer == officer_id) & CounterDuty.ended_at.is_null()
    )


async def on_duty(counter_id: int, at: datetime) -> int | None:
    row = await (
        CounterDuty.select(CounterDuty.officer)
        .where(
            (CounterDuty.counter == counter_id)
            & (CounterDuty.started_at <= at)
            & (CounterDuty.ended_at.is_null() | (CounterDuty.ended_at > at))
        )
        .order_by(CounterDuty.started_at, ascending=False)
        .first()
    )
    return int(row["officer"]) if row else None


async def on_sign_in(event: SessionEvent) -> None:
    """A counter officer now sits at their desk: kiosk votes there count for them."""
    if event.role is Role.COUNTER and event.counter_id:
        await start(event.user_id, event.counter_id, event.at)


async def on_sign_out(event: SessionEvent) -> None:
    if event.role is Role.COUNTER:
        await end(event.user_id, event.at)
