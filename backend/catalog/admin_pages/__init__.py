"""The catalog's administration (administrators only): counters, agencies, procedures with
their required documents, and the working-day calendar.

Built on lib.admin.AdminPages: a refused form is shown again (422) with its values and the
messages beside their fields; a saved one redirects (303) with `?ok=<notice>`. Each controller
declares its section of the /admin index in its `opt`.
"""

from __future__ import annotations

from litestar import Controller

from backend.catalog.admin_pages.calendar import AdminCalendarController
from backend.catalog.admin_pages.places import AgenciesController, CountersController
from backend.catalog.admin_pages.procedures import ProceduresController

ADMIN_CONTROLLERS: list[type[Controller]] = [
    CountersController,
    AgenciesController,
    ProceduresController,
    AdminCalendarController,
]
