"""The site's shell: the service worker, the manifest and the offline page, served at the root
scope (a worker under /static/ could only control /static/), and the privacy notice every page
links to.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from backend.lib.assets import PWA, asset_version
from backend.lib.web import render


@lru_cache(maxsize=1)
def service_worker() -> tuple[bytes, str]:
    """sw.js with the asset version filled in (it pre-caches exactly the URLs pages use), and
    its ETag, the same in every process."""
    source = (PWA / "sw.js").read_text().replace("__ASSET_VERSION__", asset_version()).encode()
    return source, f'"{hashlib.sha256(source).hexdigest()[:16]}"'


class PwaController(Controller):
    include_in_schema = False

    @get("/sw.js")
    async def service_worker(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        source, etag = service_worker()
        headers = {
            # Browsers check for a new worker on navigation; never let a cache hide one,
            # but let the check be a cheap 304.
            "Cache-Control": "no-cache",
            "ETag": etag,
            "Service-Worker-Allowed": "/",
        }
        if request.headers.get("if-none-match") == etag:
            return Response(b"", status_code=304, headers=headers)
        return Response(source, media_type="text/javascript", headers=headers)

    @get("/manifest.webmanifest")
    async def manifest(self) -> Response[bytes]:
        return Response(
            (PWA / "manifest.webmanifest").read_bytes(),
            media_type="application/manifest+json",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @get("/privacy")
    async def privacy(self, request: Request[Any, Any, Any]) -> Template:
        """What the app keeps about people, why, who sees it and for how long (Decree 13/2023
        and the Personal Data Protection Law 2025). Public, the same for everyone."""
        return render(request, "pwa/privacy.html")

    @get("/offline")
    async def offline(self) -> Template:
        # Cached by the service worker and shown to whoever is offline: nothing personal.
        return Template(template_name="pwa/offline.html", context={"user": None, "offline": True})
