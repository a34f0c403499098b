"""Idempotent API submissions: the key is claimed before any file is stored.

`claim` inserts the key (unique): one request wins and does the work; every other request with
the same key waits for the winner's answer (`wait`) and returns it, so ten retries at once make
one dossier with exactly the files of one request. A refused submission releases its key, so
the client may correct the files and retry with the same key; a winner that died is replaced
after STALE_AFTER.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from backend.dossiers.tables import SubmissionKey
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation, write_transaction

STALE_AFTER = timedelta(minutes=2)
WAIT_SECONDS = 60.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]


async def claim(key: str) -> Answer | None:
    """None: this request holds the key now and does the work. An Answer: the first request
    with this key finished; give its answer back."""
    now = utcnow()
    try:
        await SubmissionKey.insert(SubmissionKey(key=key, state="running", claimed_at=now))
        return None
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
    return await _wait(key)


async def _wait(key: str) -> Answer | None:
    waited = 0.0
    while waited < WAIT_SECONDS:
        row = await SubmissionKey.select().where(SubmissionKey.key == key).first()
        if row is None:
            return await claim(key)  # the first one was refused and let go: our turn
        if row["state"] == "done":
            return Answer(int(row["status_code"]), json.loads(row["answer"]))
        if await _take_over_stale(row):
            return None
        await asyncio.sleep(POLL_SECONDS)
        waited += POLL_SECONDS
    return Answer(
        409,
        {
            "status_code": 409,
            "detail": "Hồ sơ với khóa này vẫn đang được nộp. Vui lòng thử lại sau.",
        },
    )


async def _take_over_stale(row: dict[str, Any]) -> bool:
    """The first request died (a crash, a killed process): this one takes the key over."""
    now = utcnow()
    if now - row["claimed_at"] < STALE_AFTER:
        return False
    async with write_transaction():
        taken = (
            await SubmissionKey.update({SubmissionKey.claimed_at: now})
            .where(
                (SubmissionKey.id == row["id"])
                & (SubmissionKey.state == "running")
                & (SubmissionKey.claimed_at == row["claimed_at"])
            )
            .returning(SubmissionKey.id)
        )
    return bool(taken)


async def settle(key: str, answer: Answer) -> None:
    """Keep the winner's answer for the requests waiting and for later retries."""
    await SubmissionKey.update(
        {
            SubmissionKey.state: "done",
            SubmissionKey.status_code: answer.status_code,
            SubmissionKey.answer: json.dumps(answer.body, ensure_ascii=False, default=str),
        }
    ).where(SubmissionKey.key == key)


async def release(key: str) -> None:
    """A refused submission: the key is free again for a corrected retry."""
    await SubmissionKey.delete().where(SubmissionKey.key == key)
