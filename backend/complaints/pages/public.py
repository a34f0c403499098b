"""The public page of answered complaints (công khai kết quả trả lời phản ánh, kiến nghị):
the questions and answers as published, without personal data, with how useful the filers
found them."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from backend.complaints import queries
from backend.complaints.labels import LABELS
from backend.lib.pagination import page_number
from backend.lib.web import render


class PublicComplaintController(Controller):
    path = "/pakn"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        number = page_number(request.query_params.get("page"))
        page = await queries.published(number, dict(request.query_params))
        return render(
            request,
            "complaints/public.html",
            page=page,
            totals=await queries.vote_totals(),
            labels=LABELS,
        )
