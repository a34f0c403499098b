"""The rating card on the citizen's dossier page (backend.dossiers.panels)."""

from __future__ import annotations

from typing import Any

from backend.access.user import CurrentUser
from backend.dossiers.panels import Panel, Slot, register
from backend.ratings.queries import card


async def _card(dossier: dict[str, Any], viewer: CurrentUser) -> Any:
    return await card(dossier)


def register_all() -> None:
    register(
        Panel("ratings.card", Slot.CITIZEN_AFTER_RESULT, "ratings/_panel.html", _card, order=10)
    )
