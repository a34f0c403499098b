"""The dossier pages are composed: other domains contribute panels without the dossier package
importing them (the parcel's way by post, the paper dossier collected at home, the rating).

A domain registers a `Panel` at start-up (its routes.py `connect()`): where it goes, the
partial that draws it, and an async `load(dossier, viewer)` giving the partial its data, or
None when the panel has nothing to show for this dossier. The page template draws the panels
of a slot with `{% for panel in panels.<slot> %}{% include panel.template %}{% endfor %}`;
inside the partial, `panel.data` is what `load` returned. A panel with a form posts it to
`/dossiers/<id>/panels/<name>` (`Panel.form`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.access.user import CurrentUser


class Slot(StrEnum):
    # The citizen's dossier page (backend.dossiers.pages).
    CITIZEN_AFTER_RESULT = "citizen_after_result"  # below the result card
    CITIZEN_AFTER_STATUS = "citizen_after_status"  # below the status card, above the timeline
    # The citizen's draft (the submission form): under the choice of delivery by post.
    DRAFT_DELIVERY = "draft_delivery"
    # The staff's dossier page: rows of its facts list.
    STAFF_FACTS = "staff_facts"


Loader = Callable[[dict[str, Any], CurrentUser], Awaitable[Any | None]]
# A panel's form, posted to /dossiers/<id>/panels/<name>: does what was asked and returns the
# notice key shown on the dossier page (`?done=`), or raises a UserError, which shows the page
# again with the messages beside the panel's fields.
FormHandler = Callable[[CurrentUser, int, Mapping[str, Any]], Awaitable[str]]


@dataclass(frozen=True)
class Panel:
    name: str
    slot: Slot
    template: str
    load: Loader
    order: int = 50  # lower first within a slot
    form: FormHandler | None = None


@dataclass(frozen=True)
class Shown:
    name: str
    template: str
    data: Any


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _panels[panel.name] = panel


def form_of(name: str) -> FormHandler | None:
    panel = _panels.get(name)
    return panel.form if panel else None


async def for_page(
    slots: tuple[Slot, ...], dossier: dict[str, Any], viewer: CurrentUser
) -> dict[str, list[Shown]]:
    """The panels to draw on a page, by slot name, each with its loaded data."""
    shown: dict[str, list[Shown]] = {slot.value: [] for slot in slots}
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.name)):
        if panel.slot not in slots:
            continue
        data = await panel.load(dossier, viewer)
        if data is not None:
            shown[panel.slot.value].append(Shown(panel.name, panel.template, data))
    return shown
