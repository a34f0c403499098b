"""Catalog API: the same search as the pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from backend.catalog import queries


class ProcedureApi(Controller):
    path = "/api/v1/procedures"
    tags = ["catalog"]

    @get("/", summary="Tìm thủ tục (không phân biệt dấu, hoa thường)")
    async def search(self, q: str = "", agency: str = "") -> list[dict[str, Any]]:
        return await queries.search_procedures(q[:200], agency[:20])

    @get("/{procedure_id:int}", summary="Một thủ tục với thành phần hồ sơ")
    async def detail(self, procedure_id: int) -> dict[str, Any]:
        proc = await queries.get_procedure(procedure_id)
        proc["documents"] = [
            {k: d[k] for k in ("id", "position", "name", "notes", "required")}
            for d in proc["documents"]
        ]
        return proc
