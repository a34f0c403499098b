"""python -m backend.lib.cleanup [--dry-run]: remove stale temporary uploads and stored files no
row refers to (what the app also does every hour); prints what it removed."""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend import wiring
from backend.lib.cleanup import STORE_GRACE, TMP_GRACE, Collected, collect_uploads
from backend.lib.db import database_pool


async def _run(dry_run: bool) -> Collected:
    async with database_pool():
        return await collect_uploads(dry_run=dry_run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backend.lib.cleanup",
        description=(
            f"Remove temporary upload files older than {TMP_GRACE} and stored files that no "
            f"row refers to, last written more than {STORE_GRACE} ago."
        ),
    )
    parser.add_argument("--dry-run", action="store_true", help="count them, remove nothing")
    args = parser.parse_args(argv)
    wiring.connect()  # the domains declare the tables that refer to stored files
    done = asyncio.run(_run(args.dry_run))
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb} {done.temporary} temporary files and {done.stored} stored files "
        f"({done.stored_bytes:,} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
