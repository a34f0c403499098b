"""Every route of this app, registered by backend.app."""

from __future__ import annotations

from typing import Any

from backend.evaluations.controllers import EvaluationController

ROUTES: list[Any] = [EvaluationController]
