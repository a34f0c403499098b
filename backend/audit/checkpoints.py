"""Signed checkpoints of the chains' heads, in an append-only file outside the database.

A checkpoint says "at this time, chain C ended at sequence S with hash H", signed with the
audit signing key (Ed25519, backend.audit.keys). `verify` checks every signature and that the
chain still holds each checkpoint's hash at its sequence: rewriting or cutting what a
checkpoint covers needs the signing key, which the app only uses here. Form 06 prints the
latest checkpoint, so a paper copy anchors the chain too.

The file (var/audit_checkpoints.jsonl, or AUDIT_CHECKPOINT_FILE) holds one JSON object a line;
lines are only ever appended, each with one write and an fsync. Several processes may append
at once (a line is one small write to a file opened for appending). Checkpoints are written by
the app's hourly housekeeping (only when the head moved) and by
`python -m backend.audit checkpoint`. Auditors keep copies of the file and the public key.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend.audit.chain import Anchor, Chain, registered
from backend.audit.keys import append_line, fingerprint, signers, signing_key
from backend.lib.clock import utcnow
from backend.settings import get_settings

VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    signer: str  # fingerprint of the public key that verifies `signature`
    signature: str = ""  # base64url Ed25519 signature of `payload()`
    line: int = 0  # where it was read from the file (0: not read)

    def payload(self) -> bytes:
        """What is signed: every field but the signature, as canonical JSON."""
        body = {"v": VERSION, "chain": self.chain, "seq": self.seq, "hash": self.hash}
        body |= {"at": self.at, "signer": self.signer}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def to_line(self) -> str:
        body = {k: v for k, v in asdict(self).items() if k != "line"}
        return json.dumps({"v": VERSION, **body}, sort_keys=True, separators=(",", ":"))

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)

    @property
    def signature_fingerprint(self) -> str:
        """16 hex digits of the signature's SHA-256: what a paper copy can carry."""
        return hashlib.sha256(_unb64(self.signature)).hexdigest()[:16]

    @property
    def label(self) -> str:
        return f"the signed checkpoint of {self.at} (line {self.line}, sequence {self.seq})"

    def anchor(self) -> Anchor:
        return Anchor(self.seq, self.hash, self.label)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse(text: str, line: int) -> Checkpoint:
    """One line of the file; ValueError when it is not a checkpoint."""
    try:
        data = json.loads(text)
        if data.pop("v") != VERSION:
            raise ValueError("unknown version")
        fields = {name: data[name] for name in ("chain", "seq", "hash", "at", "signer")}
        checkpoint = Checkpoint(**fields, signature=data["signature"], line=line)
        if not isinstance(checkpoint.seq, int) or not isinstance(checkpoint.signature, str):
            raise ValueError("wrong types")
        if checkpoint.moment.tzinfo is None:
            raise ValueError("a time without its zone")
        return checkpoint
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"not a checkpoint ({e})") from None


def problem_with(checkpoint: Checkpoint, known: dict[str, Ed25519PublicKey]) -> str | None:
    """Why the checkpoint's signature cannot be trusted, or None."""
    key = known.get(checkpoint.signer)
    if key is None:
        return f"signed with an unknown key {checkpoint.signer}"
    try:
        key.verify(_unb64(checkpoint.signature), checkpoint.payload())
    except (InvalidSignature, ValueError):
        return "its signature does not match its content"
    return None


def sign(chain: str, seq: int, hash: str, at: datetime) -> Checkpoint:
    key = signing_key()
    unsigned = Checkpoint(
        chain=chain,
        seq=seq,
        hash=hash,
        at=at.astimezone(UTC).isoformat(timespec="seconds"),
        signer=fingerprint(key.public_key()),
    )
    return replace(unsigned, signature=b64encode(key.sign(unsigned.payload())))


def path() -> Path:
    return get_settings().audit_checkpoints


def read_all() -> Iterator[tuple[int, str]]:
    """Every non-blank line of the file with its number (none when there is no file)."""
    if not path().exists():
        return
    with path().open(encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            if text.strip():
                yield number, text


def _tail(most: int = 65536) -> list[tuple[int, str]]:
    """The complete lines among the file's last `most` bytes, last first, with negative line
    numbers (-1 is the last line): a few hundred checkpoints, read without the whole file."""
    if not path().exists():
        return []
    with path().open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        start = f.seek(max(0, end - most))
        lines = f.read().split(b"\n")
    # The last piece is "" (or a line still being written); the first may be cut.
    complete = lines[:-1] if start == 0 else lines[1:-1]
    numbered = zip(range(-1, -len(complete) - 1, -1), reversed(complete), strict=True)
    return [(n, raw.decode("utf-8", errors="replace")) for n, raw in numbered if raw.strip()]


def covering(chain: Chain, seq: int = 0) -> Checkpoint | None:
    """The most recent checkpoint of `chain` that covers the event at `seq` and whose
    signature holds (among the last few hundred lines); None while the event is newer than
    every checkpoint."""
    known = signers()
    for number, text in _tail():
        try:
            checkpoint = parse(text, number)
        except ValueError:
            continue
        if checkpoint.chain != chain.name or checkpoint.seq < seq:
            continue
        if problem_with(checkpoint, known) is None:
            return checkpoint
    return None


def latest(chain: Chain) -> Checkpoint | None:
    """The most recent checkpoint of `chain` whose signature holds."""
    return covering(chain, 0)


async def write(chain: Chain, only_if_moved: bool = False) -> Checkpoint | None:
    """Sign the chain's head now and append it to the file. `only_if_moved`: not when the
    latest checkpoint already has this head (the hourly pass)."""
    seq, head_hash = await chain.current_head()
    if only_if_moved:
        last = await asyncio.to_thread(latest, chain)
        if last is not None and (last.seq, last.hash) == (seq, head_hash):
            return None
    checkpoint = sign(chain.name, seq, head_hash, utcnow())
    # Not secret (auditors copy it), but only the app writes it.
    await asyncio.to_thread(append_line, path(), checkpoint.to_line(), 0o644)
    return checkpoint


async def write_all(only_if_moved: bool = False) -> list[Checkpoint]:
    """A checkpoint of every registered chain."""
    written = []
    for chain in registered():
        checkpoint = await write(chain, only_if_moved)
        if checkpoint is not None:
            written.append(checkpoint)
    return written


async def keep_writing(every_seconds: int = 3600) -> None:
    """Inside the app: a checkpoint at start and then every hour, when the head moved."""
    while True:
        try:
            await write_all(only_if_moved=True)
        except Exception:  # retried next hour; the app must not stop
            logging.getLogger("motcua").exception("audit checkpoint failed")
        await asyncio.sleep(every_seconds)
