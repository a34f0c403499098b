"""Every route of the notifications domain, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.notifications.api import InboxApi, PushApi
from backend.notifications.controllers import NotificationController

ROUTES: list[Any] = [NotificationController, PushApi, InboxApi]
