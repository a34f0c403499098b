"""Finding a procedure (pages)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from backend.catalog import queries
from backend.lib.web import render


class CatalogController(Controller):
    include_in_schema = False

    @get("/")
    async def home(self, request: HTMXRequest) -> Template:
        agencies = await queries.list_agencies()
        return render(request, "catalog/home.html", agencies=agencies)

    @get("/procedures")
    async def procedures(self, request: HTMXRequest, q: str = "", agency: str = "") -> Template:
        results = await queries.search_procedures(q[:200], agency[:20])
        agencies = await queries.list_agencies()
        return render(
            request,
            "catalog/procedures.html",
            partial="catalog/_results.html",
            q=q,
            agency=agency,
            results=results,
            agencies=agencies,
        )

    @get("/procedures/{procedure_id:int}")
    async def procedure(self, request: HTMXRequest, procedure_id: int) -> Template:
        proc = await queries.get_procedure(procedure_id)
        return render(request, "catalog/procedure.html", proc=proc)
