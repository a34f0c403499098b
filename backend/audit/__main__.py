"""python -m backend.audit verify: check the dossier event chain.

Exits 0 when it is intact; otherwise 1, naming the first broken event.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend.audit.chain import verify


async def _verify() -> int:
    from piccolo.engine.postgres import PostgresEngine

    from backend.piccolo_conf import DB

    if isinstance(DB, PostgresEngine):
        await DB.start_connection_pool(min_size=1, max_size=2)
    try:
        checked, broken = await verify()
    finally:
        if isinstance(DB, PostgresEngine):
            await DB.close_connection_pool()
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
    return asyncio.run(_verify())


if __name__ == "__main__":
    sys.exit(main())
