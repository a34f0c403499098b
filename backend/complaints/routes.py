"""Every route of this app, registered by backend.app."""

from __future__ import annotations

from litestar import Controller

from backend.complaints.filer_pages import FilingController
from backend.complaints.public_pages import PublicComplaintController
from backend.complaints.staff_pages import StaffComplaintController

CONTROLLERS: list[type[Controller]] = [
    FilingController,
    StaffComplaintController,
    PublicComplaintController,
]
