"""Counters of the Bộ phận Một cửa, as the administrator adds, renumbers and stops them."""

from __future__ import annotations

from backend.catalog.queries import get_counter
from backend.catalog.schemas import CounterInput
from backend.catalog.tables import Counter
from backend.lib.db import is_unique_violation
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import N_


def _taken(number: int) -> FormErrors:
    return FormErrors([UserError(N_("Đã có quầy số {number}."), field="number", number=number)])


async def save_counter(counter_id: int | None, form: CounterInput) -> int:
    """Add a counter (None) or change one; a number is used once."""
    clash = Counter.exists().where(Counter.number == form.number)
    if counter_id is not None:
        await get_counter(counter_id)
        clash = clash.where(Counter.id != counter_id)
    if await clash:
        raise _taken(form.number)
    try:
        if counter_id is None:
            row = Counter(number=form.number, name=form.name, active=True)
            await row.save()
            return int(row.id)
        await Counter.update({Counter.number: form.number, Counter.name: form.name}).where(
            Counter.id == counter_id
        )
    except Exception as e:
        if is_unique_violation(e):
            raise _taken(form.number) from e
        raise
    return counter_id


async def set_counter_active(counter_id: int, active: bool) -> None:
    await get_counter(counter_id)
    await Counter.update({Counter.active: active}).where(Counter.id == counter_id)
