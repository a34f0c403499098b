"""The VAPID key for several machines: from the environment when set, else one file in var/
created atomically.

- VAPID_PRIVATE_KEY as PEM (newlines real or written \\n), as the base64url raw 32 bytes that
  `web-push generate-vapid-keys` prints, or as base64 DER; VAPID_PUBLIC_KEY checked against it;
  anything else refused with a clear error.
- A real sender process given VAPID_PRIVATE_KEY signs with it (the JWT verifies with its
  public half), not with the key file under var/.
- 8 processes started at once on an empty var/ all read one identical key (and one secret
  key), from complete files, with no temporary file left.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from backend.notifications import vapid
from backend.settings import get_settings
from tests.helpers import ROOT, Client
from tests.notifications.conftest import PYTHON, check_vapid, device, new_citizen, notify
from tests.notifications.push_endpoint import PushEndpoint, b64url

PROCESSES = 8


def _raw_public(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def _pem(key: ec.EllipticCurvePrivateKey, fmt: serialization.PrivateFormat) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def _forms(key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    """The ways an operator writes one private key into the environment."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return {
        "raw base64url": b64url(key.private_numbers().private_value.to_bytes(32, "big")),
        "raw padded": b64url(key.private_numbers().private_value.to_bytes(32, "big")) + "=",
        "PEM PKCS8": _pem(key, serialization.PrivateFormat.PKCS8),
        "PEM SEC1": _pem(key, serialization.PrivateFormat.TraditionalOpenSSL),
        "PEM with \\n": _pem(key, serialization.PrivateFormat.PKCS8).replace("\n", "\\n"),
        "base64 DER": b64url(der),
    }


Configure = Callable[..., None]


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Configure]:
    """Settings with other VAPID values for one test; the key caches are emptied around it."""

    def use(private: str = "", public: str = "") -> None:
        changed = dataclasses.replace(
            get_settings(), vapid_private_key=private, vapid_public_key=public
        )
        monkeypatch.setattr(vapid, "get_settings", lambda: changed)
        _forget()

    def _forget() -> None:
        vapid.key.cache_clear()
        vapid.public_key.cache_clear()
        vapid._headers.clear()

    yield use
    monkeypatch.undo()
    _forget()


@pytest.mark.parametrize("form", list(_forms(ec.generate_private_key(ec.SECP256R1()))))
def test_every_usual_form_of_the_environment_key_is_read(configured: Configure, form: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    configured(_forms(key)[form])
    assert vapid.public_key() == _raw_public(key)


def test_the_public_key_is_checked_against_the_private_one(configured: Configure) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    configured(_forms(key)["raw base64url"], _raw_public(key))
    assert vapid.public_key() == _raw_public(key)

    other = ec.generate_private_key(ec.SECP256R1())
    configured(_forms(key)["raw base64url"], _raw_public(other))
    with pytest.raises(vapid.VapidKeyError, match="not the public half"):
        vapid.key()
    configured("", _raw_public(key))
    with pytest.raises(vapid.VapidKeyError, match="without VAPID_PRIVATE_KEY"):
        vapid.key()


@pytest.mark.parametrize(
    "text",
    [
        "not a key",
        b64url(os.urandom(31)),
        _pem(ec.generate_private_key(ec.SECP384R1()), serialization.PrivateFormat.PKCS8),
        rsa.generate_private_key(65537, 1024)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode(),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    ],
)
def test_a_key_that_cannot_sign_vapid_is_refused_at_once(configured: Configure, text: str) -> None:
    configured(text)
    with pytest.raises(vapid.VapidKeyError):
        vapid.key()


async def test_a_sender_process_signs_with_the_environment_key(
    client: Client, push_endpoint: PushEndpoint
) -> None:
    vapid.public_key()  # the var/ file exists: the environment must win over it
    key = ec.generate_private_key(ec.SECP256R1())
    assert _raw_public(key) != vapid.public_key()
    citizen = await new_citizen(client)
    phone = await device(client, citizen, push_endpoint, "env-key")
    note = await notify(citizen.id, "Ký bằng khóa trong biến môi trường")
    env = {**os.environ, "VAPID_PRIVATE_KEY": _forms(key)["PEM with \\n"]}
    worker = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "backend.notifications.sender",
        "--once",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(worker.communicate(), timeout=120)
    assert worker.returncode == 0, err.decode(errors="replace")[-3000:]

    (message,) = push_endpoint.for_path("env-key")
    assert phone.payload(message.body)["id"] == note
    public = _raw_public(key)
    assert f"k={public}" in message.headers["Authorization"]
    # check_vapid verifies the JWT with the server's key: here, the environment's.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vapid, "public_key", lambda: public)
        check_vapid(message, push_endpoint.origin)


# Each process: import, say it is ready, wait for the start signal, then read the keys.
READ_KEYS = """
import hashlib, json, os, sys, time
from backend.notifications import vapid
from backend.settings import get_settings
start = sys.argv[1]
print("ready", flush=True)
while not os.path.exists(start):
    time.sleep(0.001)
secret = hashlib.sha256(get_settings().secret_key.encode()).hexdigest()
print(json.dumps({"vapid": vapid.public_key(), "secret": secret}), flush=True)
"""


async def test_eight_processes_on_an_empty_var_dir_read_one_key(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    start = tmp_path / "go"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAPID_", "SECRET_KEY"))}
    env["VAR_DIR"] = str(var_dir)
    processes = [
        await asyncio.create_subprocess_exec(
            PYTHON,
            "-c",
            READ_KEYS,
            str(start),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(PROCESSES)
    ]
    for p in processes:  # all imported and waiting: then they race for the files
        assert p.stdout is not None
        line = await asyncio.wait_for(p.stdout.readline(), timeout=120)
        assert line == b"ready\n", line
    start.touch()
    outputs = await asyncio.wait_for(
        asyncio.gather(*(p.communicate() for p in processes)), timeout=120
    )
    seen = []
    for p, (out, err) in zip(processes, outputs, strict=True):
        assert p.returncode == 0, err.decode(errors="replace")[-3000:]
        seen.append(json.loads(out))
    assert len({s["vapid"] for s in seen}) == 1, seen
    assert len({s["secret"] for s in seen}) == 1, seen

    # What they read is the file, complete, private, and nothing else was left behind.
    key_file = var_dir / vapid.KEY_FILE
    private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert _raw_public(private) == seen[0]["vapid"]
    secret = (var_dir / "secret_key").read_text().strip()
    assert hashlib.sha256(secret.encode()).hexdigest() == seen[0]["secret"] and secret
    for path in (key_file, var_dir / "secret_key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in var_dir.iterdir()) == ["secret_key", vapid.KEY_FILE]
