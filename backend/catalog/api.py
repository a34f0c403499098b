"""Catalog API: the same search as the pages, and the official list of provinces and
communes/wards for address pickers (public, no sign-in, cacheable)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter

from backend.catalog import addresses, queries
from backend.lib.errors import NotFound
from backend.lib.i18n import N_

# The official list changes with a law, not by the hour; a day in any cache is fine.
ADDRESS_CACHE = CacheControlHeader(public=True, max_age=86400)
UNKNOWN_PROVINCE = N_("Không tìm thấy tỉnh/thành phố này.")


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


class AddressApi(Controller):
    """`GET /api/v1/addresses/provinces` and `GET /api/v1/addresses/wards`: the lists the
    address pickers search (catalog.addresses), as JSON."""

    path = "/api/v1/addresses"
    tags = ["addresses"]

    @get(
        "/provinces",
        summary="34 tỉnh, thành phố (từ 1/7/2025)",
        description="`short` is the name as written in an address (`Ninh Bình`).",
        cache_control=ADDRESS_CACHE,
    )
    async def provinces(self) -> list[dict[str, str]]:
        return [{"code": p.code, "name": p.name, "short": p.short} for p in addresses.provinces()]

    @get(
        "/wards",
        summary="Xã, phường, đặc khu của một tỉnh, thành phố",
        description=(
            "`province`: code (`37`), short or full name, with or without diacritics. Without "
            "`q`, every ward of the province, alphabetically; with `q`, those whose words begin "
            "with the words typed (diacritics and case ignored; `phu ly` finds `Phường Phủ Lý`), "
            "best first, at most `limit`. 404 for an unknown province."
        ),
        cache_control=ADDRESS_CACHE,
    )
    async def wards(
        self,
        province: str = Parameter(max_length=60),
        q: str = Parameter(default="", max_length=60),
        limit: int = Parameter(default=30, ge=1, le=200),
    ) -> list[dict[str, str]]:
        found = addresses.find_province(province)
        if found is None:
            raise NotFound(UNKNOWN_PROVINCE, field="province")
        wards = (
            addresses.search_wards(found.code, q, limit)
            if q.strip()
            else addresses.wards_of(found.code)
        )
        return [{"code": w.code, "name": w.name, "province_code": w.province_code} for w in wards]
