"""A loopback SMS gateway for the tests: a real HTTP server on a free port that records what
it receives, and answers with the statuses it is told to (then 200)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from backend.accounts.sms_gateways import HttpGateway

KEY = "loopback-key"


@dataclass
class Loopback:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered first, in order
    gateway: HttpGateway | None = None

    def texts_to(self, phone: str) -> list[str]:
        return [r["body"]["text"] for r in self.received if r["body"]["to"] == phone]


@asynccontextmanager
async def loopback_gateway() -> AsyncIterator[Loopback]:
    box = Loopback(url="")

    async def receive(request: web.Request) -> web.Response:
        body = json.loads(await request.text())
        box.received.append({"body": body, "authorization": request.headers.get("Authorization")})
        status = box.statuses.pop(0) if box.statuses else 200
        return web.json_response({"ok": status == 200}, status=status)

    app = web.Application()
    app.router.add_post("/sms", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    box.url = f"http://127.0.0.1:{port}/sms"
    try:
        async with aiohttp.ClientSession() as session:
            box.gateway = HttpGateway(box.url, KEY, session)
            yield box
    finally:
        await runner.cleanup()
