"""Settings, read once from the environment.

Every setting has a documented default so that `make run` works on a fresh machine with no
configuration: the database is a SQLite file under `var/`, the secret key is generated once and
kept under `var/`.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _list(name: str) -> tuple[str, ...]:
    """A comma-separated variable, blanks dropped."""
    return tuple(p.strip() for p in os.environ.get(name, "").split(",") if p.strip())


def create_once(path: Path, data: bytes) -> bytes:
    """Write `data` to `path` unless the file exists; returns what the file holds (ours, or
    what another process wrote first).

    Several processes may start at once on an empty var/ (granian's workers, the sender): the
    file is written under a temporary name in the same directory, flushed to disk, then
    hard-linked to its name, which fails instead of replacing a file that is already there. So
    the file appears complete or not at all, and every process ends up reading the same one.
    """
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0600: other local users cannot read a key.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: its file is the one
        else:
            directory = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)  # the new name survives a power cut too
            finally:
                os.close(directory)
    finally:
        os.unlink(temporary)
    return path.read_bytes()


def _read_or_create_secret(path: Path) -> str:
    """A key generated on first start and kept, so sessions survive a restart."""
    return create_once(path, secrets.token_urlsafe(48).encode()).decode().strip()


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    secret_key: str
    time_zone: ZoneInfo
    province: str
    center_name: str
    # The receiving unit's code, first part of the dossier code (Circular 01/2018 art. 19).
    unit_code: str
    # Received at or after this local time, a dossier counts from the next working day.
    cutoff: time
    due_soon_working_days: int
    # The date a supplement request asks the citizen to answer by, by default: no article
    # fixes one for every procedure, so it is the center's setting, and the officer may set
    # another date on the request (SUPPLEMENT_REPLY_WORKING_DAYS).
    supplement_reply_working_days: int
    # Fewer ratings than this and a satisfaction share is not shown (REPORT_MIN_RATINGS).
    report_min_ratings: int
    # How people reach the center (footer, privacy notice); empty = not shown.
    center_address: str
    center_phone: str
    center_email: str
    max_file_mb: int
    max_dossier_mb: int
    base_url: str
    debug: bool
    # Extra push-service origins accepted for subscriptions (tests point this at loopback).
    push_endpoint_allowlist: tuple[str, ...]
    vapid_subject: str
    # Run the push sender inside each app process (off when it runs as its own process).
    push_sender_in_app: bool
    # The server's VAPID key pair, shared by every machine that sends push (else generated
    # into var/vapid_private.pem): the private key as PEM or as the base64url raw 32 bytes,
    # the public key (optional, checked against the private one) as base64url.
    vapid_private_key: str = field(default="", repr=False)
    vapid_public_key: str = ""
    # Delivery attempts before a parcel goes back to the center (Decision 45/2016: the post
    # agrees the number with the center).
    postal_max_attempts: int = 3
    # "production" (argon2id at full cost) or "test" (cheap parameters for the test suite).
    password_hash_cost: str = "production"
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # networks, e.g. "127.0.0.1, 10.0.0.0/8"); empty: the socket's address is the client's.
    trusted_proxies: tuple[str, ...] = ()
    # The audit chain's keys (backend.audit.keys), kept outside the database; each is
    # generated once into var/ when not set. AUDIT_KEY: the HMAC key every event's hash is
    # keyed with (at least 32 characters, no commas); AUDIT_RETIRED_KEYS: former ones, kept to
    # verify older events. AUDIT_SIGNING_KEY: the Ed25519 key that signs checkpoints (PEM, or
    # the base64url raw 32 bytes); AUDIT_RETIRED_SIGNERS: former public keys (base64url).
    audit_key: str = field(default="", repr=False)
    audit_retired_keys: tuple[str, ...] = field(default=(), repr=False)
    audit_signing_key: str = field(default="", repr=False)
    audit_retired_signers: tuple[str, ...] = ()
    # The append-only file of signed checkpoints (default var/audit_checkpoints.jsonl).
    audit_checkpoint_file: Path | None = None
    # The SMS gateway (backend.accounts.sms_gateways): an HTTP JSON endpoint and its key;
    # without a URL, messages (phone codes) go to the server log.
    sms_gateway_url: str = ""
    sms_gateway_key: str = field(default="", repr=False)
    # Run the SMS sender inside each app process (off when it runs as its own process).
    sms_sender_in_app: bool = True
    # OpenID Connect sign-in with the national electronic identity (VNeID, Decree 69/2024),
    # backend.accounts.oidc. Empty OIDC_ISSUER: no button, and /auth/oidc/* answer 404.
    # OIDC_ISSUER: the provider's issuer URL (its discovery document is at
    # <issuer>/.well-known/openid-configuration); OIDC_CLIENT_ID / OIDC_CLIENT_SECRET: what the
    # provider registered for this app (redirect URI <BASE_URL>/auth/oidc/callback, sign-out
    # return <BASE_URL>/); OIDC_SCOPES: asked for ("openid" is always added);
    # OIDC_ID_CLAIM: the claim that carries the 12-digit personal ID number (empty: none);
    # OIDC_PHONE_CLAIM: the claim that carries the phone number (believed as proven only
    # with `phone_number_verified` true); OIDC_BUTTON_LABEL: the button's text, when the
    # default "Đăng nhập bằng tài khoản định danh điện tử" does not suit.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_scopes: tuple[str, ...] = ("openid", "profile", "phone")
    oidc_id_claim: str = "personal_id"
    oidc_phone_claim: str = "phone_number"
    oidc_button_label: str = ""
    languages: tuple[str, ...] = field(default=("vi", "en"))

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def is_sqlite(self) -> bool:
        return not self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def upload_dir(self) -> Path:
        return self.var_dir / "uploads"

    @property
    def upload_tmp_dir(self) -> Path:
        """Where uploads are streamed before they are checked (backend.lib.cleanup empties it
        of what a crash left behind)."""
        return self.upload_dir / "tmp"

    @property
    def audit_checkpoints(self) -> Path:
        return self.audit_checkpoint_file or self.var_dir / "audit_checkpoints.jsonl"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def max_dossier_bytes(self) -> int:
        return self.max_dossier_mb * 1024 * 1024

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = Path(_env("VAR_DIR", str(ROOT / "var"))).resolve()
        var_dir.mkdir(parents=True, exist_ok=True)
        database_url = _env("DATABASE_URL", f"sqlite:///{var_dir / 'motcua.sqlite3'}")
        secret = os.environ.get("SECRET_KEY") or _read_or_create_secret(var_dir / "secret_key")
        hour, _, minute = _env("CUTOFF_TIME", "15:00").partition(":")
        province = _env("PROVINCE", "Ninh Bình")
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            secret_key=secret,
            time_zone=ZoneInfo(_env("TIME_ZONE", "Asia/Ho_Chi_Minh")),
            province=province,
            center_name=_env("CENTER_NAME", f"Trung tâm Phục vụ hành chính công tỉnh {province}"),
            unit_code=_env("UNIT_CODE", "000.00.20.H42"),
            cutoff=time(int(hour), int(minute or 0)),
            center_address=_env("CENTER_ADDRESS", ""),
            center_phone=_env("CENTER_PHONE", ""),
            center_email=_env("CENTER_EMAIL", ""),
            due_soon_working_days=max(1, int(_env("DUE_SOON_WORKING_DAYS", "2"))),
            supplement_reply_working_days=max(1, int(_env("SUPPLEMENT_REPLY_WORKING_DAYS", "10"))),
            report_min_ratings=max(1, int(_env("REPORT_MIN_RATINGS", "30"))),
            max_file_mb=int(_env("MAX_FILE_MB", "10")),
            max_dossier_mb=int(_env("MAX_DOSSIER_MB", "50")),
            # Printed on receipts (QR codes, links): without BASE_URL, the port the app was
            # started on (`make run PORT=9000`), not always 8000.
            base_url=_env("BASE_URL", f"http://127.0.0.1:{_env('PORT', '8000')}").rstrip("/"),
            debug=_env("DEBUG", "0") == "1",
            push_endpoint_allowlist=tuple(
                o.strip().rstrip("/")
                for o in os.environ.get("PUSH_ENDPOINT_ALLOWLIST", "").split(",")
                if o.strip()
            ),
            vapid_subject=_env("VAPID_SUBJECT", "mailto:motcua@example.gov.vn"),
            push_sender_in_app=_env("PUSH_SENDER_IN_APP", "1") == "1",
            vapid_private_key=_env("VAPID_PRIVATE_KEY", ""),
            vapid_public_key=_env("VAPID_PUBLIC_KEY", ""),
            postal_max_attempts=max(1, int(_env("POSTAL_MAX_ATTEMPTS", "3"))),
            password_hash_cost="test" if _env("PASSWORD_HASH_COST", "") == "test" else "production",
            trusted_proxies=_list("TRUSTED_PROXIES"),
            audit_key=_env("AUDIT_KEY", ""),
            audit_retired_keys=_list("AUDIT_RETIRED_KEYS"),
            audit_signing_key=_env("AUDIT_SIGNING_KEY", ""),
            audit_retired_signers=_list("AUDIT_RETIRED_SIGNERS"),
            sms_gateway_url=_env("SMS_GATEWAY_URL", ""),
            sms_gateway_key=_env("SMS_GATEWAY_KEY", ""),
            sms_sender_in_app=_env("SMS_SENDER_IN_APP", "1") == "1",
            **_oidc_from_env(),
            audit_checkpoint_file=(
                Path(os.environ["AUDIT_CHECKPOINT_FILE"]).resolve()
                if os.environ.get("AUDIT_CHECKPOINT_FILE", "").strip()
                else None
            ),
        )


def _oidc_from_env() -> dict[str, Any]:
    issuer = _env("OIDC_ISSUER", "")
    client_id = _env("OIDC_CLIENT_ID", "")
    if issuer and not client_id:
        # A half configuration would show a button that can only fail: stop at start instead.
        raise ValueError("OIDC_ISSUER is set but OIDC_CLIENT_ID is not")
    scopes = tuple(_env("OIDC_SCOPES", "openid profile phone").split())
    return {
        "oidc_issuer": issuer,
        "oidc_client_id": client_id,
        "oidc_client_secret": _env("OIDC_CLIENT_SECRET", ""),
        "oidc_scopes": scopes if "openid" in scopes else ("openid", *scopes),
        "oidc_id_claim": os.environ.get("OIDC_ID_CLAIM", "personal_id").strip(),
        "oidc_phone_claim": _env("OIDC_PHONE_CLAIM", "phone_number"),
        "oidc_button_label": _env("OIDC_BUTTON_LABEL", ""),
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
