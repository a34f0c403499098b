"""Every route of the ratings app, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.ratings.controllers import (
    DossierRatingController,
    KioskController,
    RatingScaleController,
    SatisfactionController,
    kiosk_manifest,
)

CONTROLLERS: list[Any] = [
    DossierRatingController,
    KioskController,
    SatisfactionController,
    RatingScaleController,
    kiosk_manifest,
]
