"""Reading an action's inputs from a page form or an API body, the same way for both."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from backend.dossiers.transitions import ActionInput
from backend.dossiers.uploads import file_store
from backend.lib.errors import FormErrors, UserError
from backend.lib.multipart import ReceivedForm

RESULT_FIELD = "result"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def from_values(values: dict[str, Any]) -> ActionInput:
    """From a dict of plain values (a JSON body, or a form's fields)."""
    documents = values.get("documents") or []
    if not isinstance(documents, list):
        documents = [documents]
    return ActionInput(
        reason=str(values.get("reason") or "")[:2000],
        documents=[d for d in (_int(x) for x in documents) if d is not None],
        assignee=_int(values.get("assignee")),
        agency=str(values.get("agency") or "")[:20],
        new_date=_date(values.get("new_date")),
        result_kind=str(values.get("result_kind") or ""),
        receiver_name=str(values.get("receiver_name") or "")[:120],
        receiver_id=str(values.get("receiver_id") or "")[:120],
        expected_version=_int(values.get("expected_version")),
    )


async def from_form(form: ReceivedForm) -> ActionInput:
    """From a streamed multipart form; the result document is checked and stored first."""
    values: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in form.fields.items()}
    values["documents"] = form.fields.get("documents", [])
    inp = from_values(values)
    store = file_store()
    for received in form.files:
        if received.field_name != RESULT_FIELD:
            continue
        if received.error is not None:
            raise FormErrors(
                [UserError(received.error.message, field="files", **received.error.params)]
            )
        if received.tmp_path is None:
            continue
        try:
            stored = await asyncio.to_thread(store.accept, received.tmp_path, received.filename)
        except UserError as e:
            raise FormErrors([UserError(e.message, field="files", **e.params)]) from e
        finally:
            received.tmp_path = None
        inp.files.append((stored, received.filename))
    return inp


def form_values(form: ReceivedForm) -> dict[str, Any]:
    """What to put back in the form when it is shown again with errors."""
    values: dict[str, Any] = {k: v[0] for k, v in form.fields.items() if v}
    values["documents"] = [x for x in (_int(d) for d in form.fields.get("documents", [])) if x]
    return values
