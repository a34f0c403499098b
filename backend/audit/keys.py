"""The audit chain's two keys, both kept outside the database.

- The HMAC key: every event's hash is an HMAC-SHA256 under it, so that somebody who can only
  write to the database cannot recompute the chain after changing an event. It comes from
  AUDIT_KEY (shared by every machine), else from var/audit_key, generated on first use. Each
  event records the key's id (a fingerprint, not the key), so that after a rotation the older
  events still verify with the retired keys (AUDIT_RETIRED_KEYS, var/audit_key.retired).
- The signing key (Ed25519): it signs checkpoints of the chain's head (backend.audit.
  checkpoints), so that even somebody who knows the HMAC key cannot rewrite what a checkpoint
  covers. It comes from AUDIT_SIGNING_KEY, else from var/audit_signing_key.pem. Auditors keep
  its public key (`python -m backend.audit public-key`); the public halves of retired signing
  keys stay known to `verify` (AUDIT_RETIRED_SIGNERS, var/audit_signing_key.retired).

Files are created atomically with mode 0600 (settings.create_once): processes starting at once
on an empty var/ all read the one complete key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from backend.settings import create_once, get_settings

KEY_FILE = "audit_key"
RETIRED_KEYS_FILE = "audit_key.retired"
SIGNING_KEY_FILE = "audit_signing_key.pem"
RETIRED_SIGNERS_FILE = "audit_signing_key.retired"
MIN_KEY_LENGTH = 32


class AuditKeyError(ValueError):
    """A configured key cannot be used (said at start, not at the first event)."""


@dataclass(frozen=True)
class HmacKey:
    id: str
    secret: bytes = b""

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keyring:
    current: HmacKey
    known: dict[str, HmacKey]  # by id, the current key included

    def get(self, key_id: str) -> HmacKey | None:
        return self.known.get(key_id)


def _path(name: str) -> Path:
    return get_settings().var_dir / name


def _lines(path: Path) -> list[str]:
    """A file of one value per line (blank lines and # comments skipped); none if missing."""
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def append_line(path: Path, line: str, mode: int = 0o600) -> None:
    """Add a line for good: one write in append mode, flushed to disk. A new file gets `mode`
    (keys: readable by their owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def hmac_key(text: str) -> HmacKey:
    secret = text.strip().encode()
    if len(secret) < MIN_KEY_LENGTH or b"," in secret:
        raise AuditKeyError(
            f"audit HMAC key: at least {MIN_KEY_LENGTH} characters and no commas "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    key_id = hmac.new(secret, b"motcua audit key id", hashlib.sha256).hexdigest()[:16]
    return HmacKey(key_id, secret)


def _current_hmac_text() -> str:
    settings = get_settings()
    if settings.audit_key:
        return settings.audit_key
    return create_once(_path(KEY_FILE), secrets.token_urlsafe(32).encode()).decode()


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    current = hmac_key(_current_hmac_text())
    retired = [*get_settings().audit_retired_keys, *_lines(_path(RETIRED_KEYS_FILE))]
    known = {k.id: k for k in map(hmac_key, retired)}
    known[current.id] = current
    return Keyring(current, known)


def _b64decode(text: str) -> bytes:
    compact = "".join(text.split()).rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
    except (binascii.Error, ValueError):
        raise AuditKeyError("audit key: not base64url") from None


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def signing_key_from(text: str) -> Ed25519PrivateKey:
    """PEM (newlines may be written \\n, as environment files often do) or base64url raw."""
    text = text.strip().replace("\\n", "\n")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(_b64decode(text))
    except (ValueError, TypeError) as e:
        raise AuditKeyError(f"audit signing key: cannot read it ({e})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError("audit signing key: not an Ed25519 key")
    return key


def _new_signing_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@lru_cache(maxsize=1)
def signing_key() -> Ed25519PrivateKey:
    settings = get_settings()
    if settings.audit_signing_key:
        return signing_key_from(settings.audit_signing_key)
    return signing_key_from(create_once(_path(SIGNING_KEY_FILE), _new_signing_pem()).decode())


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_text(key: Ed25519PublicKey) -> str:
    """The public key as auditors keep it: the raw 32 bytes, base64url."""
    return _b64encode(_raw(key))


def public_key_from(text: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(_b64decode(text))
    except ValueError as e:
        raise AuditKeyError(f"audit public key {text[:12]}…: cannot read it ({e})") from None


def fingerprint(key: Ed25519PublicKey) -> str:
    """16 hex digits of the public key's SHA-256: short enough for paper."""
    return hashlib.sha256(_raw(key)).hexdigest()[:16]


@lru_cache(maxsize=1)
def signers() -> dict[str, Ed25519PublicKey]:
    """Every public key a checkpoint may be signed with, by fingerprint: the current one and
    the retired ones."""
    settings = get_settings()
    retired = [*settings.audit_retired_signers, *_lines(_path(RETIRED_SIGNERS_FILE))]
    keys = [signing_key().public_key(), *map(public_key_from, retired)]
    return {fingerprint(k): k for k in keys}


def forget() -> None:
    """Read the keys again at next use (after a rotation)."""
    for cached in (keyring, signing_key, signers):
        cached.cache_clear()


def load() -> None:
    """Read (or create) both keys now, so that a bad one stops the app at start."""
    keyring()
    signers()


def rotate_hmac_key() -> tuple[str, str]:
    """var/ only: the current key joins the retired ones, a new one is generated. Processes
    still running keep writing with the old key until restarted, which verifies as retired."""
    if get_settings().audit_key:
        raise AuditKeyError(
            "AUDIT_KEY is set: put the new key in AUDIT_KEY and add the old one to "
            "AUDIT_RETIRED_KEYS on every machine, then restart"
        )
    old = keyring().current
    append_line(_path(RETIRED_KEYS_FILE), old.secret.decode())
    _path(KEY_FILE).unlink(missing_ok=True)
    forget()
    return old.id, keyring().current.id


def rotate_signing_key() -> tuple[str, str]:
    """var/ only: the current key's public half joins the retired signers, the private key is
    deleted (nothing can sign as it any more), a new one is generated."""
    if get_settings().audit_signing_key:
        raise AuditKeyError(
            "AUDIT_SIGNING_KEY is set: put the new key in AUDIT_SIGNING_KEY and add the old "
            "public key to AUDIT_RETIRED_SIGNERS on every machine, then restart"
        )
    old = signing_key().public_key()
    append_line(_path(RETIRED_SIGNERS_FILE), public_text(old))
    _path(SIGNING_KEY_FILE).unlink(missing_ok=True)
    forget()
    return fingerprint(old), fingerprint(signing_key().public_key())
