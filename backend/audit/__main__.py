"""python -m backend.audit: check, anchor and re-key the event chain.

- `verify`: exits 0 when the checkpoints' signatures, the keyed hashes and the chain all hold;
  otherwise 1, with one line naming the first problem.
- `checkpoint`: signs the chain's head now and appends it to the checkpoint file.
- `public-key`: the signing key's public half, which auditors keep (and the retired ones).
- `rotate-key`, `rotate-signing-key`: a new key in var/ (see README.md, "Audit keys").
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend import wiring
from backend.audit import checkpoints, keys
from backend.audit.verification import verify_all
from backend.lib.db import database_pool


async def _verify() -> int:
    async with database_pool():
        outcome = await verify_all()
    if outcome.problem is not None:
        print(outcome.problem, file=sys.stderr)
        return 1
    print(
        f"audit chain intact: {outcome.events} events, keyed hashes hold; "
        f"{outcome.checkpoints} signed checkpoints hold ({checkpoints.path()})"
    )
    if outcome.checkpoints == 0:
        print("no checkpoint yet: run `python -m backend.audit checkpoint`")
    return 0


async def _checkpoint() -> int:
    async with database_pool():
        written = await checkpoints.write_all()
    for c in written:
        print(
            f"checkpoint of {c.chain}: sequence {c.seq}, hash {c.hash or '-'}, at {c.at}, "
            f"signed by {c.signer} (signature {c.signature_fingerprint})"
        )
    print(f"appended to {checkpoints.path()}")
    return 0


def _public_key() -> int:
    current = keys.signing_key().public_key()
    print(f"{keys.public_text(current)}  fingerprint {keys.fingerprint(current)}  (current)")
    for fingerprint, key in keys.signers().items():
        if fingerprint != keys.fingerprint(current):
            print(f"{keys.public_text(key)}  fingerprint {fingerprint}  (retired)")
    return 0


def _rotate(which: str) -> int:
    if which == "rotate-key":
        old, new = keys.rotate_hmac_key()
        print(f"audit key {old} retired (kept to verify older events); new key {new}")
        print("restart the app so that it keys new events with the new key")
        return 0
    old, new = keys.rotate_signing_key()
    print(f"signing key {old} retired (its public key kept); new signing key {new}:")
    _public_key()
    return asyncio.run(_checkpoint())


def _run(command: str) -> int:
    if command == "verify":
        return asyncio.run(_verify())
    if command == "checkpoint":
        return asyncio.run(_checkpoint())
    if command == "public-key":
        return _public_key()
    return _rotate(command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.audit")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("verify", help="check keys, checkpoints and that no event was changed")
    sub.add_parser("checkpoint", help="sign the chain's head now (append to the file)")
    sub.add_parser("public-key", help="print the public key that verifies checkpoints")
    sub.add_parser("rotate-key", help="retire the HMAC key in var/ and make a new one")
    sub.add_parser("rotate-signing-key", help="retire the signing key in var/, make a new one")
    command = parser.parse_args(argv).command
    wiring.connect()  # the domains declare their chains (backend.dossiers.events)
    try:
        return _run(command)
    except keys.AuditKeyError as e:
        print(f"audit keys: {e}", file=sys.stderr)
        return 1 if command == "verify" else 2


if __name__ == "__main__":
    sys.exit(main())
