"""Finding a procedure (pages), and the ward picker's options for address forms."""

from __future__ import annotations

import re

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template

from backend.catalog import addresses, queries
from backend.lib.web import render

# The official list changes with a law, not by the hour; a day in any cache is fine.
ADDRESS_CACHE = CacheControlHeader(public=True, max_age=86400)
# How many radio buttons a search shows: enough to scroll, few enough to read on a phone.
SHOWN = 30
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


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


class WardOptions(Controller):
    """`GET /addresses/wards`: the radio buttons of the wards matching what was typed, for the
    search box of postal/_address_fields.html (htmx; public, no sign-in, cacheable)."""

    include_in_schema = False

    @get("/addresses/wards", cache_control=ADDRESS_CACHE)
    async def wards(self, request: HTMXRequest) -> Template:
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
