"""Every route of the postal app, registered by backend.app, and its listeners."""

from __future__ import annotations

from typing import Any

from backend.dossiers import listeners
from backend.dossiers.workflow import Action
from backend.lib import cleanup
from backend.postal import panels, pickups, shipments
from backend.postal.admin_pages import ADMIN_CONTROLLERS
from backend.postal.api.courier import PostalApi
from backend.postal.api.handovers import HandoverApi
from backend.postal.api.pickup_handovers import PickupHandoverApi
from backend.postal.pages.courier import CourierController
from backend.postal.pages.handover import HandoverController, HandoverListController
from backend.postal.pages.parcels import ParcelController
from backend.postal.pages.pickup import PickupBookingController
from backend.postal.pages.pickup_handover import PickupHandoverController
from backend.postal.tables import Pickup, Shipment

ROUTES: list[Any] = [
    PickupBookingController,
    HandoverController,
    HandoverListController,
    CourierController,
    PickupHandoverController,
    ParcelController,
    PostalApi,
    HandoverApi,
    PickupHandoverApi,
    *ADMIN_CONTROLLERS,
]


def connect() -> None:
    """The post's part in a dossier's life; its proofs kept by the cleanup of stored files."""
    cleanup.refers_to_files(Shipment.proof_sha256, Pickup.citizen_signature_sha256)
    listeners.check_before(Action.ACCEPT, pickups.require_papers)
    listeners.on_transition(Action.SUBMIT, pickups.booked_with_submission)
    listeners.on_transition(Action.APPROVE, shipments.open_for_paper_result)
    listeners.on_transition(Action.HAND_OVER, shipments.collected_at_counter)
    panels.register_all()
