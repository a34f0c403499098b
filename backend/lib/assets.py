"""The version of the static files, for cache busting.

Pages link `/static/...?v=<version>` and the service worker pre-caches the very same URLs, so
a change to any static file changes every URL at once and nothing is downloaded twice.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
STATIC = ROOT / "frontend" / "static"
PWA = ROOT / "frontend" / "pwa"


@lru_cache(maxsize=1)
def asset_version() -> str:
    """A short hash of every static file's path and content, read once per process."""
    digest = hashlib.sha256()
    for path in sorted(p for p in STATIC.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(STATIC)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
