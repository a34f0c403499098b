"""Every route of the PWA shell, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.pwa.pages import PwaController

ROUTES: list[Any] = [PwaController]
