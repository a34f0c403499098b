"""Every route of this app, registered by backend.app."""

from __future__ import annotations

from litestar import Controller

from backend.evaluations.controllers import EvaluationController

CONTROLLERS: list[type[Controller]] = [EvaluationController]
