"""The post's panels on the dossier pages (backend.dossiers.panels): the parcel with its steps
and the choice of address for the citizen; the paper dossier collected at home; the same facts
in one line each for the staff."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.access.user import CurrentUser
from backend.dossiers.panels import Panel, Slot, register
from backend.postal import pickups, shipments
from backend.postal.lifecycle import ShipmentState
from backend.postal.queries import citizen_panel
from backend.postal.schemas import read_change
from backend.postal.tariff import tariff


async def _citizen_shipment(dossier: dict[str, Any], viewer: CurrentUser) -> Any:
    return await citizen_panel(dossier)


async def _pickup(dossier: dict[str, Any], viewer: CurrentUser) -> Any:
    return await pickups.of_dossier(dossier["id"])


async def _postage(dossier: dict[str, Any], viewer: CurrentUser) -> Any:
    """The fees the citizen will pay, shown before choosing the post (README promise)."""
    return await tariff()


async def _staff_parcel(dossier: dict[str, Any], viewer: CurrentUser) -> Any:
    parcel = await shipments.of_dossier(dossier["id"])
    return parcel if parcel and parcel["state"] != ShipmentState.CANCELLED else None


async def _change_delivery(user: CurrentUser, dossier_id: int, data: Mapping[str, Any]) -> str:
    """The citizen chooses the post, changes the address or the day, or goes back to the
    counter, from the dossier page."""
    return "postal-" + await shipments.change(user, dossier_id, read_change(data))


def register_all() -> None:
    register(
        Panel(
            "postal",
            Slot.CITIZEN_AFTER_STATUS,
            "postal/_shipment_panel.html",
            _citizen_shipment,
            form=_change_delivery,
        )
    )
    register(Panel("postage", Slot.DRAFT_DELIVERY, "postal/_postage.html", _postage))
    register(
        Panel("pickup", Slot.CITIZEN_AFTER_RESULT, "postal/_pickup_status.html", _pickup, order=60)
    )
    register(
        Panel("parcel-fact", Slot.STAFF_FACTS, "postal/_staff_parcel_fact.html", _staff_parcel)
    )
    register(
        Panel("pickup-fact", Slot.STAFF_FACTS, "postal/_staff_pickup_fact.html", _pickup, order=60)
    )
