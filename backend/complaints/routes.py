"""Every route of this app, registered by backend.app; what it connects at start-up."""

from __future__ import annotations

from typing import Any

from backend.complaints.pages.filer import FilingController
from backend.complaints.pages.public import PublicComplaintController
from backend.complaints.pages.staff import StaffComplaintController
from backend.complaints.tables import ComplaintFile
from backend.lib import cleanup

ROUTES: list[Any] = [
    FilingController,
    StaffComplaintController,
    PublicComplaintController,
]


def connect() -> None:
    """Attachments are kept by the cleanup of stored files while a complaint holds them."""
    cleanup.refers_to_files(ComplaintFile.sha256)
