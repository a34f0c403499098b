"""Every route of this app, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.complaints.filer_pages import FilingController
from backend.complaints.public_pages import PublicComplaintController
from backend.complaints.staff_pages import StaffComplaintController

ROUTES: list[Any] = [
    FilingController,
    StaffComplaintController,
    PublicComplaintController,
]
