"""Answers kept with their idempotency key, so that a confirmation is applied at most once.

The courier's phone queues each confirmation (a parcel's step, a pickup) with a key it makes
itself and replays the queue when it is back online; whatever the first request got, success
or refusal, is the answer to every replay of the same key.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.access.user import CurrentUser
from backend.lib.clock import utcnow
from backend.lib.db import is_unique_violation
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import gettext
from backend.postal.tables import ConfirmationKey


@dataclass(frozen=True)
class Answer:
    """What a confirmation got: kept with its idempotency key and given again on a replay."""

    status_code: int
    body: dict[str, Any]


async def _saved_answer(key: str) -> Answer | None:
    row = await ConfirmationKey.select().where(ConfirmationKey.key == key).first()
    if row is None:
        return None
    return Answer(row["status_code"], json.loads(row["answer"]))


async def keep_answer(key: str, answer: Answer, now: datetime) -> None:
    await ConfirmationKey.insert(
        ConfirmationKey(
            key=key,
            at=now,
            status_code=answer.status_code,
            answer=json.dumps(answer.body, ensure_ascii=False),
        )
    )


async def once(
    user: CurrentUser, client_key: str, apply: Callable[[str], Awaitable[Answer]]
) -> Answer:
    """Run a confirmation at most once per (person, idempotency key).

    `apply(key)` stores its own answer with the key inside its transaction. A refusal (the
    parcel was confirmed by someone else, a missing field) is an answer too: kept with the key,
    so a replay hears the same thing and the phone can drop it.
    """
    key = f"{user.id}:{client_key.strip()[:64]}" if client_key.strip() else ""
    if key and (saved := await _saved_answer(key)):
        return Answer(saved.status_code, {**saved.body, "replayed": True})
    try:
        return await apply(key)
    except UserError as exc:
        if key and (saved := await _saved_answer(key)):
            # The same key won in a concurrent request: that is this confirmation's answer.
            return Answer(saved.status_code, {**saved.body, "replayed": True})
        answer = _refusal(exc)
        if key and exc.status_code in (409, 422):
            try:
                await keep_answer(key, answer, utcnow())
            except Exception as keep_exc:  # a racing replay stored it first: fine
                if not is_unique_violation(keep_exc):
                    raise
        return answer


def _refusal(exc: UserError) -> Answer:
    body: dict[str, Any] = {"detail": exc.render(gettext), "field": exc.field, "replayed": False}
    if isinstance(exc, FormErrors):
        body["errors"] = exc.by_field(gettext)
    return Answer(exc.status_code, body)
