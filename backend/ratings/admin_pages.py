"""The administrator's choice of satisfaction scale (/admin/rating-scale/): 5 or 3 levels.

Votes already cast keep the scale they were cast on (ratings.scale).
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import requires
from backend.access.roles import Role
from backend.lib.admin import AdminSection, section
from backend.lib.forms import read
from backend.lib.i18n import N_
from backend.lib.web import FormData, render, see_other
from backend.ratings import scale as scales
from backend.ratings.schemas import ScaleChoice


class RatingScaleController(Controller):
    path = "/admin/rating-scale"
    include_in_schema = False
    guards = [requires(Role.ADMIN)]
    opt = section(
        AdminSection(
            70,
            "/admin/rating-scale/",
            N_("Thang đánh giá"),
            N_("Đánh giá mức độ hài lòng theo 5 mức hoặc 3 mức"),
        )
    )

    @get("/")
    async def page(self, request: HTMXRequest) -> Template:
        return render(
            request, "ratings/admin_scale.html", levels=await scales.current(), scales=scales.LEVELS
        )

    @post("/")
    async def save(self, data: FormData) -> Redirect:
        levels = read(ScaleChoice, data).levels
        # The form offers only the scales there are: anything else leaves the scale as it was.
        if levels in scales.LEVELS:
            await scales.choose(levels)
        return see_other("/admin/rating-scale/?saved=1")
