"""Issue 11, item 5: the audit chain is anchored outside the database.

Each event's hash is an HMAC under a key kept in var/ (or AUDIT_KEY), and signed checkpoints
of the head go to an append-only file. `python -m backend.audit verify` (run as a child
process, as an operator does) must exit 1 when somebody with write access to the database
rewrites the chain with the project's own unkeyed function, when somebody who also knows the
HMAC key rewrites what a checkpoint covers or cuts the tail, and when the checkpoint file is
tampered with.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.audit import checkpoints, keys
from backend.dossiers.events import HISTORY
from backend.dossiers.tables import DossierEvent
from tests.audit.helpers import (
    dossier_with_steps,
    rewrite_from,
    run_audit,
    step,
    tail_restored,
    var_copy,
)
from tests.helpers import Client, sign_in


def _unkeyed(prev: str, row: dict[str, Any]) -> tuple[str, str]:
    """What the issue's attacker does: keep the key id, recompute the plain SHA-256."""
    return row["key_id"], HISTORY.unkeyed_hash(prev, row)


def _downgraded(prev: str, row: dict[str, Any]) -> tuple[str, str]:
    """A smarter one: pretend the events were written before keys existed."""
    return "", HISTORY.unkeyed_hash(prev, row)


def _with_the_hmac_key(prev: str, row: dict[str, Any]) -> tuple[str, str]:
    """One who stole the HMAC key (not the signing key) recomputes the keyed hashes."""
    key = keys.keyring().current
    return key.id, HISTORY.keyed_hash(key, prev, row)


def _ok() -> None:
    done = run_audit("verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intact" in done.stdout


@pytest.mark.parametrize(
    ("rehash", "reason"),
    [
        (_unkeyed, "content does not match its keyed hash"),
        (_downgraded, "has no key, yet an event before it has one"),
    ],
)
async def test_recomputing_the_hashes_in_the_database_is_detected(rehash: Any, reason: str) -> None:
    _dossier, steps = await dossier_with_steps(3)
    await step(_dossier)  # the edited event is not the last one
    _ok()
    edited = steps[1]
    async with tail_restored(edited["seq"]):
        await rewrite_from(edited["seq"], {"note": "Đã nhận đủ giấy tờ."}, rehash)
        done = run_audit("verify")
        assert done.returncode == 1, done.stdout
        assert f"event id {edited['id']}" in done.stderr and reason in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1  # one clear line
    _ok()


async def test_the_hmac_key_alone_cannot_rewrite_what_a_checkpoint_covers() -> None:
    dossier, steps = await dossier_with_steps(2)
    signed = await checkpoints.write(HISTORY)
    assert signed is not None and signed.seq == steps[-1]["seq"]
    await step(dossier)
    async with tail_restored(steps[0]["seq"]):
        await rewrite_from(steps[0]["seq"], {"actor_role": "leader"}, _with_the_hmac_key)
        # The keyed hashes are consistent again: only the checkpoint tells.
        assert (await HISTORY.verify())[1] is None
        done = run_audit("verify")
        assert done.returncode == 1, done.stdout
        assert f"event id {steps[-1]['id']}" in done.stderr
        assert f"differs from the signed checkpoint of {signed.at}" in done.stderr
    _ok()


async def test_a_tail_cut_after_a_checkpoint_is_detected() -> None:
    _dossier, steps = await dossier_with_steps(3)
    signed = await checkpoints.write(HISTORY)
    assert signed is not None
    async with tail_restored(steps[1]["seq"]):
        # The last two events go, and the head is set back to match: the database alone
        # looks complete.
        await DossierEvent.delete().where(DossierEvent.seq >= steps[1]["seq"])
        await rewrite_from(steps[0]["seq"], {}, lambda prev, row: (row["key_id"], row["hash"]))
        assert (await HISTORY.verify())[1] is None
        done = run_audit("verify")
        assert done.returncode == 1, done.stdout
        assert f"sequence {steps[0]['seq']}" in done.stderr
        assert f"events after this one are missing: the signed checkpoint of {signed.at}" in (
            done.stderr
        )
        assert f"covers sequence {signed.seq}" in done.stderr
    _ok()


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _other_key_line(line: str) -> str:
    """A well-formed checkpoint, signed properly, but with a key the center never had."""
    data = json.loads(line)
    key = Ed25519PrivateKey.generate()
    forged = checkpoints.Checkpoint(
        chain=data["chain"],
        seq=data["seq"],
        hash=data["hash"],
        at=data["at"],
        signer=keys.fingerprint(key.public_key()),
    )
    signature = checkpoints.b64encode(key.sign(forged.payload()))
    return json.dumps({**json.loads(forged.to_line()), "signature": signature})


def _tampered(line: str, how: str) -> str:
    data = json.loads(line)
    if how == "hash":
        data["hash"] = "0" * 64
    elif how == "seq":
        data["seq"] += 1
    elif how == "signature":
        data["signature"] = data["signature"][::-1]
    elif how == "unknown key":
        return _other_key_line(line)
    else:
        return line[: len(line) // 2]  # a line cut in the middle
    return json.dumps(data)


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("hash", "its signature does not match its content"),
        ("seq", "its signature does not match its content"),
        ("signature", "its signature does not match its content"),
        ("unknown key", "signed with an unknown key"),
        ("cut", "not a checkpoint"),
    ],
)
async def test_a_tampered_checkpoint_file_is_detected(
    tmp_path: Path, how: str, reason: str
) -> None:
    await dossier_with_steps(1)
    await checkpoints.write(HISTORY)
    await dossier_with_steps(1)
    await checkpoints.write(HISTORY)
    copy = var_copy(tmp_path)
    assert run_audit("verify", var_dir=copy).returncode == 0
    lines = _lines(copy / "audit_checkpoints.jsonl")
    lines[-2] = _tampered(lines[-2], how)
    (copy / "audit_checkpoints.jsonl").write_text("\n".join(lines) + "\n")
    done = run_audit("verify", var_dir=copy)
    assert done.returncode == 1, done.stdout
    assert (
        f"audit checkpoints BROKEN: {copy / 'audit_checkpoints.jsonl'} line {len(lines) - 1}"
        in (done.stderr)
    )
    assert reason in done.stderr


