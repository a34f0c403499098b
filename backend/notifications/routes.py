"""Every route of the notifications domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.dossiers import listeners
from backend.notifications import dossier_messages
from backend.notifications.api import InboxApi, NotificationSettingsApi, PushApi, VapidKeyApi
from backend.notifications.pages import NotificationController

ROUTES: list[Any] = [
    NotificationController,
    VapidKeyApi,
    PushApi,
    InboxApi,
    NotificationSettingsApi,
]


def connect() -> None:
    """The citizen's messages on a dossier's transitions, the agency's on a near deadline."""
    listeners.on_transition(None, dossier_messages.on_transition)
    listeners.on_due_soon(dossier_messages.on_due_soon)
