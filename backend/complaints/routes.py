"""Every route of this app, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.complaints.pages.filer import FilingController
from backend.complaints.pages.public import PublicComplaintController
from backend.complaints.pages.staff import StaffComplaintController

ROUTES: list[Any] = [
    FilingController,
    StaffComplaintController,
    PublicComplaintController,
]
