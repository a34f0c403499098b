"""python -m backend.audit verify: check the event chain.

Exits 0 when it is intact; otherwise 1, naming the first broken event.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend import wiring
from backend.audit.chain import Break, registered
from backend.lib.db import database_pool


async def _verify() -> int:
    broken: Break | None = None
    checked = 0
    async with database_pool():
        for chain in registered():
            checked, broken = await chain.verify()
            if broken is not None:
                break
    if broken is None:
        print(f"audit chain intact: {checked} events")
        return 0
    where = f"event id {broken.event_id}" if broken.event_id is not None else "chain end"
    print(
        f"audit chain BROKEN at {where} (sequence {broken.seq}): {broken.reason}; "
        f"{checked} events before it are intact",
        file=sys.stderr,
    )
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.audit")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("verify", help="check that no event was changed, removed or reordered")
    parser.parse_args(argv)
    wiring.connect()  # the domains declare their chains (backend.dossiers.events)
    return asyncio.run(_verify())


if __name__ == "__main__":
    sys.exit(main())