async def test_the_checkpoint_command_appends_a_signed_line() -> None:
    await dossier_with_steps(1)
    path = checkpoints.path()
    before = _lines(path) if path.exists() else []
    done = run_audit("checkpoint")
    assert done.returncode == 0, done.stderr
    after = _lines(path)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    written = checkpoints.parse(after[-1], len(after))
    assert (written.seq, written.hash) == await HISTORY.current_head()
    assert written.chain == "dossier_event"
    assert checkpoints.problem_with(written, keys.signers()) is None
    assert f"sequence {written.seq}, hash {written.hash}" in done.stdout
    # Auditors get the public key that verifies it.
    public = run_audit("public-key")
    assert public.returncode == 0 and f"fingerprint {written.signer}  (current)" in public.stdout
    # The hourly pass adds nothing while the head has not moved.
    assert await checkpoints.write(HISTORY, only_if_moved=True) is None
    assert len(_lines(path)) == len(after)


async def test_form_06_prints_the_checkpoint_covering_the_last_step(client: Client) -> None:
    dossier, _steps = await dossier_with_steps(2)
    await sign_in(client, "motcua1")
    url = f"/dossiers/{dossier}/forms/06"
    page = await client.get(url)
    assert page.status_code == 200
    assert "chưa thuộc mốc kiểm chứng có chữ ký số nào" in page.text

    signed = await checkpoints.write(HISTORY)
    assert signed is not None
    await dossier_with_steps(1)  # other dossiers move on: this one stays covered
    page = await client.get(url)
    assert "Mốc kiểm chứng nhật ký điện tử" in page.text
    for printed in (str(signed.seq), signed.hash[:16], signed.signature_fingerprint, signed.signer):
        assert printed in page.text

    await step(dossier)  # a step newer than any checkpoint
    page = await client.get(url)
    assert signed.signature_fingerprint not in page.text
    assert "chưa thuộc mốc kiểm chứng có chữ ký số nào" in page.text
