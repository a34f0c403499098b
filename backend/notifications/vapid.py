"""The server's VAPID key pair (RFC 8292).

Every machine that sends push must sign with the same key: a browser subscribed through one
(its applicationServerKey) refuses what another signs. So the key comes from the environment
when set (VAPID_PRIVATE_KEY, optionally VAPID_PUBLIC_KEY to check it), else from
var/vapid_private.pem, generated on first start. The file is created atomically: processes
that start at once on an empty var/ all read the one complete file (settings.create_once).

The private key never leaves the server; the public key is what browsers pass to
pushManager.subscribe as applicationServerKey.
"""

from __future__ import annotations

import base64
import binascii
import time
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02, b64urlencode

from backend.settings import create_once, get_settings

KEY_FILE = "vapid_private.pem"
# A signed VAPID header is reused for this long per push service (RFC 8292 allows up to 24 h;
# signing once per origin instead of once per message is what makes fan-out cheap).
HEADER_LIFETIME = 6 * 3600


class VapidKeyError(ValueError):
    """The configured key cannot be used (said at start, not at the first push)."""


def _key_path() -> Path:
    return get_settings().var_dir / KEY_FILE


def _decode(text: str) -> bytes:
    """base64url (what `web-push generate-vapid-keys` prints) or base64, padded or not."""
    compact = "".join(text.split()).rstrip("=")
    try:
        return base64.urlsafe_b64decode(
            compact.replace("+", "-").replace("/", "_") + "=" * (-len(compact) % 4)
        )
    except (binascii.Error, ValueError):
        raise VapidKeyError("VAPID key: not base64url") from None


def private_key_from(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key written as PEM (newlines may be written as \\n, as environment
    files often do), as the base64url raw 32-byte secret, or as base64 DER."""
    text = text.strip().replace("\\n", "\n")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = _decode(text)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError) as e:
        raise VapidKeyError(f"VAPID private key: cannot read it ({e})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise VapidKeyError("VAPID private key: not an ECDSA P-256 (prime256v1) key")
    return key


def _raw_public(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def _check_public(private: ec.EllipticCurvePrivateKey, public_text: str) -> None:
    """VAPID_PUBLIC_KEY, when given, must be the private key's half: a mismatch would have
    browsers subscribe with a key the server does not sign with."""
    text = public_text.strip().replace("\\n", "\n")
    try:
        if text.startswith("-----BEGIN"):
            loaded = serialization.load_pem_public_key(text.encode())
            if not isinstance(loaded, ec.EllipticCurvePublicKey):
                raise ValueError("not an EC key")
            given = _raw_public(loaded)
        else:
            given = _decode(text)
    except ValueError as e:
        raise VapidKeyError(f"VAPID public key: cannot read it ({e})") from None
    if given != _raw_public(private.public_key()):
        raise VapidKeyError("VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY")


@lru_cache(maxsize=1)
def key() -> Vapid02:
    settings = get_settings()
    if settings.vapid_private_key:
        private = private_key_from(settings.vapid_private_key)
        if settings.vapid_public_key:
            _check_public(private, settings.vapid_public_key)
        return Vapid02(private)
    if settings.vapid_public_key:
        raise VapidKeyError("VAPID_PUBLIC_KEY is set without VAPID_PRIVATE_KEY")
    path = _key_path()
    if path.exists():
        pem = path.read_bytes()
    else:
        fresh = Vapid02()
        fresh.generate_keys()
        pem = create_once(path, fresh.private_pem())
    return Vapid02(private_key_from(pem.decode()))


@lru_cache(maxsize=1)
def public_key() -> str:
    """The application server key: the uncompressed P-256 point, base64url without padding."""
    return str(b64urlencode(_raw_public(key().public_key)))


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
