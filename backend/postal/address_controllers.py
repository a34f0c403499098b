"""Address pickers: provinces and communes/wards (public, no sign-in, cacheable).

- `GET /addresses/wards`: the radio buttons of the wards matching what was typed, for the
  search box of postal/_address_fields.html (htmx).
- `GET /api/v1/addresses/provinces` and `GET /api/v1/addresses/wards`: the same list as JSON.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter
from litestar.response import Template

from backend.catalog import addresses
from backend.lib.errors import NotFound
from backend.lib.i18n import N_

# The official list changes with a law, not by the hour; a day in any cache is fine.
CACHE = CacheControlHeader(public=True, max_age=86400)
# How many radio buttons a search shows: enough to scroll, few enough to read on a phone.
SHOWN = 30
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
UNKNOWN_PROVINCE = N_("Không tìm thấy tỉnh/thành phố này.")


class WardOptions(Controller):
    include_in_schema = False

    @get("/addresses/wards", cache_control=CACHE)
    async def wards(self, request: Request[Any, Any, Any]) -> Template:
        """The wards matching `q` in `province` (short name, full name or code) as radio buttons
        named `name` (default ward_code), with the one `selected` checked and always shown (if
        it is in that province: after the province changed, the ward must be chosen again).

        The picker's own fields may be sent under their names in the form instead
        (`<prefix>province`, `<prefix>ward_q`, and the checked `<prefix>ward_code`), which is
        what htmx does with hx-include.
        """
        params = request.query_params
        name = params.get("name") or "ward_code"
        if not FIELD_NAME.fullmatch(name):
            name = "ward_code"
        prefix = name.removesuffix("ward_code") if name.endswith("ward_code") else ""
        province_text = params.get("province") or params.get(f"{prefix}province") or ""
        q = " ".join((params.get("q") or params.get(f"{prefix}ward_q") or "").split())[:60]
        selected = (params.get("selected") or params.get(name) or "")[:10]
        province = addresses.find_province(province_text[:60])
        chosen = addresses.ward(selected) if selected else None
        if chosen is None or province is None or chosen.province_code != province.code:
            chosen = None  # another province was chosen meanwhile: choose again
        # Nothing typed: only the ward chosen so far (a list of 100 names helps nobody).
        found = addresses.search_wards(province.code, q, SHOWN + 1) if province and q else []
        return Template(
            template_name="postal/_ward_options.html",
            context={
                "name": name,
                "q": q,
                "province": province,
                "chosen": chosen,
                "wards": [w for w in found[:SHOWN] if w != chosen],
                "matched": len(found[:SHOWN]),
                "more": len(found) > SHOWN,
                "announce": True,
            },
            headers={"Vary": "Cookie"},  # the messages follow the language cookie
        )


class AddressApi(Controller):
    path = "/api/v1/addresses"
    tags = ["addresses"]

    @get(
        "/provinces",
        summary="34 tỉnh, thành phố (từ 1/7/2025)",
        description="`short` is the name as written in an address (`Ninh Bình`).",
        cache_control=CACHE,
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
        cache_control=CACHE,
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


ADDRESS_CONTROLLERS: list[type[Controller]] = [WardOptions, AddressApi]
