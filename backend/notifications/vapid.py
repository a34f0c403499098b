"""The server's VAPID key pair (RFC 8292): generated on first start, kept under var/.

The private key never leaves the server; the public key is what browsers pass to
pushManager.subscribe as applicationServerKey.
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02, b64urlencode

from backend.settings import get_settings

KEY_FILE = "vapid_private.pem"
# A signed VAPID header is reused for this long per push service (RFC 8292 allows up to 24 h;
# signing once per origin instead of once per message is what makes fan-out cheap).
HEADER_LIFETIME = 6 * 3600


def _key_path() -> Path:
    return get_settings().var_dir / KEY_FILE


@lru_cache(maxsize=1)
def key() -> Vapid02:
    path = _key_path()
    if not path.exists():
        vapid = Vapid02()
        vapid.generate_keys()
        pem = vapid.private_pem()
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return Vapid02.from_file(str(path))
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return vapid
    return Vapid02.from_file(str(path))


@lru_cache(maxsize=1)
def public_key() -> str:
    """The application server key: the uncompressed P-256 point, base64url without padding."""
    raw = key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return str(b64urlencode(raw))


_headers: dict[str, tuple[float, dict[str, str]]] = {}


def headers_for(audience: str) -> dict[str, str]:
    """Authorization headers for one push service origin, signed once and reused."""
    now = time.time()
    cached = _headers.get(audience)
    if cached and cached[0] > now + 60:
        return cached[1]
    expires = int(now) + HEADER_LIFETIME
    claims = {"aud": audience, "exp": expires, "sub": get_settings().vapid_subject}
    signed = {k: str(v) for k, v in key().sign(claims).items()}
    _headers[audience] = (expires, signed)
    return signed
