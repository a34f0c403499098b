"""Reading what people send, the same way for the pages and the API: an action's inputs (a
page form, a streamed multipart form or a JSON body) and the delivery choice."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.catalog import addresses
from backend.dossiers.delivery import Delivery
from backend.dossiers.inputs import ActionInput
from backend.dossiers.uploads import file_store
from backend.lib.errors import FormErrors, UserError
from backend.lib.forms import RawForm, first, to_date, to_int
from backend.lib.multipart import ReceivedForm

RESULT_FIELD = "result"


def _int(value: Any) -> int | None:
    return to_int(value) if not isinstance(value, bool) else None


def _date(value: Any) -> date | None:
    try:
        return to_date(value)
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
        commune=str(values.get("commune") or "")[:10],
        new_date=_date(values.get("new_date")),
        reply_by=_date(values.get("reply_by")),
        result_kind=str(values.get("result_kind") or ""),
        receiver_name=str(values.get("receiver_name") or "")[:120],
        receiver_id=str(values.get("receiver_id") or "")[:120],
        receiver_relation=str(values.get("receiver_relation") or "")[:20],
        receiver_authorization=str(values.get("receiver_authorization") or "")[:200],
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
            stored = await store.accept_in_thread(received.tmp_path, received.filename)
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


DELIVERY_FIELDS = (
    "delivery_method",
    "recipient_name",
    "recipient_phone",
    "street",
    "ward_code",
    "province",
)


def delivery_from(fields: RawForm) -> Delivery | None:
    """The delivery choice typed in a form (url-encoded, multipart fields or JSON), or None
    when the form did not carry it."""
    if not first(fields, "delivery_method"):
        return None
    return Delivery(
        method=first(fields, "delivery_method", "counter"),
        recipient_name=first(fields, "recipient_name"),
        recipient_phone=first(fields, "recipient_phone"),
        street=first(fields, "street"),
        province=first(fields, "province"),
        # Chosen from the official list (the server writes the ward's name itself): searched
        # with JavaScript, or from the plain list shown without it.
        ward_code=first(fields, "ward_choice") or first(fields, "ward_code"),
    )


def delivery_values(fields: RawForm) -> dict[str, str]:
    """What was sent, to show again beside the errors, with the chosen ward's name."""
    values = {k: first(fields, k) for k in DELIVERY_FIELDS}
    values["ward_code"] = first(fields, "ward_choice") or values["ward_code"]
    chosen = addresses.ward(values["ward_code"]) if values["ward_code"] else None
    values["ward"] = chosen.name if chosen else ""
    return values
