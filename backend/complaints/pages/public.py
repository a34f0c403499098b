"""The public page of answered complaints (công khai kết quả trả lời phản ánh, kiến nghị):
the questions and answers as published, without personal data, with how useful the filers
found them."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from backend.complaints import queries
from backend.complaints.labels import LABELS
from backend.lib.web import render


class PublicComplaintController(Controller):
    path = "/pakn"
    include_in_schema = False

    @get("/")
    async def index(self, request: Request[Any, Any, Any], page: int = 1) -> Template:
        page = max(1, min(page, 10_000))
        rows, total = await queries.published(page)
        return render(
            request,
            "complaints/public.html",
            rows=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // queries.PAGE_SIZE)),
            totals=await queries.vote_totals(),
            labels=LABELS,
        )
