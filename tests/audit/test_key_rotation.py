"""Rotating the audit keys (README.md, "Audit keys"): events keyed with a retired HMAC key and
checkpoints signed with a retired signing key still verify, from var/ files or from the
environment; without the retired keys `verify` says which key it lacks."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from backend.audit import checkpoints, keys
from backend.dossiers.events import HISTORY
from backend.dossiers.tables import DossierEvent
from backend.settings import get_settings
from tests.audit.helpers import dossier_with_steps, run_audit, step, var_copy
from tests.helpers import ROOT


async def _key_of(event_id: int) -> str:
    row = await DossierEvent.select(DossierEvent.key_id).where(DossierEvent.id == event_id).first()
    return str(row["key_id"])


async def test_rotated_keys_keep_older_events_and_checkpoints_verifiable(tmp_path: Path) -> None:
    dossier, before = await dossier_with_steps(1)
    old_signed = await checkpoints.write(HISTORY)
    assert old_signed is not None

    rotated = run_audit("rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    keys.forget()  # this process, like a restarted app, now keys with the new key
    after = await step(dossier)
    old_key, new_key = await _key_of(before[0]["id"]), await _key_of(after["id"])
    assert old_key and new_key and old_key != new_key
    assert f"audit key {old_key} retired" in rotated.stdout

    resigned = run_audit("rotate-signing-key")
    assert resigned.returncode == 0, resigned.stderr
    keys.forget()
    new_signed = checkpoints.latest(HISTORY)
    assert new_signed is not None and new_signed.signer != old_signed.signer
    assert new_signed.seq == after["seq"]

    done = run_audit("verify")
    assert done.returncode == 0, done.stderr
    assert "keyed hashes hold" in done.stdout

    # An auditor's copy without the retired HMAC key cannot check the older events...
    lacking = run_audit("verify", var_dir=var_copy(tmp_path / "a", without=("audit_key.retired",)))
    assert lacking.returncode == 1
    assert f"is keyed with key {old_key}, which is neither the audit key nor a retired one" in (
        lacking.stderr
    )
    # ... nor, without the retired public key, the older checkpoints.
    copy = var_copy(tmp_path / "b", without=("audit_signing_key.retired",))
    lacking = run_audit("verify", var_dir=copy)
    assert lacking.returncode == 1
    assert f"signed with an unknown key {old_signed.signer}" in lacking.stderr


async def test_keys_from_the_environment_rotate_there(tmp_path: Path) -> None:
    """Several machines share the keys through the environment; var/ then holds no key."""
    await dossier_with_steps(1)
    await checkpoints.write(HISTORY)
    var = get_settings().var_dir
    current = (var / keys.KEY_FILE).read_text().strip()
    retired = (
        ",".join(line for line in (var / keys.RETIRED_KEYS_FILE).read_text().split() if line)
        if (var / keys.RETIRED_KEYS_FILE).exists()
        else ""
    )
    signers = var / keys.RETIRED_SIGNERS_FILE
    env = {
        "AUDIT_KEY": current,
        "AUDIT_RETIRED_KEYS": retired,
        "AUDIT_SIGNING_KEY": (var / keys.SIGNING_KEY_FILE).read_text().replace("\n", "\\n"),
        "AUDIT_RETIRED_SIGNERS": ",".join(signers.read_text().split()) if signers.exists() else "",
        "AUDIT_CHECKPOINT_FILE": str(checkpoints.path()),
    }
    empty = tmp_path / "var"
    empty.mkdir()
    done = run_audit("verify", var_dir=empty, **env)
    assert done.returncode == 0, done.stderr
    assert not list(empty.glob("audit_*"))  # nothing generated: the keys came from outside

    # Rotation is the operator's: the command refuses to touch keys it does not hold.
    refused = run_audit("rotate-key", var_dir=empty, **env)
    assert refused.returncode == 2
    assert "AUDIT_KEY is set" in refused.stderr and "AUDIT_RETIRED_KEYS" in refused.stderr
    short = run_audit("verify", var_dir=empty, **{**env, "AUDIT_KEY": "too-short"})
    assert short.returncode == 1 and "at least 32 characters" in short.stderr


KEYS_OF_A_NEW_PROCESS = """
from backend.audit import keys
keys.load()
print(keys.keyring().current.id, keys.fingerprint(keys.signing_key().public_key()))
"""


def test_processes_starting_at_once_on_an_empty_var_share_one_key_pair(tmp_path: Path) -> None:
    """The keys are generated once: written under a temporary name, fsynced, then linked into
    place without replacing a file another process put there first; readable by the owner."""
    env = {**os.environ, "VAR_DIR": str(tmp_path)}
    started = [
        subprocess.Popen(
            [sys.executable, "-c", KEYS_OF_A_NEW_PROCESS],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    printed = {process.communicate(timeout=120)[0].strip() for process in started}
    assert all(process.returncode == 0 for process in started)
    assert len(printed) == 1
    key_id, signer = printed.pop().split()
    assert len(key_id) == 16 and len(signer) == 16
    for name in (keys.KEY_FILE, keys.SIGNING_KEY_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
