"""The service worker, the manifest and the offline page, served at the root scope.

A worker under /static/ could only control /static/, so these have handlers of their own.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Controller, Response, get
from litestar.response import Template

PWA_DIR = Path(__file__).resolve().parent.parent.parent / "frontend" / "pwa"


class PwaController(Controller):
    include_in_schema = False

    @get("/sw.js")
    async def service_worker(self) -> Response[bytes]:
        return Response(
            (PWA_DIR / "sw.js").read_bytes(),
            media_type="text/javascript",
            # Browsers check for a new worker on navigation; never let a cache hide one.
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    @get("/manifest.webmanifest")
    async def manifest(self) -> Response[bytes]:
        return Response(
            (PWA_DIR / "manifest.webmanifest").read_bytes(),
            media_type="application/manifest+json",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @get("/offline")
    async def offline(self) -> Template:
        # Cached by the service worker and shown to whoever is offline: nothing personal.
        return Template(template_name="pwa/offline.html", context={"user": None})
