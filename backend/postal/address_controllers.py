"""Address pickers: provinces and communes/wards (filled in by the addresses work)."""

from __future__ import annotations

from litestar import Controller

ADDRESS_CONTROLLERS: list[type[Controller]] = []
