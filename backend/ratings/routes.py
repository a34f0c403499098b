"""Every route of the ratings app, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.accounts.hooks import on_sign_in, on_sign_out
from backend.ratings import duty, panels
from backend.ratings.admin_pages import RatingScaleController
from backend.ratings.api import DossierRatingApi, KioskVoteApi
from backend.ratings.pages import (
    DossierRatingController,
    KioskController,
    KioskSetupController,
    SatisfactionController,
    kiosk_manifest,
)

ROUTES: list[Any] = [
    DossierRatingController,
    KioskController,
    KioskSetupController,
    KioskVoteApi,
    DossierRatingApi,
    SatisfactionController,
    RatingScaleController,
    kiosk_manifest,
]


def connect() -> None:
    """Listeners of other domains' events (called once at start-up by backend.wiring)."""
    on_sign_in(duty.on_sign_in)
    on_sign_out(duty.on_sign_out)
    panels.register_all()
